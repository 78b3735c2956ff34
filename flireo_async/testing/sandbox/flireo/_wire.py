"""
Wire helpers: JSON encoding, timestamps, the documented error bodies, and
the body and integer reading both modes share.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar


if TYPE_CHECKING:
    from aiohttp import web

_T = TypeVar("_T")

# Compact separators: smaller bodies, and what a production API sends.
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

JSON_CONTENT_TYPE = "application/json"
HTML_CONTENT_TYPE = "text/html"

#: Cost of one order in credits (spec §4.1).
ORDER_COST = 10

#: The body a proxy in front of an API answers with when it gives up.
PROXY_502_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

#: The flat 401 body of the newer docs (spec §6.3).
UNAUTHORIZED_BODY = (
    b'{"error":"Unauthorized","message":"Invalid or missing API key"}'
)


def dumps(value: Any) -> bytes:
    """
    Encode *value* as compact UTF-8 JSON.

    Args:
        value: Any JSON-serialisable value.

    Returns:
        The encoded bytes.
    """
    return _encode(value).encode()


class Clock:
    """
    Formats wall-clock times as ``2025-01-15T10:30:00Z``.

    Consecutive objects created within the same second share one string,
    which keeps memory flat when a test creates 100,000 orders.
    """

    __slots__ = ("_second", "_text")

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def format(self, wall: float) -> str:
        """
        Return *wall* (Unix seconds) as an ISO 8601 UTC timestamp.

        Args:
            wall: Seconds since the epoch.

        Returns:
            The timestamp, to the second, with a ``Z`` suffix.
        """
        second = int(wall)
        if second != self._second:
            self._second = second
            self._text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(wall))
        return self._text


class WireError(Exception):
    """
    A documented error answer of either API, raised by a handler or an
    inspector and answered by the shared pipeline (`_pipeline`).

    Attributes:
        status: HTTP status.
        headers: Headers the answer carries besides the pipeline's.
    """

    status: int
    headers: Mapping[str, str] = {}

    def body(self) -> bytes:
        """Return the encoded error body."""
        raise NotImplementedError


class ApiError(WireError):
    """
    A documented error answer: ``{"error": {code, message, details}}``.

    Args:
        status: HTTP status.
        code: Error code from spec §3.1.
        message: Human-readable text.
        details: Extra facts, e.g. ``{"field": "limit"}``.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}

    def body(self) -> bytes:
        """Return the nested JSON error body."""
        return error_body(self.code, self.message, self.details)


def error_body(
    code: str, message: str, details: dict[str, Any] | None = None
) -> bytes:
    """
    Return a nested error body as bytes.

    Args:
        code: Error code.
        message: Human-readable text.
        details: Extra facts; ``{}`` when omitted.

    Returns:
        ``{"error": {"code", "message", "details"}}`` encoded.
    """
    return dumps(
        {"error": {"code": code, "message": message, "details": details or {}}}
    )


def rate_limit_body(retry_after: int) -> bytes:
    """
    Return the documented 429 body (spec §6.2).

    Args:
        retry_after: Seconds the client should wait.

    Returns:
        The nested body without ``details``, as the rate-limit page shows.
    """
    return dumps(
        {
            "error": {
                "code": "rate_limit_exceeded",
                "message": (
                    "Too many requests. Please retry after "
                    f"{retry_after} seconds."
                ),
            }
        }
    )


def invalid(field: str, message: str) -> ApiError:
    """
    Build a 400 ``invalid_parameters`` error naming *field*.

    Args:
        field: The offending parameter or body field.
        message: What is wrong with it.

    Returns:
        The error, for the caller to raise.
    """
    return ApiError(400, "invalid_parameters", message, {"field": field})


def not_found(what: str, ident: str) -> ApiError:
    """
    Build a 404 ``not_found`` error.

    Args:
        what: The kind of resource, e.g. ``"Order"``.
        ident: The id that was asked for.

    Returns:
        The error, for the caller to raise.
    """
    return ApiError(404, "not_found", f"{what} not found", {"id": ident})


async def read_object(
    request: web.Request,
    not_json: Callable[[], WireError],
    not_object: Callable[[], WireError],
) -> dict[str, Any]:
    """
    Read a JSON object body; an empty body counts as ``{}``.

    Both modes read bodies alike and differ only in the error answered,
    which the caller builds.

    Args:
        request: The request.
        not_json: Builds the error for a body that is not JSON.
        not_object: Builds the error for JSON that is not an object.

    Raises:
        WireError: The error *not_json* or *not_object* built.
    """
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise not_json() from None
    if not isinstance(body, dict):
        raise not_object()
    return body


def read_int(
    query: Mapping[str, str],
    name: str,
    default: int,
    low: int,
    high: int | None,
    not_int: Callable[[str], WireError],
    out_of_range: Callable[[int], WireError],
) -> int:
    """
    Read an optional integer query parameter within ``[low, high]``.

    Both modes read integers alike and differ only in the error answered,
    which the caller builds.

    Args:
        query: The query parameters.
        name: The parameter.
        default: The value when it is absent (not range-checked).
        low: The least value allowed.
        high: The greatest value allowed; ``None`` for no upper bound.
        not_int: Builds the error for a non-integer, given the raw text.
        out_of_range: Builds the error for an integer out of range.

    Raises:
        WireError: The error *not_int* or *out_of_range* built.
    """
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise not_int(raw) from None
    if value < low or (high is not None and value > high):
        raise out_of_range(value)
    return value


def page_newest_first(
    records: list[_T], matches: Iterable[_T] | None, limit: int, offset: int
) -> tuple[list[_T], int]:
    """
    Return one page of *records* (kept oldest first) newest first.

    Args:
        records: All records, oldest first.
        matches: The filtered records newest first, or ``None`` when no
            filter applies; then the page is sliced off the end of
            *records* in O(page).
        limit: Page size.
        offset: Records to skip.

    Returns:
        ``(page, total)``.
    """
    if matches is None:
        total = len(records)
        end = total - offset
        if end <= 0:
            return [], total
        page = records[max(0, end - limit) : end]
        page.reverse()
        return page, total
    page = []
    total = 0
    for record in matches:
        if offset <= total < offset + limit:
            page.append(record)
        total += 1
    return page, total
