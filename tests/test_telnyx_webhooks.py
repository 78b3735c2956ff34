"""Ed25519 verification and parsing of Telnyx number-order webhooks."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)

import flireo_async as flireo
from flireo_async.telnyx import (
    NumberOrderStatus,
    PhoneNumberType,
    parse_number_order_event,
    verify_webhook,
)


NOW = 1_726_218_741

# spec/telnyx.md §1.14, the support article's example, verbatim.
EVENT = b"""{
  "data": {
    "event_type": "number_order.complete",
    "id": "da5ddb44-4eda-45f0-b8a7-913a4092eccc",
    "occurred_at": "2024-09-13T09:12:21.140324Z",
    "record_type": "event",
    "payload": {
      "id": "e3dcb7d4-4f0b-4800-bd9f-b04cc684a82f", "record_type": "number_order",
      "status": "success", "requirements_met": true, "phone_numbers_count": 1,
      "customer_reference": null, "connection_id": null, "messaging_profile_id": null,
      "billing_group_id": null, "sub_number_orders_ids": ["1ae729ee-6e07-43db-bb05-d3077ba6b85e"],
      "created_at": "2024-09-13T09:12:19.728170+00:00", "updated_at": "2024-09-13T09:12:19.728170+00:00",
      "phone_numbers": [{"id": "5fd37101-...", "phone_number": "+1312XXXXXXX", "country_code": "US",
        "phone_number_type": "local", "record_type": "number_order_phone_number", "bundle_id": null,
        "regulatory_requirements": [], "requirements_met": true,
        "requirements_status": "approved", "status": "success"}]
    }
  },
  "meta": {"attempt": 1, "delivered_to": "https://example.test/hook"}
}"""  # noqa: E501 - verbatim


@pytest.fixture(name="key")
def _key() -> Ed25519PrivateKey:
    """A fresh Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def public(key: Ed25519PrivateKey) -> str:
    """The base64 public key, as the portal shows it."""
    return base64.b64encode(key.public_key().public_bytes_raw()).decode()


def signed(
    key: Ed25519PrivateKey, body: bytes, timestamp: int = NOW
) -> dict[str, str]:
    """The headers Telnyx sends: Ed25519 over "{timestamp}|{body}"."""
    signature = key.sign(f"{timestamp}|".encode() + body)
    return {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": str(timestamp),
    }


def test_valid_signature_passes(key: Ed25519PrivateKey) -> None:
    """A correctly signed body verifies (no exception)."""
    verify_webhook(EVENT, signed(key, EVENT), public_key=public(key), now=NOW)


def test_header_names_are_case_insensitive(key: Ed25519PrivateKey) -> None:
    """Headers as a framework capitalises them still verify."""
    headers = {k.title(): v for k, v in signed(key, EVENT).items()}

    verify_webhook(EVENT, headers, public_key=public(key), now=NOW)


def test_timestamp_within_tolerance_passes(key: Ed25519PrivateKey) -> None:
    """A timestamp 299s old is inside the default 300s window."""
    headers = signed(key, EVENT, NOW - 299)

    verify_webhook(EVENT, headers, public_key=public(key), now=NOW)


def test_tampered_body_fails(key: Ed25519PrivateKey) -> None:
    """One changed byte breaks the signature."""
    headers = signed(key, EVENT)

    with pytest.raises(flireo.SignatureError):
        verify_webhook(
            EVENT.replace(b"success", b"failure", 1),
            headers,
            public_key=public(key),
            now=NOW,
        )


def test_wrong_key_fails(key: Ed25519PrivateKey) -> None:
    """Another account's key does not verify."""
    other = Ed25519PrivateKey.generate()

    with pytest.raises(flireo.SignatureError):
        verify_webhook(
            EVENT, signed(key, EVENT), public_key=public(other), now=NOW
        )


def test_replayed_timestamp_fails(key: Ed25519PrivateKey) -> None:
    """The signature covers the timestamp: swapping it in fails."""
    headers = signed(key, EVENT)
    headers["telnyx-timestamp"] = str(NOW + 1)

    with pytest.raises(flireo.SignatureError):
        verify_webhook(EVENT, headers, public_key=public(key), now=NOW)


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_stale_timestamp_fails(key: Ed25519PrivateKey, age: int) -> None:
    """A timestamp more than 300s away fails even when signed."""
    headers = signed(key, EVENT, NOW - age)

    with pytest.raises(flireo.SignatureError, match="tolerance"):
        verify_webhook(EVENT, headers, public_key=public(key), now=NOW)


def test_tolerance_is_configurable(key: Ed25519PrivateKey) -> None:
    """A tighter tolerance refuses what the default accepts."""
    headers = signed(key, EVENT, NOW - 10)

    with pytest.raises(flireo.SignatureError):
        verify_webhook(
            EVENT, headers, public_key=public(key), now=NOW, tolerance=5
        )


