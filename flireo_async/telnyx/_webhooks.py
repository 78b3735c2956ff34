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
import time
from collections.abc import Mapping
from typing import Any

import orjson

from .._converter import structure
from ..exceptions import (
    ConfigurationError,
    InvalidSignatureError,
    MissingSignatureError,
    StaleSignatureError,
)
from ._models import NumberOrderEvent


__all__ = ["parse_number_order_event", "verify_webhook"]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get(name)


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    *,
    public_key: str,
    tolerance: float = 300.0,
    now: float | None = None,
) -> None:
    """
    Check a Telnyx webhook's Ed25519 signature.

    Args:
        body: The raw request body, exactly as received.
        headers: The request headers.
        public_key: The account's public key (base64, from the portal).
        tolerance: Most seconds between the timestamp and now.
        now: The current Unix time (default: the clock's).

    Raises:
        MissingSignatureError: A signature or timestamp header is absent.
        StaleSignatureError: The timestamp is outside *tolerance*.
        InvalidSignatureError: The signature does not verify.
        ConfigurationError: The ``telnyx`` extra is not installed, or the
            public key is not a base64 Ed25519 key.
    """
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (
            Ed25519PublicKey,
        )
    except ImportError as exc:  # pragma: no cover - depends on the install
        msg = "Ed25519 needs the extra: pip install 'flireo-async[telnyx]'"
        raise ConfigurationError(msg) from exc
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
    except (ValueError, binascii.Error) as exc:
        msg = "public_key is not a base64 Ed25519 public key"
        raise ConfigurationError(msg) from exc
    signature = _header(headers, "telnyx-signature-ed25519")
    timestamp = _header(headers, "telnyx-timestamp")
    if not signature or not timestamp:
        msg = "missing telnyx-signature-ed25519 or telnyx-timestamp header"
        raise MissingSignatureError(msg)
    try:
        sent = int(timestamp)
    except ValueError:
        msg = "telnyx-timestamp is not a Unix time"
        raise InvalidSignatureError(msg) from None
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        msg = (
            f"timestamp is {abs(current - sent):.0f}s away "
            f"(tolerance {tolerance:g}s)"
        )
        raise StaleSignatureError(msg, age=current - sent)
    try:
        raw_signature = base64.b64decode(signature, validate=True)
        key.verify(raw_signature, timestamp.encode() + b"|" + body)
    except (InvalidSignature, ValueError, binascii.Error):
        msg = "signature does not match the body"
        raise InvalidSignatureError(msg) from None


def parse_number_order_event(body: bytes) -> NumberOrderEvent:
    """
    Parse a ``number_order.complete`` webhook body.

    Returns:
        The :class:`NumberOrderEvent`.

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
