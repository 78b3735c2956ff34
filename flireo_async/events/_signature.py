"""
Signed webhooks: HMAC-SHA256 over ``"{timestamp}.{raw body}"``.

The platform sends ``X-Webhook-Timestamp`` (Unix seconds) and
``X-Webhook-Signature: sha256=<hex>`` when the agent has a
``webhook_secret`` (spec §6.6; older pages print the bare hex, which is
accepted too).  Verification hashes the raw bytes exactly as received,
before any JSON parsing, and compares in constant time.  No error message
ever carries the secret or the expected signature: the latter would turn
a failed check into a signing oracle.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from collections.abc import Mapping

from ..exceptions import (
    ConfigurationError,
    InvalidSignatureError,
    MissingSignatureError,
    StaleSignatureError,
    ValidationError,
)


__all__ = [
    "EVENT_HEADER",
    "InvalidSignatureError",
    "MissingSignatureError",
    "SIGNATURE_HEADER",
    "StaleSignatureError",
    "TIMESTAMP_HEADER",
    "check_tolerance",
    "compute_signature",
    "header_value",
    "raw_body",
    "signature_headers",
    "signing_key",
    "unix_now",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
EVENT_HEADER = "X-Webhook-Event"

_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")
# HTTP whitespace (RFC 9110 OWS), not str.strip()'s Unicode whitespace.
_OWS = " \t"


def header_value(headers: Mapping[str, str] | None, name: str) -> str | None:
    """
    Look a header up by name, ignoring case, in any mapping.

    Args:
        headers: The headers (a plain ``dict`` is case-sensitive, so a
            miss falls back to a case-insensitive scan).
        name: The header name.

    Returns:
        Its (first) value, or ``None`` when absent or not a string.

    Raises:
        TypeError: *headers* is neither a mapping nor ``None``.
    """
    if headers is None:
        return None
    if not isinstance(headers, Mapping):
        msg = f"headers must be a mapping, got {type(headers).__name__}"
        raise TypeError(msg)
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next(
            (
                v
                for k, v in headers.items()
                if isinstance(k, str) and k.lower() == wanted
            ),
            None,
        )
    # A header that is not text cannot be what the platform sent.
    return value if isinstance(value, str) else None


def check_tolerance(tolerance: object) -> float:
    """
    Return *tolerance* as seconds if it is a usable replay window.

    Args:
        tolerance: Most seconds a signed timestamp may be off.

    Returns:
        The tolerance as a float.

    Raises:
        TypeError: *tolerance* is not a number.
        ConfigurationError: It is negative or NaN (a NaN window would
            accept every replay, since no age compares greater).
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
        msg = f"tolerance must be a number, got {type(tolerance).__name__}"
        raise TypeError(msg)
    try:
        seconds = float(tolerance)
    except OverflowError:
        seconds = math.inf
    if math.isnan(seconds) or seconds < 0:
        msg = "tolerance must be a non-negative number of seconds"
        raise ConfigurationError(msg)
    return seconds


def unix_now(now: object = None) -> float:
    """
    The current Unix time, or *now* when a caller pins it.

    Args:
        now: A fixed time (tests), or ``None`` for the clock's.

    Returns:
        Seconds since the epoch.

    Raises:
        TypeError: *now* is not a number.
        ConfigurationError: *now* is not finite (a NaN age passes every
            tolerance check).
    """
    if now is None:
        return time.time()
    if isinstance(now, bool) or not isinstance(now, int | float):
        msg = f"now must be a number, got {type(now).__name__}"
        raise TypeError(msg)
    try:
        current = float(now)
    except OverflowError:
        current = math.inf
    if not math.isfinite(current):
        msg = "now must be a finite Unix time"
        raise ConfigurationError(msg)
    return current


def signing_key(secret: str | bytes) -> bytes:
    """
    The HMAC key bytes of a webhook secret.

    Args:
        secret: The webhook secret.

    Returns:
        Its bytes (UTF-8 for text).

    Raises:
        TypeError: *secret* is neither text nor bytes.
        ConfigurationError: It is empty or not encodable text.
    """
    if not isinstance(secret, str | bytes | bytearray | memoryview):
        # bytes(5) would be five zero bytes: a silent, guessable key.
        msg = f"the webhook secret must be str or bytes, got {type(secret)}"
        raise TypeError(msg)
    if not secret:
        msg = "the webhook secret is empty; an empty key verifies nothing"
        raise ConfigurationError(msg)
    if isinstance(secret, str):
        try:
            return secret.encode()
        except UnicodeEncodeError:
            msg = "the webhook secret is not valid text (a lone surrogate)"
            raise ConfigurationError(msg) from None
    return bytes(secret)


def raw_body(body: bytes | bytearray | memoryview) -> bytes:
    """
    The raw bytes of a webhook body, refusing anything else.

    Args:
        body: The body exactly as received.

    Returns:
        It as ``bytes``.

    Raises:
        TypeError: *body* is text (re-encoded text need not be the bytes
            that were signed) or not bytes at all.
    """
    if isinstance(body, str):
        msg = "verify the raw body bytes, not decoded text"
        raise TypeError(msg)
    if not isinstance(body, bytes | bytearray | memoryview):
        # bytes(5) would be five zero bytes, not a body.
        msg = f"the body must be bytes, got {type(body).__name__}"
        raise TypeError(msg)
    return bytes(body)


