"""The aiohttp transport and a client over it, against loopback servers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from flireo_async import (
    AiohttpTransport,
    ConfigurationError,
    ConnectError,
    FlireoClient,
    NotFoundError,
    Order,
    Request,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    Timeout,
    Transport,
    TransportError,
)


KEY = "fl_test_aiohttp_secret"
NO_RETRY = RetryPolicy(max_attempts=1)
SEEN = web.AppKey("seen", list[dict[str, str]])
BAD_GATEWAY = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


def _order(order_id: str) -> dict[str, Any]:
    return {
        "data": {
            "id": order_id,
            "phone_number": "+31851234567",
            "status": "success",
            "number_type": "national",
            "ordered_at": "2025-01-15T10:30:00Z",
        }
    }


async def _order_handler(request: web.Request) -> web.StreamResponse:
    request.app[SEEN].append(dict(request.headers))
    order_id = request.match_info["order_id"]
    if order_id == "bad-gateway":
        return web.Response(
            status=502, text=BAD_GATEWAY, content_type="text/html"
        )
    if order_id == "missing":
        return web.json_response(
            {"error": {"code": "not_found", "message": "No such order"}},
            status=404,
        )
    return web.json_response(_order(order_id))


@pytest.fixture
async def api() -> AsyncIterator[TestServer]:
    """A loopback server answering GET /api/v1/phone-number-orders/{id}."""
    app = web.Application()
    app[SEEN] = []
    app.router.add_get(
        "/api/v1/phone-number-orders/{order_id}", _order_handler
    )
    server = TestServer(app, host="127.0.0.1")
    async with server:
        yield server


def _base(server: TestServer) -> str:
    return str(server.make_url("/api"))


def _request(url: str) -> Request:
    return Request(
        method="GET", url=url, headers={"Authorization": f"Bearer {KEY}"}
    )


Handler = Callable[
    [asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]
]


@contextlib.asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A bare TCP server on 127.0.0.1; yields its http:// base URL."""
    handlers: set[asyncio.Task[Any]] = set()

    async def on_connect(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            await handler(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api"
    finally:
        server.close()
        await server.wait_closed()
        if handlers:
            await asyncio.wait(handlers, timeout=2)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- the transport ---------------------------------------------------------


def test_aiohttp_transport_is_a_transport() -> None:
    """The shipped transport satisfies the public Transport protocol."""
    assert isinstance(AiohttpTransport(), Transport)


async def test_transport_success(api: TestServer) -> None:
    """A 200 comes back with status, headers and the whole body."""
    transport = AiohttpTransport()
    try:
        response = await transport.send(
            _request(f"{_base(api)}/v1/phone-number-orders/o-1")
        )
    finally:
        await transport.aclose()
    assert 200 == response.status
    assert "application/json" in response.headers["content-type"]
    assert b'"id":"o-1"' in response.body.replace(b" ", b"")


async def test_transport_refused_connection_is_connect_error() -> None:
    """Nobody listening means ConnectError: the request was not sent."""
    url = f"http://127.0.0.1:{_free_port()}/api/v1/x"
    transport = AiohttpTransport()
    try:
        with pytest.raises(ConnectError):
            await transport.send(_request(url))
    finally:
        await transport.aclose()


@pytest.mark.parametrize(
    "timeout",
    [Timeout(total=0.2), Timeout(read=0.2, total=None), 0.2],
    ids=["total", "read", "float"],
)
async def test_transport_slow_server_is_request_timeout(
    timeout: Timeout | float,
) -> None:
    """A server that answers too late gives RequestTimeoutError."""
    release = asyncio.Event()

    async def stall(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await release.wait()

    async with raw_server(stall) as base:
        transport = AiohttpTransport(timeout=timeout)
        try:
            with pytest.raises(RequestTimeoutError) as info:
                await transport.send(_request(f"{base}/v1/x"))
        finally:
            release.set()
            await transport.aclose()
    assert not isinstance(info.value, ConnectError)


async def test_transport_dropped_connection_is_not_a_connect_error() -> None:
    """A connection closed after the request left may have been processed."""

    async def drop(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")

    async with raw_server(drop) as base:
        transport = AiohttpTransport()
        try:
            with pytest.raises(TransportError) as info:
                await transport.send(_request(f"{base}/v1/x"))
        finally:
            await transport.aclose()
    assert not isinstance(info.value, ConnectError)
    assert not isinstance(info.value, RequestTimeoutError)


async def test_transport_never_leaks_the_key_in_errors() -> None:
    """Transport errors name the URL but never the Authorization value."""
    url = f"http://127.0.0.1:{_free_port()}/api/v1/x"
    transport = AiohttpTransport()
    try:
        with pytest.raises(ConnectError) as info:
            await transport.send(_request(url))
    finally:
        await transport.aclose()
    assert KEY not in str(info.value)
    assert url in str(info.value)


def test_transport_rejects_an_empty_pool() -> None:
    """max_connections must allow at least one connection."""
    with pytest.raises(ConfigurationError):
        AiohttpTransport(max_connections=0)


async def test_owned_session_is_closed_by_aclose(api: TestServer) -> None:
    """A session the transport created is closed by its aclose()."""
    transport = AiohttpTransport()
    await transport.send(_request(f"{_base(api)}/v1/phone-number-orders/o"))
    session = transport._session  # the lazily created, owned session
    assert session is not None
    assert not session.closed
    await transport.aclose()
    assert session.closed


async def test_closed_transport_refuses_to_send(api: TestServer) -> None:
    """A closed transport does not quietly open a new session."""
    transport = AiohttpTransport()
    await transport.aclose()
    with pytest.raises(ConfigurationError):
        await transport.send(_request(f"{_base(api)}/v1/x"))


async def test_transport_aclose_is_idempotent(api: TestServer) -> None:
    """Closing a transport twice is harmless."""
    transport = AiohttpTransport()
    await transport.send(_request(f"{_base(api)}/v1/phone-number-orders/o"))
    await transport.aclose()
    await transport.aclose()


async def test_borrowed_session_is_not_closed_by_the_transport(
    api: TestServer,
) -> None:
    """A session passed in stays open; its owner closes it."""
    async with aiohttp.ClientSession() as session:
        transport = AiohttpTransport(session)
        response = await transport.send(
            _request(f"{_base(api)}/v1/phone-number-orders/o-1")
        )
        await transport.aclose()
        assert 200 == response.status
        assert not session.closed
    assert session.closed


# -- a FlireoClient over it ------------------------------------------------


async def test_client_success(api: TestServer) -> None:
    """The client reads an order through the real transport."""
    async with FlireoClient(KEY, base_url=_base(api)) as client:
        order = await client.orders.get("o-1")
    assert isinstance(order, Order)
    assert "o-1" == order.id
    headers = api.app[SEEN][0]
    assert f"Bearer {KEY}" == headers["Authorization"]
    assert headers["User-Agent"].startswith("flireo-async/")


async def test_client_html_502_is_server_error(api: TestServer) -> None:
    """A proxy's HTML 502 page raises ServerError, not a decode error."""
    async with FlireoClient(
        KEY, base_url=_base(api), retry=NO_RETRY
    ) as client:
        with pytest.raises(ServerError) as info:
            await client.orders.get("bad-gateway")
    assert 502 == info.value.status
    assert 1 == len(api.app[SEEN])


async def test_client_retries_a_502_get(api: TestServer) -> None:
    """A GET answered 502 is sent again before the error is raised."""
    policy = RetryPolicy(max_attempts=2, initial_delay=0.001)
    async with FlireoClient(KEY, base_url=_base(api), retry=policy) as client:
        with pytest.raises(ServerError):
            await client.orders.get("bad-gateway")
    assert 2 == len(api.app[SEEN])


async def test_client_timeout_is_request_timeout_error() -> None:
    """timeout=0.2 on the client bounds each attempt."""
    release = asyncio.Event()

    async def stall(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await release.wait()

    async with raw_server(stall) as base:
        try:
            async with FlireoClient(
                KEY, base_url=base, timeout=0.2, retry=NO_RETRY
            ) as client:
                with pytest.raises(RequestTimeoutError):
                    await client.orders.get("o-1")
        finally:
            release.set()


async def test_client_refused_connection_is_connect_error() -> None:
    """An unreachable API raises ConnectError after the retries."""
    base = f"http://127.0.0.1:{_free_port()}/api"
    policy = RetryPolicy(max_attempts=2, initial_delay=0.001)
    async with FlireoClient(KEY, base_url=base, retry=policy) as client:
        with pytest.raises(ConnectError):
            await client.orders.get("o-1")


async def test_client_dropped_connection_is_transport_error() -> None:
    """A dropped connection surfaces as TransportError, not ConnectError."""

    async def drop(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")

    async with (
        raw_server(drop) as base,
        FlireoClient(KEY, base_url=base, retry=NO_RETRY) as client,
    ):
        with pytest.raises(TransportError) as info:
            await client.orders.get("o-1")
    assert not isinstance(info.value, ConnectError)


async def test_client_does_not_close_a_borrowed_session(
    api: TestServer,
) -> None:
    """session= is borrowed: the client leaves it open."""
    async with aiohttp.ClientSession() as session:
        async with FlireoClient(
            KEY, base_url=_base(api), session=session
        ) as client:
            await client.orders.get("o-1")
        assert client.closed
        assert not session.closed
        # Still usable by its owner after the client is gone.
        async with session.get(
            api.make_url("/api/v1/phone-number-orders/o-2")
        ) as resp:
            assert 200 == resp.status
    assert session.closed


async def test_client_does_not_close_a_borrowed_transport(
    api: TestServer,
) -> None:
    """transport= is borrowed: the client leaves it open."""
    transport = AiohttpTransport()
    try:
        async with FlireoClient(
            KEY, base_url=_base(api), transport=transport
        ) as client:
            await client.orders.get("o-1")
        async with FlireoClient(
            KEY, base_url=_base(api), transport=transport
        ) as client:
            order = await client.orders.get("o-2")
        assert "o-2" == order.id
    finally:
        await transport.aclose()


async def test_client_aclose_is_idempotent(api: TestServer) -> None:
    """aclose() may be called any number of times."""
    client = FlireoClient(KEY, base_url=_base(api))
    await client.orders.get("o-1")
    await client.aclose()
    await client.aclose()
    assert client.closed


async def test_closed_client_raises_configuration_error(
    api: TestServer,
) -> None:
    """Using a closed client is a clear error, not a silent new session."""
    async with FlireoClient(KEY, base_url=_base(api)) as client:
        await client.orders.get("o-1")
    with pytest.raises(ConfigurationError):
        await client.orders.get("o-1")
    with pytest.raises(ConfigurationError):
        async with client:
            pass  # pragma: no cover
    assert 1 == len(api.app[SEEN])


async def test_api_error_propagates_and_client_still_closes(
    api: TestServer,
) -> None:
    """An error inside `async with` still closes the client."""
    client = FlireoClient(KEY, base_url=_base(api))
    with pytest.raises(NotFoundError):
        async with client:
            await client.orders.get("missing")
    assert client.closed


def test_client_repr_shows_base_url_not_key() -> None:
    """repr() helps debugging without leaking the key."""
    client = FlireoClient(KEY, base_url="http://127.0.0.1:1/api")
    assert "FlireoClient(base_url='http://127.0.0.1:1/api')" == repr(client)
    for text in (repr(client), str(client), repr(client.orders)):
        assert KEY not in text
        assert "127.0.0.1:1/api" in text


def test_request_repr_never_shows_the_key() -> None:
    """A Request printed in a traceback hides the Authorization value."""
    request = _request("http://127.0.0.1:1/api/v1/x")
    assert KEY not in repr(request)
    assert "<redacted>" in repr(request)


def test_client_is_built_lazily_outside_a_loop() -> None:
    """A client built in plain sync code works later inside a loop."""
    port = _free_port()
    client = FlireoClient(KEY, base_url=f"http://127.0.0.1:{port}/api")

    async def use() -> str:
        app = web.Application()
        app[SEEN] = []
        app.router.add_get(
            "/api/v1/phone-number-orders/{order_id}", _order_handler
        )
        async with (
            TestServer(app, host="127.0.0.1", port=port),
            client,
        ):
            order = await client.orders.get("o-1")
        return order.id

    assert "o-1" == asyncio.run(use())
    assert client.closed


def test_constructing_a_client_outside_a_loop_does_not_warn() -> None:
    """Building and dropping an unused client leaves nothing unclosed."""
    script = textwrap.dedent(
        """
        import gc
        import flireo_async

        client = flireo_async.FlireoClient(
            "fl_test_key", base_url="http://127.0.0.1:1/api"
        )
        assert "127.0.0.1" in repr(client)
        del client
        gc.collect()
        print("built")
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "" == result.stderr
    assert "built\n" == result.stdout
    assert 0 == result.returncode


def test_no_unclosed_resource_warnings_on_exit() -> None:
    """A script using `async with FlireoClient` exits without warnings."""
    script = textwrap.dedent(
        """
        import asyncio
        import flireo_async
        from aiohttp import web

        async def handle_order(request):
            order_id = request.match_info["order_id"]
            if order_id == "missing":
                return web.json_response(
                    {"error": {"code": "not_found", "message": "nope"}},
                    status=404,
                )
            return web.json_response({"data": {
                "id": order_id,
                "phone_number": "+31851234567",
                "status": "success",
            }})

        async def main():
            app = web.Application()
            app.router.add_get(
                "/api/v1/phone-number-orders/{order_id}", handle_order
            )
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            base = f"http://127.0.0.1:{port}/api"
            try:
                async with flireo_async.FlireoClient(
                    "fl_test_key", base_url=base
                ) as client:
                    order = await client.orders.get("o-1")
                    assert order.id == "o-1"
                try:
                    async with flireo_async.FlireoClient(
                        "fl_test_key", base_url=base
                    ) as client:
                        await client.orders.get("missing")
                except flireo_async.NotFoundError:
                    pass
            finally:
                await runner.cleanup()
            print("done")

        asyncio.run(main())
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "ResourceWarning" not in result.stderr
    assert "Unclosed" not in result.stderr
    assert "" == result.stderr
    assert "done\n" == result.stdout
    assert 0 == result.returncode


async def test_owned_session_sends_the_constant_headers_once(
    api: TestServer,
) -> None:
    """The client's own session carries its headers as defaults: each
    request has exactly one Authorization and User-Agent."""
    async with FlireoClient(KEY, base_url=_base(api)) as client:
        await client.orders.get("ord_1")
        await client.orders.get("ord_2")

    for headers in api.app[SEEN]:
        assert headers["Authorization"] == f"Bearer {KEY}"
        assert headers["User-Agent"].startswith("flireo-async/")
    assert len(api.app[SEEN]) == 2


async def test_borrowed_session_gets_the_headers_per_request(
    api: TestServer,
) -> None:
    """A borrowed session has no defaults of ours: the key still goes
    with every request, and the session is left as it was."""
    async with aiohttp.ClientSession() as session:
        client = FlireoClient(KEY, base_url=_base(api), session=session)
        await client.orders.get("ord_1")
        await client.aclose()
        assert "Authorization" not in session.headers

    assert api.app[SEEN][0]["Authorization"] == f"Bearer {KEY}"


def test_transport_refuses_headers_for_a_borrowed_session() -> None:
    """Default headers belong to the session's owner: giving them with a
    borrowed session is refused rather than silently dropped."""

    async def check() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(ConfigurationError, match="borrowed"):
                AiohttpTransport(session, headers={"X-A": "1"})

    asyncio.run(check())


async def test_transport_sends_its_default_headers(api: TestServer) -> None:
    """A request carrying exactly the transport's defaults is sent with
    them; one with other headers is sent with those too."""
    defaults = {"Authorization": f"Bearer {KEY}", "X-Client": "one"}
    transport = AiohttpTransport(headers=defaults)
    url = str(api.make_url("/api/v1/phone-number-orders/ord_1"))
    try:
        await transport.send(Request(method="GET", url=url, headers=defaults))
        await transport.send(
            Request(method="GET", url=url, headers={**defaults, "X-B": "2"})
        )
    finally:
        await transport.aclose()

    first, second = api.app[SEEN]
    assert (first["X-Client"], "X-B" in first) == ("one", False)
    assert (second["X-Client"], second["X-B"]) == ("one", "2")
