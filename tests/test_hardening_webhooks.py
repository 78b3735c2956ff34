"""
Webhook bodies and headers of any shape end in a value or a typed
``FlireoError`` (issue #13): no ``ValueError`` from a "²" timestamp, no
``OverflowError`` from a 400-digit one, no ``AttributeError`` from
missing headers, and a forged request is never reported as merely stale.
"""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)

import flireo_async as flireo
from flireo_async import events
from flireo_async.events.aiohttp import EventRouter
from flireo_async.telnyx import verify_webhook


NOW = 1_726_218_741
SECRET = "whsec_test"
BODY = b'{"type": "status-update", "callId": "c-1"}'


# -- parse_event --------------------------------------------------------------


@pytest.mark.parametrize(
    "stamp",
    ["\u00b2", "\u0661\u0667\u0660\u0660", "9" * 400, "9" * 5000, "-1", ""],
)
def test_an_odd_timestamp_header_is_ignored(stamp: str) -> None:
    event = events.parse_event(b"{}", {"X-Webhook-Timestamp": stamp})
    assert event.timestamp is None


@pytest.mark.parametrize(
    "stamp",
    [
        b'"\\u00b2"',
        b'"\\uff11\\uff17\\uff10\\uff10"',
        b'"' + b"9" * 400 + b'"',
        b'"' + b"9" * 5000 + b'"',
        b"9" * 400,
        b"-" + b"9" * 30,
        b"1e300",
        b'"0001-01-01T00:00:00+01:00"',
        b'"9999-12-31T23:59:59-01:00"',
        b"true",
        b"[]",
    ],
    ids=lambda stamp: stamp[:12].decode(),
)
def test_an_odd_event_time_is_a_parse_error(stamp: bytes) -> None:
    body = b'{"eventType": "status-update", "eventTime": ' + stamp + b"}"
    with pytest.raises(events.EventParseError):
        events.parse_event(body)


def test_a_millisecond_event_time_in_ascii_digits_is_read() -> None:
    event = events.parse_event(
        b'{"eventType": "status-update", "eventTime": "1726218741000"}'
    )
    assert datetime.fromtimestamp(NOW, UTC) == event.timestamp


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Webhook-Event": 5, "X-Webhook-Timestamp": 7},
        {1: "x", b"X-Webhook-Event": b"tool-calls"},
        {},
        None,
    ],
    ids=repr,
)
def test_headers_that_are_not_text_are_ignored(headers: Any) -> None:
    event = events.parse_event(b'{"callId": "c-1"}', headers)
    assert isinstance(event, events.UnknownEvent)
    assert event.timestamp is None


@pytest.mark.parametrize("body", ["{}", 5, None, [b"{}"]], ids=repr)
def test_a_body_that_is_not_bytes_is_a_type_error(body: Any) -> None:
    with pytest.raises(TypeError):
        events.parse_event(body)


def test_headers_that_are_not_a_mapping_are_a_type_error() -> None:
    with pytest.raises(TypeError):
        events.parse_event(b"{}", [("X-Webhook-Event", "x")])  # type: ignore[arg-type]


def test_a_long_run_of_spaces_in_a_transcript_stays_cheap() -> None:
    # Before, the speaker pattern re-scanned the run from every position.
    text = " " * 200_000 + "x"
    body = (
        b'{"eventType": "end-of-call-report", "transcriptText": "'
        + text.encode()
        + b'\\nAI: Hallo"}'
    )
    event = events.parse_event(body)
    assert isinstance(event, events.EndOfCallReportEvent)
    assert "Hallo" == event.turns[-1].text


# -- verify_signature (Flireo HMAC) -------------------------------------------


def _signed(timestamp: str) -> dict[str, str]:
    return {
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": events.compute_signature(
            BODY, secret=SECRET, timestamp=NOW
        ),
    }


@pytest.mark.parametrize(
    "stamp", ["\u00b2", "9" * 400, "1_726_218_741", "\uff11" * 10, "-5", "1.5"]
)
def test_an_odd_flireo_timestamp_is_an_invalid_signature(stamp: str) -> None:
    with pytest.raises(flireo.InvalidSignatureError):
        events.verify_signature(BODY, _signed(stamp), secret=SECRET, now=NOW)


@pytest.mark.parametrize(
    "headers", [None, {}, {"X-Webhook-Timestamp": 5}], ids=repr
)
def test_missing_or_non_text_flireo_headers_are_missing(headers: Any) -> None:
    with pytest.raises(flireo.MissingSignatureError):
        events.verify_signature(BODY, headers, secret=SECRET, now=NOW)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"tolerance": math.nan}, flireo.ConfigurationError),
        ({"tolerance": -1}, flireo.ConfigurationError),
        ({"tolerance": "300"}, TypeError),
        ({"now": math.nan}, flireo.ConfigurationError),
        ({"now": math.inf}, flireo.ConfigurationError),
        ({"now": 10**400}, flireo.ConfigurationError),
        ({"now": "now"}, TypeError),
        ({"secret": 5}, TypeError),
        ({"secret": "\ud800"}, flireo.ConfigurationError),
    ],
    ids=repr,
)
def test_bad_flireo_verifier_arguments_are_typed(
    options: dict[str, Any], error: type[Exception]
) -> None:
    kwargs: dict[str, Any] = {"secret": SECRET, "now": NOW, **options}
    with pytest.raises(error):
        events.verify_signature(BODY, _signed(str(NOW)), **kwargs)