@pytest.mark.parametrize(
    "missing", ["telnyx-signature-ed25519", "telnyx-timestamp"]
)
def test_missing_header_fails(key: Ed25519PrivateKey, missing: str) -> None:
    """Either header missing is a SignatureError."""
    headers = signed(key, EVENT)
    del headers[missing]

    with pytest.raises(flireo.SignatureError, match="missing"):
        verify_webhook(EVENT, headers, public_key=public(key), now=NOW)


def test_empty_header_fails(key: Ed25519PrivateKey) -> None:
    """An empty signature header counts as missing."""
    headers = signed(key, EVENT)
    headers["telnyx-signature-ed25519"] = ""

    with pytest.raises(flireo.SignatureError):
        verify_webhook(EVENT, headers, public_key=public(key), now=NOW)


@pytest.mark.parametrize("timestamp", ["yesterday", "1.5e9", "0x10"])
def test_non_numeric_timestamp_fails(
    key: Ed25519PrivateKey, timestamp: str
) -> None:
    """A timestamp that is not Unix seconds is a SignatureError."""
    headers = signed(key, EVENT)
    headers["telnyx-timestamp"] = timestamp

    with pytest.raises(flireo.SignatureError, match="Unix time"):
        verify_webhook(EVENT, headers, public_key=public(key), now=NOW)


@pytest.mark.parametrize(
    "signature",
    [
        "not base64!",
        "c2hvcnQ=",
        base64.b64encode(b"x" * 64).decode(),
    ],
)
def test_bad_signature_encoding_fails(
    key: Ed25519PrivateKey, signature: str
) -> None:
    """Bad base64, a short or a wrong signature: SignatureError."""
    headers = signed(key, EVENT)
    headers["telnyx-signature-ed25519"] = signature

    with pytest.raises(flireo.SignatureError):
        verify_webhook(EVENT, headers, public_key=public(key), now=NOW)


@pytest.mark.parametrize(
    "public_key",
    ["", "not base64 at all!", base64.b64encode(b"too short").decode()],
)
def test_malformed_public_key_is_a_configuration_error(
    key: Ed25519PrivateKey, public_key: str
) -> None:
    """A key that is not a base64 Ed25519 key is the caller's setup."""
    with pytest.raises(flireo.ConfigurationError):
        verify_webhook(
            EVENT, signed(key, EVENT), public_key=public_key, now=NOW
        )


def test_uses_the_clock_by_default(key: Ed25519PrivateKey) -> None:
    """Without now=, the current time is the reference."""
    now = int(datetime.now(UTC).timestamp())

    verify_webhook(EVENT, signed(key, EVENT, now), public_key=public(key))


# -- parsing ------------------------------------------------------------------


def test_parse_documented_event() -> None:
    """Spec §1.14's example parses into the event and its order."""
    event = parse_number_order_event(EVENT)

    assert (
        "da5ddb44-4eda-45f0-b8a7-913a4092eccc",
        "number_order.complete",
        "event",
        1,
    ) == (event.id, event.event_type, event.record_type, event.attempt)
    assert datetime(2024, 9, 13, 9, 12, 21, 140324, tzinfo=UTC) == (
        event.occurred_at
    )
    order = event.payload
    assert (
        "e3dcb7d4-4f0b-4800-bd9f-b04cc684a82f",
        NumberOrderStatus.SUCCESS,
    ) == (order.id, order.status)
    assert ("1ae729ee-6e07-43db-bb05-d3077ba6b85e",) == (
        order.sub_number_orders_ids
    )
    assert order.customer_reference is None
    assert order.requirements_met is True
    assert datetime(2024, 9, 13, 9, 12, 19, 728170, tzinfo=UTC) == (
        order.created_at
    )
    (number,) = order.phone_numbers
    assert (
        "+1312XXXXXXX",
        "US",
        PhoneNumberType.LOCAL,
        "approved",
        NumberOrderStatus.SUCCESS,
        (),
    ) == (
        number.phone_number,
        number.country_code,
        number.phone_number_type,
        number.requirements_status,
        number.status,
        number.regulatory_requirements,
    )
    assert not order.reconciled


def test_parse_keeps_unknown_statuses() -> None:
    """A status the SDK does not know stays a plain string."""
    body = EVENT.replace(
        b'"status": "success", "requirements_met"',
        b'"status": "partial_success", "requirements_met"',
    )

    event = parse_number_order_event(body)

    assert "partial_success" == event.payload.status
    assert str is type(event.payload.status)


@pytest.mark.parametrize(
    "body",
    [b'{"data": {"id": "e1"}}', b'{"data": 5}', b"[]", b'{"meta": {}}'],
)
def test_parse_refuses_other_shapes(body: bytes) -> None:
    """JSON that is not the event is a ResponseDecodeError."""
    with pytest.raises(flireo.ResponseDecodeError):
        parse_number_order_event(body)


def test_parse_refuses_non_json() -> None:
    """A body that is not JSON is a ResponseDecodeError too."""
    # Fails today with UnboundLocalError: the except branch of the JSON
    # decode leaves `envelope` unset and the next line reads it.
    with pytest.raises(flireo.ResponseDecodeError):
        parse_number_order_event(b"not json")
