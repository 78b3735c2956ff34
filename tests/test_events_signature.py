"""verify_signature: HMAC-SHA256 over "timestamp.body", on raw bytes."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import pytest
from multidict import CIMultiDict

from flireo_async import ConfigurationError, FlireoError
from flireo_async.events import (
    InvalidSignatureError,
    MissingSignatureError,
    SignatureError,
    StaleSignatureError,
    compute_signature,
    signature_headers,
    verify_signature,
)


SECRET = "whsec_do_not_leak_4f1c9a"
BODY = (
    b'{ "message": { "type": "status-update", '
    b'"timestamp": "2025-12-13T12:00:00.000Z" } }'
)
NOW = 1_765_627_200
TS = str(NOW)


def _reference(body: bytes, secret: str, timestamp: str) -> str:
    # The documented formula, written out independently of the SDK.
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _headers(
    body: bytes = BODY, *, secret: str = SECRET, timestamp: str = TS
) -> dict[str, str]:
    return {
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": "sha256=" + _reference(body, secret, timestamp),
    }


def _verify(headers: Any, body: bytes = BODY, **kw: Any) -> None:
    kw.setdefault("now", NOW)
    verify_signature(body, headers, secret=SECRET, **kw)


def test_valid_signature_passes() -> None:
    """A correctly signed body verifies."""
    assert None is _verify(_headers())


def test_signature_without_prefix_passes() -> None:
    """The bare hex digest of the older reference page is accepted."""
    headers = _headers()
    headers["X-Webhook-Signature"] = _reference(BODY, SECRET, TS)
    assert None is _verify(headers)


def test_upper_case_hex_and_header_case_do_not_matter() -> None:
    """Hex case and header-name case are irrelevant."""
    headers = {
        "x-webhook-timestamp": TS,
        "x-webhook-signature": "sha256="
        + _reference(BODY, SECRET, TS).upper(),
    }
    assert None is _verify(headers)


def test_aiohttp_style_multidict_headers_work() -> None:
    """A CIMultiDict (what aiohttp hands out) is read as well."""
    assert None is _verify(CIMultiDict(_headers()))


def test_tampered_body_fails() -> None:
    """Changing one byte of the body breaks the signature."""
    with pytest.raises(InvalidSignatureError):
        _verify(_headers(), body=BODY.replace(b"status", b"statuz"))


def test_wrong_secret_fails() -> None:
    """A signature made with another secret fails."""
    with pytest.raises(InvalidSignatureError):
        _verify(_headers(secret="whsec_someone_else"))


def test_stale_timestamp_fails() -> None:
    """An authentic signature older than the tolerance is stale."""
    old = str(NOW - 301)
    with pytest.raises(StaleSignatureError) as caught:
        _verify(_headers(timestamp=old))
    assert 301 == caught.value.age


def test_future_timestamp_fails() -> None:
    """A timestamp too far ahead is refused as well."""
    ahead = str(NOW + 301)
    with pytest.raises(StaleSignatureError) as caught:
        _verify(_headers(timestamp=ahead))
    assert -301 == caught.value.age


def test_timestamp_at_the_tolerance_passes() -> None:
    """Exactly 300 s old is still inside the default tolerance."""
    assert None is _verify(_headers(timestamp=str(NOW - 300)))


def test_tolerance_is_configurable() -> None:
    """A tighter or looser tolerance changes the outcome."""
    headers = _headers(timestamp=str(NOW - 400))
    with pytest.raises(StaleSignatureError):
        _verify(_headers(timestamp=str(NOW - 11)), tolerance=10)
    assert None is _verify(headers, tolerance=600)


def test_replay_with_a_different_timestamp_fails() -> None:
    """Reusing a signature with a fresh timestamp does not verify."""
    captured = _headers(timestamp=str(NOW - 3600))
    replayed = dict(captured, **{"X-Webhook-Timestamp": TS})
    with pytest.raises(InvalidSignatureError):
        _verify(replayed)


@pytest.mark.parametrize(
    "drop", ["X-Webhook-Signature", "X-Webhook-Timestamp"]
)
def test_missing_headers_fail(drop: str) -> None:
    """Without either header there is nothing to verify."""
    headers = _headers()
    del headers[drop]
    with pytest.raises(MissingSignatureError) as caught:
        _verify(headers)
    assert drop in str(caught.value)


def test_empty_headers_fail() -> None:
    """Empty header values count as missing."""
    with pytest.raises(MissingSignatureError):
        _verify({"X-Webhook-Signature": "", "X-Webhook-Timestamp": " "})


@pytest.mark.parametrize(
    ("signature", "timestamp"),
    [
        ("sha256=xyz", TS),
        ("sha256=" + "a" * 63, TS),
        ("sha1=" + "a" * 64, TS),
        ("sha256=" + "é" * 64, TS),
        ("sha256=" + "a" * 64, "1765627200.5"),
        ("sha256=" + "a" * 64, "-5"),
    ],
)
def test_malformed_headers_fail(signature: str, timestamp: str) -> None:
    """A signature that is not 64 hex digits, or a bad timestamp, fails."""
    headers = {
        "X-Webhook-Signature": signature,
        "X-Webhook-Timestamp": timestamp,
    }
    with pytest.raises(InvalidSignatureError):
        _verify(headers)


def test_every_failure_is_a_signature_error() -> None:
    """The three kinds share SignatureError, a FlireoError."""
    kinds = [MissingSignatureError, InvalidSignatureError, StaleSignatureError]
    assert [True, True, True] == [
        issubclass(k, SignatureError) and issubclass(k, FlireoError)
        for k in kinds
    ]


def test_secret_and_expected_signature_never_appear_in_errors() -> None:
    """No failure message or repr carries the secret or the right digest."""
    tampered = BODY + b" "
    cases: list[tuple[dict[str, str], bytes]] = [
        (_headers(), tampered),
        (_headers(secret="other"), BODY),
        (_headers(timestamp=str(NOW - 999)), BODY),
        ({"X-Webhook-Timestamp": TS}, BODY),
        ({"X-Webhook-Signature": "x", "X-Webhook-Timestamp": TS}, BODY),
    ]
    leaks = []
    for headers, body in cases:
        with pytest.raises(SignatureError) as caught:
            _verify(headers, body=body)
        text = f"{caught.value} {caught.value!r}"
        expected = _reference(body, SECRET, headers["X-Webhook-Timestamp"])
        leaks.append(SECRET in text or expected in text)
    assert [False] * len(cases) == leaks


def test_bytes_secret_and_bytes_like_bodies() -> None:
    """A bytes secret and bytearray/memoryview bodies verify the same."""
    headers = _headers()
    for body in (bytearray(BODY), memoryview(BODY)):
        verify_signature(body, headers, secret=SECRET.encode(), now=NOW)


def test_default_clock_is_now() -> None:
    """Without now=, the real clock decides freshness."""
    headers = signature_headers(BODY, secret=SECRET)
    assert None is verify_signature(BODY, headers, secret=SECRET)
    assert abs(int(headers["X-Webhook-Timestamp"]) - time.time()) < 60


def test_compute_signature_matches_the_documented_formula() -> None:
    """sha256= plus the lowercase hex HMAC of "timestamp.body"."""
    expected = "sha256=" + _reference(BODY, SECRET, TS)
    assert expected == compute_signature(BODY, secret=SECRET, timestamp=NOW)


def test_signature_headers_are_what_verify_expects() -> None:
    """signature_headers produces exactly the two documented headers."""
    assert _headers() == signature_headers(BODY, secret=SECRET, timestamp=NOW)


@pytest.mark.parametrize("secret", ["", b""])
def test_empty_secret_is_a_configuration_error(secret: str | bytes) -> None:
    """An empty key would verify nothing; refuse it."""
    with pytest.raises(ConfigurationError):
        verify_signature(BODY, _headers(), secret=secret, now=NOW)


def test_negative_tolerance_is_a_configuration_error() -> None:
    """A negative tolerance is a mistake, not "never stale"."""
    with pytest.raises(ConfigurationError):
        _verify(_headers(), tolerance=-1)


def test_text_body_is_refused() -> None:
    """Decoded text is not the raw body; it is a TypeError."""
    with pytest.raises(TypeError):
        verify_signature(
            BODY.decode(),  # type: ignore[arg-type]
            _headers(),
            secret=SECRET,
            now=NOW,
        )
