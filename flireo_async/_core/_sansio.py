"""
The protocol core, with no I/O of its own (after gidgethub's ``sansio``).

Building a [`Request`][flireo_async.Request], reading an answer into JSON or
the right
exception, and parsing ``Retry-After`` and ``X-RateLimit-*`` are plain
functions of plain data, so they are tested without a loop or a socket.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import attrs
import orjson
from multidict import istr

from ..exceptions import (
    ResponseDecodeError,
    error_class_for,
)
from ._dialect import Dialect
from ._transport import Request, Response, _ci_headers


__all__ = [
    "RateLimitInfo",
    "build_request",
    "decipher",
    "encode_query",
    "parse_retry_after",
    "path_segment",
    "rate_window",
]

_JSON_HEADERS = {"Content-Type": "application/json"}
# 2001-09-09: a smaller X-RateLimit-Reset is seconds, not a Unix time.
_EPOCH_FLOOR = 1e9
_UNRESERVED = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9_.~-]*")
# Header numbers are ASCII: float() and int() would also read "１２",
# "1_000" or "  ٣ ", and int() refuses more than 4300 digits with a
# ValueError; the length caps keep a hostile header cheap to reject.
_HEADER_NUMBER = re.compile(r"-?[0-9]{1,20}(?:\.[0-9]{1,20})?")
_HEADER_COUNT = re.compile(r"[0-9]{1,18}")
# HTTP whitespace (RFC 9110 OWS), not str.strip()'s Unicode whitespace.
_OWS = " \t"


def _header_text(value: object, pattern: re.Pattern[str], digits: int) -> str:
    # The header's number as text, or "" when it is not a plain ASCII
    # decimal of that pattern.
    if not isinstance(value, str):
        return ""
    if value.isascii() and value.isdigit() and len(value) <= digits:
        return value  # the usual answer, without the regex (ASCII: 0-9)
    text = value.strip(_OWS)
    return text if pattern.fullmatch(text) else ""


def _header_number(value: object) -> float | None:
    # A header value as a finite float, or None.
    text = _header_text(value, _HEADER_NUMBER, 20)
    return float(text) if text else None


def _header_count(value: object) -> int | None:
    # A header value as a non-negative int, or None.
    text = _header_text(value, _HEADER_COUNT, 18)
    return int(text) if text else None


def encode_query(params: Mapping[str, object]) -> str:
    """
    Encode query parameters the way the API reads them.

    ``None`` values are left out; booleans become the strings ``"true"``
    and ``"false"`` (``include_default`` is documented as a string); keys
    are sorted so equal queries encode equally.
    """
    pairs = []
    for key in sorted(params):
        value = params[key]
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        pairs.append((key, str(value)))
    # Brackets and commas stay literal: Telnyx reads filter[...] keys and
    # comma-joined arrays in exactly that shape.
    return urlencode(pairs, safe="[],")


def path_segment(value: str) -> str:
    """Quote an id for use as one path segment (no ``/`` smuggling)."""
    # Ids are nearly always UUIDs; skip urllib's slow quote for them.
    if _UNRESERVED.fullmatch(value):
        return value
    return quote(value, safe="")


def build_request(
    method: str,
    base_url: str,
    path: str,
    *,
    headers: Mapping[str, str],
    query: Mapping[str, object] | None = None,
    json: Any = None,
    extra_headers: Mapping[str, str] | None = None,
) -> Request:
    """
    Build a request for one API call.

    Args:
        method: HTTP method.
        base_url: The API root, without a trailing slash.
        path: The documented path, e.g. ``"/v1/phone-numbers"``.
        headers: The client's constant headers (auth, user agent).
        query: Query parameters; see `encode_query()`.
        json: A JSON-serialisable body, or ``None`` for no body.
        extra_headers: Per-call headers such as ``Idempotency-Key``.

    Returns:
        The [`Request`][flireo_async.Request].
    """
    url = base_url + path
    if query:
        encoded = encode_query(query)
        if encoded:
            url = f"{url}?{encoded}"
    body = b""
    if json is not None or extra_headers:
        headers = dict(headers)
        if json is not None:
            body = orjson.dumps(json)
            headers.update(_JSON_HEADERS)
        if extra_headers:
            headers.update(extra_headers)
    return Request(method=method, url=url, headers=headers, body=body)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """
    Read a ``Retry-After`` header: delta seconds or an HTTP date.

    Args:
        value: The header value, or ``None``.
        now: The current Unix time, for the date form.

    Returns:
        Seconds to wait (never negative), or ``None`` if absent or
        unreadable.
    """
    if not isinstance(value, str):
        return None
    seconds = _header_number(value)
    if seconds is None:
        # The HTTP-date form is rare; email.utils costs import time.
        import email.utils

        try:
            when = email.utils.parsedate_to_datetime(value.strip(_OWS))
            if when.tzinfo is None:
                return None
            seconds = when.timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    # Finite either way: at most 20 digits, or a date's distance from now.
    return max(0.0, seconds)


@attrs.frozen(kw_only=True)
class RateLimitInfo:
    """
    The account's rate-limit window as the server last reported it.

    Attributes:
        limit: Requests allowed per window.
        remaining: Requests left in this window.
        reset: Unix time at which the window resets.
    """

    limit: int | None
    remaining: int
    reset: float

    @classmethod
    def from_headers(
        cls, headers: Mapping[str, str], *, now: float | None = None
    ) -> RateLimitInfo | None:
        """
        Read ``X-RateLimit-*`` headers.

        Flireo sends ``Reset`` as a Unix time, Telnyx as seconds from now;
        the forms cannot be confused (a Unix time before 2001 is never a
        current reset), so both are read.

        Args:
            headers: The answer's headers.
            now: The current Unix time (default: the clock's).

        Returns:
            The window, or ``None`` when ``Remaining``/``Reset`` are absent
            or not numbers.
        """
        window = rate_window(_ci_headers(headers), now=now)
        if window is None:
            return None
        remaining, reset, limit = window
        return cls(limit=limit, remaining=remaining, reset=reset)


# Case-insensitive keys made once: a plain str key is case-folded on
# every lookup of a CIMultiDict.
_REMAINING = istr("X-RateLimit-Remaining")
_RESET = istr("X-RateLimit-Reset")
_LIMIT = istr("X-RateLimit-Limit")


def rate_window(
    headers: Mapping[str, str], *, now: float | None = None
) -> tuple[int, float, int | None] | None:
    """
    Read the window an answer reports: what `RateLimitInfo.from_headers`
    reads, without building the object (it runs on every answer).

    Args:
        headers: The answer's headers, case-insensitive.
        now: The current Unix time (default: the clock's).

    Returns:
        ``(remaining, reset, limit)`` (``limit`` ``None`` when not sent),
        or ``None`` when the headers are absent or any of the three is not
        a number.
    """
    remaining_text = headers.get(_REMAINING)
    reset_text = headers.get(_RESET)
    if remaining_text is None or reset_text is None:
        return None
    remaining = _header_count(remaining_text)
    reset_at = _header_number(reset_text)
    limit_text = headers.get(_LIMIT)
    limit = None if limit_text is None else _header_count(limit_text)
    if (
        remaining is None
        or reset_at is None
        or reset_at < 0
        or (limit_text is not None and limit is None)
    ):
        return None
    reset_at = _reset_at(reset_at, time.time() if now is None else now)
    return remaining, reset_at, limit


def _reason(status: int) -> str:
    if status >= 500:
        return "server error"
    return "request failed"


def _reset_at(value: float, now: float) -> float:
    # Seconds from now (Telnyx) or a Unix time (Flireo): a Unix time
    # before 2001 is never a current reset, so the value says which.
    return value + now if value < _EPOCH_FLOOR else value


def _window_wait(headers: Mapping[str, str], now: float) -> float | None:
    # A 429 without Retry-After waits for the window's reset (Telnyx
    # documents no Retry-After, only x-ratelimit-reset).
    reset = _header_number(headers.get("x-ratelimit-reset"))
    if reset is None or reset < 0:
        return None
    return max(0.0, _reset_at(reset, now) - now)


def decipher(
    response: Response,
    *,
    method: str,
    url: str,
    now: float,
    dialect: Dialect,
) -> Any:
    """
    Turn an answer into its JSON payload, or raise the matching error.

    ``Retry-After`` is read here, once, onto every ``APIError``
    (``retry_after``); a 429 without one gets the window's reset.

    Args:
        response: The transport's answer.
        method: The request method (for error messages).
        url: The request URL (for error messages).
        now: Current Unix time, for ``Retry-After`` dates.
        dialect: The API's error envelope, code table and reset form.

    Returns:
        The decoded JSON of a 2xx answer (``None`` for an empty body).

    Raises:
        APIError: A subclass picked by `error_class_for()`.
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
        # A proxy's HTML error page: the status alone decides.
        payload = None
    code, message, details = dialect.error_fields(payload)
    cls = error_class_for(status, code, dialect.codes)
    retry_after = parse_retry_after(headers.get("retry-after"), now=now)
    if retry_after is None and status == 429:
        retry_after = _window_wait(headers, now)
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "details": details,
        "request_id": headers.get("x-request-id"),
        "method": method,
        "url": url,
        "headers": headers,
        "retry_after": retry_after,
    }
    raise cls(message or _reason(status), **kwargs)
