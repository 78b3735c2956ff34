"""
``RecordedTransport``: replay (and record) JSON cassettes of exchanges.

Strategy: a request is reduced to a key — method, the path from the API
version segment on (so a cassette recorded against the sandbox replays
against any base URL), the query as sorted pairs, and the JSON body
re-encoded with sorted keys — and each key owns a queue of answers in
recorded order.  Lookup and pop happen without an ``await`` in between,
so concurrent tasks never take the same answer twice.  A request with no
recorded answer fails the test loudly with ``CassetteMismatchError`` (an
``AssertionError``, so the client's own error handling cannot swallow
it) naming the closest recorded request.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import attrs
import orjson

from .._core._transport import Request, Response, Transport
from ..exceptions import (
    ConnectError,
    RequestTimeoutError,
    TransportError,
)


__all__ = ["CassetteMismatchError", "RecordedTransport"]

_REDACTED = "<redacted>"
_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie"})
_VERSION_ROOT = re.compile(r"/v\d+(/|$)")
# Simulated failures a cassette may hold instead of a response.
_ERRORS: dict[str, type[TransportError]] = {
    "connect": ConnectError,
    "timeout": RequestTimeoutError,
    "disconnect": TransportError,
}


class CassetteMismatchError(AssertionError):
    """A request the cassette has no (more) answers for."""


@attrs.frozen
class _Key:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: str

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query)
        text = f"{self.method} {self.path}{'?' + query if query else ''}"
        return f"{text} {self.body}" if self.body else text


def _canonical_path(path: str) -> str:
    match = _VERSION_ROOT.search(path)
    return path[match.start() :] if match else path


def _canonical_body(body: bytes) -> str:
    if not body:
        return ""
    try:
        return orjson.dumps(
            orjson.loads(body), option=orjson.OPT_SORT_KEYS
        ).decode()
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace")


def _key_of(request: Request) -> _Key:
    parts = urlsplit(request.url)
    return _Key(
        method=request.method.upper(),
        path=_canonical_path(parts.path),
        query=tuple(sorted(parse_qsl(parts.query, keep_blank_values=True))),
        body=_canonical_body(request.body),
    )


def _key_of_recorded(entry: dict[str, Any]) -> _Key:
    req = entry["request"]
    query = req.get("query") or {}
    pairs = sorted(
        (k, str(v))
        for k, values in query.items()
        for v in (values if isinstance(values, list) else [values])
    )
    body = req.get("json")
    return _Key(
        method=req["method"].upper(),
        path=_canonical_path(req["path"]),
        query=tuple(pairs),
        body=""
        if body is None
        else orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode(),
    )


def _response_of(entry: dict[str, Any]) -> Response:
    if "error" in entry:
        kind = entry["error"]
        raise _ERRORS[kind](f"recorded {kind} failure")
    resp = entry["response"]
    if "json" in resp:
        body = orjson.dumps(resp["json"])
    else:
        body = resp.get("body", "").encode()
    return Response(
        status=resp["status"], headers=resp.get("headers", {}), body=body
    )


class RecordedTransport:
    """
    Replay recorded exchanges from a JSON cassette, or record new ones.

    Args:
        cassette: Path of the JSON cassette.
        mode: ``"replay"`` (default) answers from the cassette;
            ``"record"`` forwards to *inner* and writes every exchange to
            the cassette on `aclose()` (or `save()`).
        inner: The real transport to record through (record mode only).

    The cassette is ``{"interactions": [{"request": {...}, "response":
    {...}}]}``; a request has ``method``, ``path``, ``query`` (name → list
    of values) and ``json``; a response has ``status``, ``headers`` and
    ``json`` (or a text ``body``).  An interaction may hold ``"error":
    "connect" | "timeout" | "disconnect"`` instead of a response to replay
    a network failure.  Secrets never reach the file: the
    ``Authorization`` header is dropped and the bearer token is redacted
    wherever else it appears.

    Example:
        ```python
        transport = RecordedTransport("tests/recordings/orders_get.json")
        async with FlireoClient("test", transport=transport) as client:
            order = await client.orders.get("660e8400-...")
        transport.assert_all_played()
        ```
    """

    def __init__(
        self,
        cassette: str | Path,
        *,
        mode: Literal["replay", "record"] = "replay",
        inner: Transport | None = None,
    ) -> None:
        self.path = Path(cassette)
        self.mode = mode
        if mode == "record":
            if inner is None:
                msg = "record mode needs the inner transport to record"
                raise ValueError(msg)
            self._inner = inner
            self._recorded: list[dict[str, Any]] = []
            self._secrets: set[str] = set()
            return
        if mode != "replay":
            msg = f"mode must be 'replay' or 'record', got {mode!r}"
            raise ValueError(msg)
        data = orjson.loads(self.path.read_bytes())
        self._entries: list[dict[str, Any]] = data["interactions"]
        self._queues: dict[_Key, deque[int]] = {}
        for index, entry in enumerate(self._entries):
            key = _key_of_recorded(entry)
            self._queues.setdefault(key, deque()).append(index)
        self._played: set[int] = set()

    def __repr__(self) -> str:
        return f"RecordedTransport({str(self.path)!r}, mode={self.mode!r})"

    async def send(self, request: Request) -> Response:
        """
        Answer *request* from the cassette (or record it).

        Raises:
            CassetteMismatchError: No recorded answer is left for it.
            TransportError: The recorded interaction is a failure.
        """
        if self.mode == "record":
            return await self._record(request)
        key = _key_of(request)
        queue = self._queues.get(key)
        if not queue:
            raise CassetteMismatchError(self._mismatch(key))
        index = queue.popleft()
        self._played.add(index)
        return _response_of(self._entries[index])

    def _mismatch(self, key: _Key) -> str:
        wanted = key.describe()
        if key in self._queues:
            return (
                f"{wanted}: every recorded answer for this request was "
                f"already played ({self.path})"
            )
        candidates = [k.describe() for k in self._queues]
        if not candidates:
            return f"{wanted}: the cassette {self.path} is empty"
        closest = max(
            candidates,
            key=lambda c: difflib.SequenceMatcher(None, wanted, c).ratio(),
        )
        return (
            f"no recorded answer for {wanted} in {self.path}; the closest "
            f"recorded request is {closest}"
        )

    def assert_all_played(self) -> None:
        """
        Check every recorded interaction was used.

        Raises:
            AssertionError: Some were not; they are listed.
        """
        if self.mode == "record":
            return
        unplayed = [
            _key_of_recorded(e).describe()
            for i, e in enumerate(self._entries)
            if i not in self._played
        ]
        if unplayed:
            listing = "\n  ".join(unplayed)
            msg = (
                f"{len(unplayed)} recorded request(s) never made:\n  {listing}"
            )
            raise AssertionError(msg)

    async def _record(self, request: Request) -> Response:
        auth = request.headers.get("Authorization") or request.headers.get(
            "authorization"
        )
        if auth and " " in auth:
            self._secrets.add(auth.split(" ", 1)[1])
        parts = urlsplit(request.url)
        query: dict[str, list[str]] = {}
        for k, v in parse_qsl(parts.query, keep_blank_values=True):
            query.setdefault(k, []).append(v)
        entry: dict[str, Any] = {
            "request": {
                "method": request.method,
                "path": parts.path,
                "query": query,
                "json": orjson.loads(request.body) if request.body else None,
            }
        }
        try:
            response = await self._inner.send(request)
        except TransportError as exc:
            entry["error"] = next(
                name for name, cls in _ERRORS.items() if isinstance(exc, cls)
            )
            self._recorded.append(entry)
            raise
        try:
            payload: dict[str, Any] = {"json": orjson.loads(response.body)}
        except orjson.JSONDecodeError:
            payload = {"body": response.body.decode("utf-8", "replace")}
        entry["response"] = {
            "status": response.status,
            "headers": {
                k.lower(): v
                for k, v in response.headers.items()
                if k.lower() not in _SECRET_HEADERS
            },
            **payload,
        }
        self._recorded.append(entry)
        return response

    def save(self) -> None:
        """Write what was recorded to the cassette (record mode)."""
        if self.mode != "record":
            return
        text = orjson.dumps(
            {"interactions": self._recorded}, option=orjson.OPT_INDENT_2
        ).decode()
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(text + "\n")

    async def aclose(self) -> None:
        """Save the cassette (record mode) and close the inner transport."""
        if self.mode == "record":
            self.save()
            await self._inner.aclose()