def _hex(key: bytes, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode("ascii") + b"." + body
    return hmac.new(key, signed, hashlib.sha256).hexdigest()


def _timestamp_text(timestamp: object) -> str:
    if isinstance(timestamp, int) and not isinstance(timestamp, bool):
        text = str(timestamp) if 0 <= timestamp < 10**12 else ""
    elif isinstance(timestamp, str):
        text = timestamp
    else:
        msg = f"timestamp must be int or str, got {type(timestamp).__name__}"
        raise TypeError(msg)
    if not _UNIX_SECONDS.fullmatch(text):
        msg = f"expected Unix seconds (ASCII digits), got {timestamp!r}"
        raise ValidationError("timestamp", msg)
    return text


def compute_signature(
    body: bytes | bytearray | memoryview,
    *,
    secret: str | bytes,
    timestamp: int | str,
) -> str:
    """
    The ``X-Webhook-Signature`` value the platform sends for *body*.

    Args:
        body: The raw body.
        secret: The webhook secret.
        timestamp: The ``X-Webhook-Timestamp`` value (Unix seconds).

    Returns:
        ``"sha256=<lowercase hex>"``.

    Raises:
        ConfigurationError: The secret is empty.
        ValidationError: *timestamp* is not Unix seconds in ASCII digits.
    """
    return "sha256=" + _hex(
        signing_key(secret), _timestamp_text(timestamp), raw_body(body)
    )


def signature_headers(
    body: bytes | bytearray | memoryview,
    *,
    secret: str | bytes,
    timestamp: int | None = None,
) -> dict[str, str]:
    """
    Sign *body* as the platform does (for tests and local senders).

    Args:
        body: The raw body.
        secret: The webhook secret.
        timestamp: Unix seconds; default now.

    Returns:
        ``{"X-Webhook-Timestamp": ..., "X-Webhook-Signature": ...}``.

    Raises:
        ConfigurationError: The secret is empty.
        ValidationError: *timestamp* is not Unix seconds.
    """
    sent = _timestamp_text(
        int(time.time()) if timestamp is None else timestamp
    )
    return {
        TIMESTAMP_HEADER: sent,
        SIGNATURE_HEADER: compute_signature(
            body, secret=secret, timestamp=sent
        ),
    }


def verify_signature(
    body: bytes | bytearray | memoryview,
    headers: Mapping[str, str],
    *,
    secret: str | bytes,
    tolerance: float = 300.0,
    now: float | None = None,
) -> None:
    """
    Check a webhook's HMAC-SHA256 signature; return quietly if it holds.

    The signature is checked before the age, so a
    [`StaleSignatureError`][flireo_async.exceptions.StaleSignatureError] always
    means an authentic but old
    request (a replay), never a forgery.

    Args:
        body: The raw request body, exactly as received.
        headers: The request headers (any case).
        secret: The agent's ``webhook_secret``.
        tolerance: Most seconds between ``X-Webhook-Timestamp`` and now,
            either way (the vendor SDK's default is 300).
        now: The current Unix time (default: the clock's).

    Raises:
        MissingSignatureError: No signature or timestamp header.
        InvalidSignatureError: A malformed header, or a signature that
            does not match (tampered body, wrong secret, changed
            timestamp).
        StaleSignatureError: Authentic, but outside *tolerance*.
        ConfigurationError: The secret is empty or *tolerance* negative
            or NaN.
        TypeError: *body* is a ``str`` rather than the raw bytes, or an
            argument is of the wrong type.

    Example:
        ```python
        verify_signature(raw, request.headers, secret=WEBHOOK_SECRET)
        event = parse_event(raw, request.headers)
        ```
    """
    key = signing_key(secret)
    raw = raw_body(body)
    tolerance = check_tolerance(tolerance)
    current = unix_now(now)
    signature = (header_value(headers, SIGNATURE_HEADER) or "").strip(_OWS)
    timestamp = (header_value(headers, TIMESTAMP_HEADER) or "").strip(_OWS)
    if not signature or not timestamp:
        missing = SIGNATURE_HEADER if not signature else TIMESTAMP_HEADER
        msg = f"the {missing} header is missing"
        raise MissingSignatureError(msg)
    if not _UNIX_SECONDS.fullmatch(timestamp):
        msg = f"{TIMESTAMP_HEADER} is not a Unix time in seconds"
        raise InvalidSignatureError(msg)
    given = signature.removeprefix("sha256=")
    if not _HEX_DIGEST.fullmatch(given):
        msg = f"{SIGNATURE_HEADER} is not 'sha256=' and 64 hex digits"
        raise InvalidSignatureError(msg)
    expected = _hex(key, timestamp, raw)
    if not hmac.compare_digest(expected, given.lower()):
        msg = "the signature does not match the body and timestamp"
        raise InvalidSignatureError(msg)
    age = current - int(timestamp)
    if abs(age) > tolerance:
        msg = (
            f"the signature is {abs(age):.0f}s "
            f"{'old' if age > 0 else 'in the future'} "
            f"(tolerance {tolerance:g}s)"
        )
        raise StaleSignatureError(msg, age=age)
