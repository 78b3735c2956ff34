"""
Telnyx's wire conventions, as pure functions: deepObject query
parameters and the ``{"errors": [...]}`` envelope.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import orjson

from .._sansio import parse_retry_after
from .._transport import Response
from ..exceptions import (
    APIError,
    RateLimitError,
    ResponseDecodeError,
    error_class_for,
)


__all__ = ["decipher", "deep_object"]


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


def _first_error(payload: Any) -> tuple[str | None, str | None, Any]:
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
    Turn a Telnyx answer into JSON, or raise the matching error.

    The first entry of ``errors[]`` picks the class (its string ``code``
    through the shared table, else the status); every entry is kept as
    the error's ``details``.  A 429 without ``Retry-After`` takes its
    wait from ``x-ratelimit-reset`` (seconds), since Telnyx documents no
    ``Retry-After``.

    Raises:
        APIError: The matching subclass.
        ResponseDecodeError: A 2xx body that is not JSON.
    """
    status = response.status
    if 200 <= status < 300:
        if not response.body:
            return None
        try:
            return orjson.loads(response.body)
        except orjson.JSONDecodeError as exc:
            msg = f"{method} {url} answered {status} with a non-JSON body"
            raise ResponseDecodeError(
                msg, status=status, body=response.body
            ) from exc
    headers = response.headers
    try:
        payload = orjson.loads(response.body) if response.body else None
    except orjson.JSONDecodeError:
        payload = None
    code, message, errors = _first_error(payload)
    cls = error_class_for(status, code)
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "details": errors,
        "request_id": headers.get("x-request-id"),
        "method": method,
        "url": url,
        "headers": headers,
    }
    text = message or ("server error" if status >= 500 else "request failed")
    error: APIError
    if issubclass(cls, RateLimitError):
        wait = parse_retry_after(headers.get("retry-after"), now=now)
        if wait is None:
            wait = _reset_seconds(headers.get("x-ratelimit-reset"), now)
        error = cls(text, retry_after=wait, **kwargs)
    else:
        error = cls(text, **kwargs)
    raise error


def _reset_seconds(value: str | None, now: float) -> float | None:
    if value is None:
        return None
    try:
        reset = float(value)
    except ValueError:
        return None
    if math.isnan(reset) or reset < 0:
        return None
    # Documented as seconds until reset; one example is an epoch.
    return max(0.0, reset - now) if reset >= 1e9 else reset
