"""
Telnyx's wire conventions, as pure functions: deepObject query
parameters and the ``{"errors": [...]}`` envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core import _sansio
from .._core._transport import Response


__all__ = ["decipher", "deep_object", "telnyx_error_fields"]


def deep_object(name: str, value: object) -> dict[str, object]:
    """
    Flatten a filter into deepObject query parameters.

    ``deep_object("filter", {"country_code": "NL", "phone_number":
    {"starts_with": "85"}, "features": ["sms", "voice"]})`` gives
    ``filter[country_code]=NL``, ``filter[phone_number][starts_with]=85``
    and ``filter[features]=sms,voice`` — arrays comma-joined, as the
    official SDK sends them (Telnyx silently ignores filters in a shape
    it does not read, so the shape matters).  ``None`` values are left
    out; booleans become ``true``/``false``.
    """
    flat: dict[str, object] = {}
    if isinstance(value, Mapping):
        for key, item in value.items():
            flat.update(deep_object(f"{name}[{key}]", item))
    elif isinstance(value, list | tuple):
        if value:
            flat[name] = ",".join(str(v) for v in value)
    elif value is not None:
        flat[name] = value
    return flat


def telnyx_error_fields(
    payload: Any,
) -> tuple[str | None, str | None, Any]:
    """
    Read ``(code, message, details)`` from Telnyx's ``errors[]`` envelope.

    The first entry's string ``code`` picks the exception class (through
    the shared table); its ``title`` and ``detail`` (or ``description``,
    which one generated model uses) make the message; every entry is kept
    as ``details``.
    """
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list) or not errors:
        return None, None, None
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = first.get("code")
    # Some Telnyx answers send the code as a number; it is a string.
    code = (
        str(code)
        if isinstance(code, int | str) and not isinstance(code, bool)
        else None
    )
    title = first.get("title")
    detail = first.get("detail") or first.get("description")
    parts = [p for p in (title, detail) if isinstance(p, str) and p]
    return code, ": ".join(parts) or None, errors


def decipher(response: Response, *, method: str, url: str, now: float) -> Any:
    """
    :func:`flireo_async._core._sansio.decipher` for Telnyx's error envelope.

    A 429 without ``Retry-After`` waits for ``x-ratelimit-reset``
    (seconds), since Telnyx documents no ``Retry-After``.
    """
    return _sansio.decipher(
        response,
        method=method,
        url=url,
        now=now,
        error_fields=telnyx_error_fields,
    )
