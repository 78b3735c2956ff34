"""
The production transport: one lazily created ``aiohttp.ClientSession``.

The session is created on first use because aiohttp binds it to the
running loop (``ClientSession.__init__`` calls ``get_running_loop()``), and
a client is often constructed outside one.  Like aiohttp's own
``connector_owner`` rule, the transport closes only a session it created.

What the transport promises whatever the server does (API.md §1):
redirects are never followed (an order POST and its key must not travel
to another origin), a body stops being read at ``max_response_size``,
the time limits apply to a borrowed session too, and an error's chain
holds nothing that carries the request's headers: aiohttp's
``ClientResponseError`` keeps ``request_info.headers`` (the bearer key)
in its repr, so only its type and message travel on, in our message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import aiohttp

from ..exceptions import (
    ConfigurationError,
    ConnectError,
    FlireoError,
    RequestTimeoutError,
    ResponseTooLargeError,
    TransportError,
)
from ._timeout import Timeout
from ._transport import Request, Response


__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "AiohttpTransport"]

#: The default cap on one response body: 16 MiB.
DEFAULT_MAX_RESPONSE_SIZE = 16 * 2**20


class AiohttpTransport:
    """
    Send requests with aiohttp.

    Args:
        session: A session to borrow; it is never closed by the transport.
            ``None`` creates one on first use, owned and closed by
            `aclose()`.
        max_connections: Size of the connection pool of a created session.
        timeout: Per-attempt limits (seconds, or a
            [`Timeout`][flireo_async.Timeout]),
            applied to every request, on a borrowed session too.
        max_response_size: The most bytes of one body that are read;
            a longer body raises
            [`ResponseTooLargeError`][flireo_async.exceptions.ResponseTooLargeError].
        headers: Default headers of the session the transport creates.
            A request whose ``headers`` is this very mapping is sent with
            the session's defaults alone, sparing aiohttp a merge per
            request (the clients pass their constant headers here).

    Raises:
        ConfigurationError: ``max_connections`` or ``max_response_size``
            is below 1, or ``headers`` is given with a borrowed session
            (whose defaults are its owner's).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        max_connections: int = 100,
        timeout: float | Timeout | None = 30.0,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if max_connections < 1:
            msg = "max_connections must be at least 1"
            raise ConfigurationError(msg)
        if max_response_size < 1:
            msg = "max_response_size must be at least 1 byte"
            raise ConfigurationError(msg)
        if headers is not None and session is not None:
            msg = (
                "headers= sets the defaults of the transport's own session;"
                " a borrowed session keeps its owner's"
            )
            raise ConfigurationError(msg)
        self._session = session
        self._owns_session = session is None
        self._max_connections = max_connections
        t = Timeout.of(timeout)
        # aiohttp's default is 5 minutes total; ours is explicit, and is
        # passed with each request so a borrowed session obeys it too.
        self._timeout = aiohttp.ClientTimeout(
            total=t.total, sock_connect=t.connect, sock_read=t.read
        )
        self._max_size = max_response_size
        self._defaults = headers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        owner = "owned" if self._owns_session else "borrowed"
        return f"AiohttpTransport({owner} session)"

    def _session_for(
        self, loop: asyncio.AbstractEventLoop
    ) -> aiohttp.ClientSession:
        if self._closed:
            msg = "this transport is closed"
            raise ConfigurationError(msg)
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            # aiohttp would fail with a bare "Event loop is closed" and
            # strand the first loop's sockets.
            msg = (
                "this client belongs to the event loop of its first "
                "request (a second asyncio.run() is a new loop); create "
                "one client per loop"
            )
            raise ConfigurationError(msg)
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections),
                timeout=self._timeout,
                headers=self._defaults,
            )
        return self._session

    async def send(self, request: Request) -> Response:
        """
        Send *request* over the session.

        Args:
            request: The request to send.

        Returns:
            The answer, with its body read in full.

        Raises:
            ConfigurationError: The transport is closed, or used from
                another event loop than its first.
            ConnectError: The connection could not be made (nothing sent).
            RequestTimeoutError: The attempt ran out of time after the
                request may have been sent.
            ResponseTooLargeError: The body passed ``max_response_size``.
            TransportError: The connection broke; the server may have
                processed the request.
        """
        session = self._session
        loop = asyncio.get_running_loop()
        if session is None or loop is not self._loop or self._closed:
            session = self._session_for(loop)
        headers = request.headers
        try:
            async with session.request(
                request.method,
                request.url,
                headers=None if headers is self._defaults else headers,
                data=request.body or None,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                body = await self._read(resp, request)
                return Response(
                    status=resp.status, headers=resp.headers, body=body
                )
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            error = _translate(exc, request)
        # Raised outside the handler, so the aiohttp error is not kept as
        # __context__ either (see the module docstring).
        raise error

    async def _read(
        self, resp: aiohttp.ClientResponse, request: Request
    ) -> bytes:
        limit = self._max_size
        length = resp.content_length
        if (
            length is not None
            and length <= limit
            and "Content-Encoding" not in resp.headers
        ):
            # aiohttp stops at Content-Length and inflates nothing: bounded.
            return await resp.read()
        # Otherwise Content-Length is no bound (aiohttp inflates a gzip
        # body as it reads), so decoded bytes are counted as they arrive.
        if length is None or length <= limit:
            size = 0
            chunks: list[bytes] = []
            async for chunk in resp.content.iter_any():
                size += len(chunk)
                if size > limit:
                    break
                chunks.append(chunk)
            else:
                return b"".join(chunks)
        resp.close()
        msg = (
            f"{request.method} {request.url}: the response body passed "
            f"max_response_size ({limit} bytes); reading stopped"
        )
        raise ResponseTooLargeError(msg, limit=limit)

    async def aclose(self) -> None:
        """
        Close the session if this transport created it; idempotent.

        Works from any event loop: a session whose loop has already
        ended has its sockets closed directly instead.
        """
        self._closed = True
        if not self._owns_session or self._session is None:
            return
        session, self._session = self._session, None
        loop = self._loop
        if loop is None or loop is asyncio.get_running_loop():
            await session.close()
        elif loop.is_running():
            # The session's loop lives on in another thread: close there.
            asyncio.run_coroutine_threadsafe(session.close(), loop)
        elif loop.is_closed():
            _close_orphaned(session)


def _close_orphaned(session: aiohttp.ClientSession) -> None:
    # The session's loop has ended (a finished asyncio.run), so nothing
    # can be awaited on it: do by hand what the loop would have done for
    # each pooled connection, instead of leaking its socket.
    connector = session.connector
    if connector is None:
        return
    for protocols in getattr(connector, "_conns", {}).values():
        for proto, _ in protocols:
            transport = proto.transport
            if transport is None:
                continue
            with contextlib.suppress(RuntimeError):
                transport.abort()  # refuses to schedule on a closed loop
            lost = getattr(transport, "_call_connection_lost", None)
            if lost is not None:
                lost(None)
    connector._closed = True
    session._connector = None


def _translate(exc: BaseException, request: Request) -> FlireoError:
    """Map an aiohttp failure onto the transport errors of API.md §4."""
    where = f"{request.method} {request.url}"
    error: FlireoError
    cause: BaseException | None = exc
    # Order matters: the connect-phase errors are subclasses of the
    # broader ones below, and only they prove nothing was sent.
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        error = ConnectError(f"timed out connecting to {request.url}")
    elif isinstance(exc, aiohttp.ClientConnectorError):
        error = ConnectError(
            f"cannot connect to {request.url}: {exc.os_error}"
        )
        cause = exc.os_error
    elif isinstance(exc, TimeoutError):
        error = RequestTimeoutError(f"no answer in time from {where}")
    else:
        error = TransportError(
            f"connection failed during {where}: {type(exc).__name__}: {exc}"
        )
        if hasattr(exc, "request_info"):
            cause = None
    error.__cause__ = cause
    error.__suppress_context__ = True
    return error
