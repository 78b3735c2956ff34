"""
Telnyx's wire conventions, as pure functions and one value: deepObject
query parameters, the ``{"errors": [...]}`` envelope, its numeric error
codes, and its `Dialect`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core._dialect import Dialect
from ..exceptions import (
    AlreadyInUseError,
    APIError,
    AuthenticationError,
    ConflictError,
    InvalidParametersError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)


__all__ = ["TELNYX", "TELNYX_CODES", "deep_object", "telnyx_error_fields"]


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


#: Telnyx's numeric codes (strings on the wire), spec/telnyx.md §2.2.
TELNYX_CODES: Mapping[str, type[APIError]] = {
    "10001": InvalidParametersError,
    "10002": InvalidParametersError,
    "10004": InvalidParametersError,
    "10005": NotFoundError,
    "10009": AuthenticationError,
    "10010": PermissionDeniedError,
    "10011": RateLimitError,
    "10012": ConflictError,
    "10015": InvalidParametersError,
    "10016": InvalidParametersError,
    "10031": InvalidParametersError,
    "10032": InvalidParametersError,
    "10033": InvalidParametersError,
    "10035": ConflictError,
    "10036": ConflictError,
    "10038": PermissionDeniedError,
    "10039": PermissionDeniedError,
    "20012": PermissionDeniedError,
    "20013": PermissionDeniedError,
    "20014": PermissionDeniedError,
    "20016": PermissionDeniedError,
    "20017": PermissionDeniedError,
    "85000": InvalidParametersError,
    "85001": AlreadyInUseError,
    "85006": AlreadyInUseError,
}

#: Telnyx's dialect: ``{"errors": [...]}`` envelopes and numeric codes.
TELNYX = Dialect(
    error_fields=telnyx_error_fields,
    codes=TELNYX_CODES,
)
