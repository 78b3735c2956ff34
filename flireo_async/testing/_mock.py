"""``MockTransport``: answer requests with a function."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from .._core._transport import Request, Response


__all__ = ["MockTransport"]

Handler = Callable[[Request], Response | Awaitable[Response]]


class MockTransport:
    """
    A transport whose answers come from *handler*.

    Args:
        handler: Called with each [`Request`][flireo_async.Request]; returns a
            [`Response`][flireo_async.Response] (or an awaitable of one), or
            raises a ``TransportError`` to simulate the network failing.

    Attributes:
        requests: Every request received, in order.

    Example:
        ```python
        def handler(request):
            return Response(status=200, body=b'{"data": []}')

        client = FlireoClient("key", transport=MockTransport(handler))
        ```
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.requests: list[Request] = []
        self.closed = False

    async def send(self, request: Request) -> Response:
        """Record *request* and return the handler's answer."""
        self.requests.append(request)
        result = self._handler(request)
        if inspect.isawaitable(result):
            return await result
        return result

    async def aclose(self) -> None:
        """Mark the transport closed."""
        self.closed = True