def test_a_body_that_is_an_int_is_a_type_error_not_zero_bytes() -> None:
    with pytest.raises(TypeError):
        events.verify_signature(5, _signed(str(NOW)), secret=SECRET)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "stamp", ["\u00b2", -1, 10**12, True, 1.5, "12a"], ids=repr
)
def test_compute_signature_refuses_a_timestamp_it_cannot_sign(
    stamp: Any,
) -> None:
    with pytest.raises((flireo.ValidationError, TypeError)):
        events.compute_signature(BODY, secret=SECRET, timestamp=stamp)


def test_signed_headers_verify() -> None:
    headers = events.signature_headers(BODY, secret=SECRET, timestamp=NOW)
    events.verify_signature(BODY, headers, secret=SECRET, now=NOW)


# -- the aiohttp router -------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"tolerance": math.nan},
        {"tolerance": -5},
        {"assistant_request_deadline": math.inf},
        {"tool_calls_deadline": math.nan},
        {"tool_calls_deadline": "10"},
        {"secret": "\ud800"},
    ],
    ids=repr,
)
def test_router_refuses_bad_settings_at_construction(
    options: dict[str, Any],
) -> None:
    with pytest.raises(flireo.ConfigurationError):
        EventRouter(**options)


def test_router_refuses_a_secret_that_is_not_text() -> None:
    with pytest.raises(TypeError):
        EventRouter(secret=12345)  # type: ignore[arg-type]


# -- telnyx.verify_webhook ----------------------------------------------------


@pytest.fixture(name="key")
def _key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _public(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes_raw()).decode()


def _telnyx_headers(
    key: Ed25519PrivateKey, timestamp: str, body: bytes = BODY
) -> dict[str, str]:
    signature = key.sign(timestamp.encode() + b"|" + body)
    return {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": timestamp,
    }


@pytest.mark.parametrize(
    "stamp",
    ["9" * 400, "\u00b2", "\u0661\u0667\u0662\u0666", "1_726", "-1", "1e9"],
)
def test_an_odd_telnyx_timestamp_is_an_invalid_signature(
    key: Ed25519PrivateKey, stamp: str
) -> None:
    headers = _telnyx_headers(key, str(NOW))
    headers["telnyx-timestamp"] = stamp
    with pytest.raises(flireo.InvalidSignatureError):
        verify_webhook(BODY, headers, public_key=_public(key), now=NOW)


def test_a_forged_old_telnyx_webhook_is_invalid_not_stale(
    key: Ed25519PrivateKey,
) -> None:
    # The signature is checked first: "stale" must mean authentic.
    headers = _telnyx_headers(key, str(NOW - 3600))
    with pytest.raises(flireo.InvalidSignatureError):
        verify_webhook(BODY + b" ", headers, public_key=_public(key), now=NOW)


def test_an_authentic_old_telnyx_webhook_is_stale(
    key: Ed25519PrivateKey,
) -> None:
    headers = _telnyx_headers(key, str(NOW - 3600))
    with pytest.raises(flireo.StaleSignatureError):
        verify_webhook(BODY, headers, public_key=_public(key), now=NOW)


@pytest.mark.parametrize(
    "headers",
    [None, {}, {"telnyx-timestamp": 5, "telnyx-signature-ed25519": 6}],
    ids=repr,
)
def test_missing_telnyx_headers_are_missing(
    key: Ed25519PrivateKey, headers: Any
) -> None:
    with pytest.raises(flireo.MissingSignatureError):
        verify_webhook(BODY, headers, public_key=_public(key), now=NOW)


def test_a_non_ascii_telnyx_signature_is_invalid(
    key: Ed25519PrivateKey,
) -> None:
    headers = _telnyx_headers(key, str(NOW))
    headers["telnyx-signature-ed25519"] = "\u00e9" * 88
    with pytest.raises(flireo.InvalidSignatureError):
        verify_webhook(BODY, headers, public_key=_public(key), now=NOW)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"tolerance": math.nan}, flireo.ConfigurationError),
        ({"now": 10**400}, flireo.ConfigurationError),
        ({"public_key": "\u00e9"}, flireo.ConfigurationError),
        ({"public_key": 5}, TypeError),
    ],
    ids=repr,
)
def test_bad_telnyx_verifier_arguments_are_typed(
    key: Ed25519PrivateKey, options: dict[str, Any], error: type[Exception]
) -> None:
    kwargs: dict[str, Any] = {"public_key": _public(key), "now": NOW}
    kwargs.update(options)
    with pytest.raises(error):
        verify_webhook(BODY, _telnyx_headers(key, str(NOW)), **kwargs)


def test_a_valid_telnyx_webhook_verifies(key: Ed25519PrivateKey) -> None:
    verify_webhook(
        bytearray(BODY),
        _telnyx_headers(key, str(NOW)),
        public_key=_public(key),
        now=NOW,
    )


def test_a_tolerance_too_large_for_a_float_accepts_any_age() -> None:
    headers = events.signature_headers(BODY, secret=SECRET, timestamp=0)
    events.verify_signature(
        BODY, headers, secret=SECRET, tolerance=10**400, now=NOW
    )
