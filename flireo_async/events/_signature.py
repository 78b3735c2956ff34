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
import re
import time
from collections.abc import Mapping

from ..exceptions import (
    ConfigurationError,
    InvalidSignatureError,
    MissingSignatureError,
    StaleSignatureError,
)


__all__ = [
    "EVENT_HEADER",
    "InvalidSignatureError",
    "MissingSignatureError",
    "SIGNATURE_HEADER",
    "StaleSignatureError",
    "TIMESTAMP_HEADER",
    "compute_signature",
    "header_value",
    "signature_headers",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
EVENT_HEADER = "X-Webhook-Event"

_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def header_value(headers: Mapping[str, str] | None, name: str) -> str | None:
    """
    Look a header up by name, ignoring case, in any mapping.

    Args:
        headers: The headers (a plain ``dict`` is case-sensitive, so a
            miss falls back to a case-insensitive scan).
        name: The header name.

    Returns:
        Its (first) value, or ``None``.
    """
    if not headers:
        return None
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next(
            (v for k, v in headers.items() if k.lower() == wanted), None
        )
    return value


def _key(secret: str | bytes) -> bytes:
    if not secret:
        msg = "the webhook secret is empty; an empty key verifies nothing"
        raise ConfigurationError(msg)
    return secret.encode() if isinstance(secret, str) else bytes(secret)


def _raw(body: bytes | bytearray | memoryview) -> bytes:
    if isinstance(body, str):
        # Re-encoded text need not be the bytes that were signed.
        msg = "verify the raw body bytes, not decoded text"
        raise TypeError(msg)
    return bytes(body)


def _hex(key: bytes, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode("ascii") + b"." + body
    return hmac.new(key, signed, hashlib.sha256).hexdigest()


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
    """
    return "sha256=" + _hex(_key(secret), str(timestamp), _raw(body))


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
    """
    sent = str(int(time.time()) if timestamp is None else timestamp)
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
    :class:`StaleSignatureError` always means an authentic but old
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
        ConfigurationError: The secret is empty or *tolerance* negative.
        TypeError: *body* is a ``str`` rather than the raw bytes.

    Example::

        verify_signature(raw, request.headers, secret=WEBHOOK_SECRET)
        event = parse_event(raw, request.headers)
    """
    key = _key(secret)
    raw = _raw(body)
    if tolerance < 0:
        msg = "tolerance must be a non-negative number of seconds"
        raise ConfigurationError(msg)
    signature = (header_value(headers, SIGNATURE_HEADER) or "").strip()
    timestamp = (header_value(headers, TIMESTAMP_HEADER) or "").strip()
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
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > tolerance:
        msg = (
            f"the signature is {abs(age):.0f}s "
            f"{'old' if age > 0 else 'in the future'} "
            f"(tolerance {tolerance:g}s)"
        )
        raise StaleSignatureError(msg, age=age)
