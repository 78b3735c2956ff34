"""
Wire helpers: JSON encoding, timestamps and the documented error bodies.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any, TypeVar


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


class ApiError(Exception):
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
