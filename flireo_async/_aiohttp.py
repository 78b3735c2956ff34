"""
The production transport: one lazily created ``aiohttp.ClientSession``.

The session is created on first use because aiohttp binds it to the
running loop (``ClientSession.__init__`` calls ``get_running_loop()``), and
a client is often constructed outside one.  Like aiohttp's own
``connector_owner`` rule, the transport closes only a session it created.
"""

from __future__ import annotations

import aiohttp

from ._timeout import Timeout
from ._transport import Request, Response
from .exceptions import (
    ConfigurationError,
    ConnectError,
    RequestTimeoutError,
    TransportError,
)


__all__ = ["AiohttpTransport"]


class AiohttpTransport:
    """
    Send requests with aiohttp.

    Args:
        session: A session to borrow; it is never closed by the transport.
            ``None`` creates one on first use, owned and closed by
            :meth:`aclose`.
        max_connections: Size of the connection pool of a created session.
        timeout: Per-attempt limits (seconds, or a :class:`Timeout`) for a
            created session; a borrowed session keeps its own.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        max_connections: int = 100,
        timeout: float | Timeout | None = 30.0,
    ) -> None:
        if max_connections < 1:
            msg = "max_connections must be at least 1"
            raise ConfigurationError(msg)
        self._session = session
        self._owns_session = session is None
        self._max_connections = max_connections
        self._timeout = Timeout.of(timeout)
        self._closed = False

    def __repr__(self) -> str:
        owner = "owned" if self._owns_session else "borrowed"
        return f"AiohttpTransport({owner} session)"

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            msg = "this transport is closed"
            raise ConfigurationError(msg)
        t = self._timeout
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._max_connections),
            # aiohttp's default is 5 minutes total; ours is explicit.
            timeout=aiohttp.ClientTimeout(
                total=t.total, sock_connect=t.connect, sock_read=t.read
            ),
        )
        return self._session

    async def send(self, request: Request) -> Response:
        """
        Send *request* over the session.

        Returns:
            The answer, with its body read in full.

        Raises:
            ConnectError: The connection could not be made (nothing sent).
            RequestTimeoutError: The attempt ran out of time after the
                request may have been sent.
            TransportError: The connection broke; the server may have
                processed the request.
        """
        session = self._session or self._open()
        try:
            async with session.request(
                request.method,
                request.url,
                headers=request.headers,
                data=request.body or None,
            ) as resp:
                body = await resp.read()
                return Response(
                    status=resp.status, headers=resp.headers, body=body
                )
        # Order matters: the connect-phase errors are subclasses of the
        # broader ones below, and only they prove nothing was sent.
        except aiohttp.ConnectionTimeoutError as exc:
            msg = f"timed out connecting to {request.url}"
            raise ConnectError(msg) from exc
        except aiohttp.ClientConnectorError as exc:
            msg = f"cannot connect to {request.url}: {exc.os_error}"
            raise ConnectError(msg) from exc
        except TimeoutError as exc:
            msg = f"no answer in time from {request.method} {request.url}"
            raise RequestTimeoutError(msg) from exc
        except aiohttp.ClientError as exc:
            msg = (
                f"connection failed during {request.method} {request.url}: "
                f"{type(exc).__name__}: {exc}"
            )
            raise TransportError(msg) from exc

    async def aclose(self) -> None:
        """Close the session if this transport created it; idempotent."""
        self._closed = True
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()
