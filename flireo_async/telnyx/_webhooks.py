"""
The ``number_order.complete`` webhook: Ed25519 verification and parsing.

Telnyx signs ``"{telnyx-timestamp}|{raw body}"`` with Ed25519 and sends
the base64 signature in ``telnyx-signature-ed25519``; the account's public
key verifies it.  Verification runs on the raw bytes, before any JSON
parsing.  The crypto library is the optional ``telnyx`` extra
(``pip install 'flireo-async[telnyx]'``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

import orjson

from .._core._converter import structure
from ..exceptions import (
    ConfigurationError,
    InvalidSignatureError,
    MissingSignatureError,
    StaleSignatureError,
)
from ._models import NumberOrderEvent


__all__ = ["parse_number_order_event", "verify_webhook"]


# Unix seconds in ASCII digits: int() would also take "²"-free Unicode
# digits ("١٧٠٠"), underscores and 400-digit values that overflow a float.
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")
# HTTP whitespace (RFC 9110 OWS), not str.strip()'s Unicode whitespace.
_OWS = " \t"


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str] | None,
    *,
    public_key: str,
    tolerance: float = 300.0,
    now: float | None = None,
) -> None:
    """
    Check a Telnyx webhook's Ed25519 signature; return quietly if it holds.

    The Ed25519 signature over ``timestamp|body`` is verified first and
    the timestamp's age second, so a
    [`StaleSignatureError`][flireo_async.exceptions.StaleSignatureError]
    is always a genuine Telnyx request replayed late, never a forgery.

    Args:
        body: The request body, byte for byte as it arrived.
        headers: The request headers, ``telnyx-signature-ed25519`` and
            ``telnyx-timestamp`` among them (any case).
        public_key: The account's public key (base64, from the portal).
        tolerance: Most seconds between the timestamp and now.
        now: The current Unix time (default: the clock's).

    Raises:
        MissingSignatureError: A signature or timestamp header is absent.
        InvalidSignatureError: A malformed header, or a signature that
            does not verify.
        StaleSignatureError: Authentic, but outside *tolerance*.
        ConfigurationError: The ``telnyx`` extra is not installed, the
            public key is not a base64 Ed25519 key, or *tolerance* is
            negative or NaN.
        TypeError: An argument of the wrong type (a ``str`` body, say).
    """
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (
            Ed25519PublicKey,
        )
    except ImportError as exc:  # pragma: no cover - depends on the install
        msg = "Ed25519 needs the extra: pip install 'flireo-async[telnyx]'"
        raise ConfigurationError(msg) from exc
    # The Flireo verifier's argument checks; imported here so that
    # `import flireo_async.telnyx` does not load the events package.
    from ..events._signature import (
        check_tolerance,
        header_value,
        raw_body,
        unix_now,
    )

    raw = raw_body(body)
    tolerance = check_tolerance(tolerance)
    current = unix_now(now)
    if not isinstance(public_key, str | bytes):
        msg = f"public_key must be base64 text, got {type(public_key)}"
        raise TypeError(msg)
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
    except (ValueError, binascii.Error) as exc:
        msg = "public_key is not a base64 Ed25519 public key"
        raise ConfigurationError(msg) from exc
    signature = (
        header_value(headers, "telnyx-signature-ed25519") or ""
    ).strip(_OWS)
    timestamp = (header_value(headers, "telnyx-timestamp") or "").strip(_OWS)
    if not signature or not timestamp:
        msg = "missing telnyx-signature-ed25519 or telnyx-timestamp header"
        raise MissingSignatureError(msg)
    if not _UNIX_SECONDS.fullmatch(timestamp):
        msg = "telnyx-timestamp is not a Unix time in seconds"
        raise InvalidSignatureError(msg)
    try:
        raw_signature = base64.b64decode(signature, validate=True)
        key.verify(raw_signature, timestamp.encode("ascii") + b"|" + raw)
    except (InvalidSignature, ValueError, binascii.Error):
        msg = "signature does not match the body"
        raise InvalidSignatureError(msg) from None
    age = current - int(timestamp)
    if abs(age) > tolerance:
        msg = f"timestamp is {abs(age):.0f}s away (tolerance {tolerance:g}s)"
        raise StaleSignatureError(msg, age=age)


def parse_number_order_event(body: bytes) -> NumberOrderEvent:
    """
    Parse a ``number_order.complete`` webhook body.

    Returns:
        The [`NumberOrderEvent`][flireo_async.telnyx.NumberOrderEvent].

    Raises:
        ResponseDecodeError: The body is not that event's shape.
    """
    envelope: Any = None
    try:
        envelope = orjson.loads(body)
        data = dict(envelope["data"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        data = {}
    meta = envelope.get("meta") if isinstance(envelope, dict) else None
    if isinstance(meta, dict):
        data["attempt"] = meta.get("attempt")
    return structure(data, NumberOrderEvent)
