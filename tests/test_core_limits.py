"""
The core's promises against a careless or hostile server (API.md §1, §5):
no redirects, a bounded body, timeouts on borrowed sessions, one loop per
client, finite key-free exception chains, a 2xx order never reported as
not placed, and reconciliation that always ends.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import flireo_async as flireo
from flireo_async.testing import MockTransport


KEY = "fl_live_core_limits_secret_key"
NUMBER = "+31851234567"
NO_RETRY = flireo.RetryPolicy(max_attempts=1)
HITS = web.AppKey("hits", list[str])
FAST = flireo.RetryPolicy(
    max_attempts=3, initial_delay=0.001, max_delay=0.002, deadline=5
)


def _json(status: int, payload: Any) -> flireo.Response:
    return flireo.Response(
        status=status,
        headers={"content-type": "application/json"},
        body=json.dumps(payload).encode(),
    )


def _stamp(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat().replace("+00:00", "Z")


def _order(order_id: str, number: str, ordered_at: str) -> dict[str, Any]:
    return {
        "id": order_id,
        "phone_number": number,
        "status": "pending",
        "number_type": "national",
        "requirements_met": True,
        "ordered_at": ordered_at,
        "verification_group": None,
    }


def _query(request: flireo.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}


def _chain(error: BaseException) -> list[BaseException]:
    """Every exception reachable by __cause__/__context__; fails on a
    cycle instead of hanging."""
    seen: list[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        assert all(current is not s for s in seen), "the chain is a cycle"
        seen.append(current)
        assert len(seen) < 20, "the chain is implausibly long"
        todo.extend(
            link
            for link in (current.__cause__, current.__context__)
            if link is not None and all(link is not s for s in seen)
        )
    return seen


def _assert_key_free(error: BaseException) -> None:
    for link in _chain(error):
        assert not hasattr(link, "request_info"), type(link)
        assert KEY not in repr(link)
        assert KEY not in str(link)
        for value in vars(link).values() if hasattr(link, "__dict__") else ():
            assert KEY not in repr(value)


# -- loopback servers -------------------------------------------------------


@pytest.fixture
async def target() -> AsyncIterator[TestServer]:
    """The origin a redirect points at; it records what reaches it."""
    app = web.Application()
    hits: list[str] = []

    async def record(request: web.Request) -> web.Response:
        hits.append(f"{request.method} {request.path}")
        return web.json_response({"data": {}})

    app.router.add_route("*", "/{tail:.*}", record)
    app[HITS] = hits
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def _serve(app: web.Application) -> TestServer:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_an_order_post_is_never_redirected(
    target: TestServer, status: int
) -> None:
    elsewhere = str(target.make_url("/api/v1/phone-numbers"))
    app = web.Application()
    posts: list[str] = []

    async def redirect(request: web.Request) -> web.Response:
        posts.append(request.headers.get("Idempotency-Key", ""))
        return web.Response(status=status, headers={"Location": elsewhere})

    app.router.add_post("/api/v1/phone-numbers", redirect)
    server = await _serve(app)
    try:
        async with flireo.FlireoClient(
            KEY, base_url=str(server.make_url("/api")), retry=FAST
        ) as client:
            with pytest.raises(flireo.APIError) as caught:
                await client.phone_numbers.order(NUMBER)
    finally:
        await server.close()
    assert caught.value.status == status
    # A 3xx is "not processed": sent once, not reconciled, not re-sent,
    # and neither the body nor the key reached the other origin.
    assert len(posts) == 1
    assert target.app[HITS] == []
    _assert_key_free(caught.value)


async def test_a_get_is_not_redirected_either(target: TestServer) -> None:
    elsewhere = str(target.make_url("/api/v1/phone-number-orders/x"))
    app = web.Application()

    async def moved(request: web.Request) -> web.Response:
        return web.Response(status=301, headers={"Location": elsewhere})

    app.router.add_get("/api/v1/phone-number-orders/{id}", moved)
    server = await _serve(app)
    try:
        async with flireo.FlireoClient(
            KEY, base_url=str(server.make_url("/api")), retry=NO_RETRY
        ) as client:
            with pytest.raises(flireo.APIError) as caught:
                await client.orders.get("abc")
    finally:
        await server.close()
    assert caught.value.status == 301
    assert target.app[HITS] == []


# -- bounded bodies ---------------------------------------------------------


def _streaming_app(chunks: int, size: int) -> web.Application:
    """Streams chunks*size bytes without a Content-Length."""

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "application/json"}
        )
        await response.prepare(request)
        block = b"7" * size
        try:
            for _ in range(chunks):
                await response.write(block)
        except (ConnectionResetError, aiohttp.ClientConnectionResetError):
            return response
        return response

    app = web.Application()
    app.router.add_get("/api/v1/phone-number-orders/{id}", endless)
    return app


@pytest.mark.parametrize("borrowed", [False, True])
async def test_a_streamed_body_stops_at_max_response_size(
    borrowed: bool,
) -> None:
    # 64 MiB offered, 1 MiB allowed.
    server = await _serve(_streaming_app(chunks=1024, size=2**16))
    session = aiohttp.ClientSession() if borrowed else None
    try:
        async with flireo.FlireoClient(
            KEY,
            base_url=str(server.make_url("/api")),
            retry=NO_RETRY,
            session=session,
            max_response_size=2**20,
        ) as client:
            with pytest.raises(flireo.ResponseTooLargeError) as caught:
                await client.orders.get("abc")
    finally:
        if session is not None:
            await session.close()
        await server.close()
    assert caught.value.limit == 2**20
    assert isinstance(caught.value, flireo.TransportError)


async def test_a_declared_oversized_body_is_refused_before_reading() -> None:
    async def huge(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * (2**20 + 1))

    app = web.Application()
    app.router.add_get("/api/v1/phone-number-orders/{id}", huge)
    server = await _serve(app)
    try:
        async with flireo.FlireoClient(
            KEY,
            base_url=str(server.make_url("/api")),
            retry=NO_RETRY,
            max_response_size=2**20,
        ) as client:
            with pytest.raises(flireo.ResponseTooLargeError):
                await client.orders.get("abc")
    finally:
        await server.close()


async def test_a_gzip_bomb_is_counted_inflated() -> None:
    bomb = gzip.compress(b"0" * (8 * 2**20))  # ~8 KiB on the wire

    async def inflating(request: web.Request) -> web.Response:
        return web.Response(
            body=bomb,
            headers={
                "Content-Encoding": "gzip",
                "Content-Type": "application/json",
            },
        )

    app = web.Application()
    app.router.add_get("/api/v1/phone-number-orders/{id}", inflating)
    server = await _serve(app)
    try:
        async with flireo.FlireoClient(
            KEY,
            base_url=str(server.make_url("/api")),
            retry=NO_RETRY,
            max_response_size=2**20,
        ) as client:
            with pytest.raises(flireo.ResponseTooLargeError):
                await client.orders.get("abc")
    finally:
        await server.close()


async def test_a_custom_transport_is_held_to_the_size_limit() -> None:
    transport = MockTransport(
        lambda request: flireo.Response(status=200, body=b" " * 2049)
    )
    async with flireo.FlireoClient(
        KEY,
        base_url="https://api.example.test",
        transport=transport,
        retry=NO_RETRY,
        max_response_size=2048,
    ) as client:
        with pytest.raises(flireo.ResponseTooLargeError):
            await client.orders.get("abc")


# -- timeouts and configuration -----------------------------------------------


async def test_the_timeout_applies_to_a_borrowed_session() -> None:
    release = asyncio.Event()

    async def stalled(request: web.Request) -> web.Response:
        await asyncio.wait_for(release.wait(), timeout=10)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/api/v1/phone-number-orders/{id}", stalled)
    server = await _serve(app)
    loop = asyncio.get_running_loop()
    try:
        async with aiohttp.ClientSession() as session:
            client = flireo.FlireoClient(
                KEY,
                base_url=str(server.make_url("/api")),
                session=session,
                timeout=0.3,
                retry=NO_RETRY,
            )
            started = loop.time()
            with pytest.raises(flireo.RequestTimeoutError):
                await client.orders.get("abc")
            assert loop.time() - started < 2.0
            await client.aclose()
    finally:
        release.set()
        await server.close()


@pytest.mark.parametrize("given", ["session", "transport"])
async def test_max_connections_with_a_borrowed_pool_is_refused(
    given: str,
) -> None:
    options: dict[str, Any] = {}
    session = None
    if given == "session":
        session = options["session"] = aiohttp.ClientSession()
    else:
        options["transport"] = MockTransport(lambda r: _json(200, {}))
    try:
        with pytest.raises(flireo.ConfigurationError, match="max_connect"):
            flireo.FlireoClient(KEY, max_connections=10, **options)
        # Without it the same client is fine.
        flireo.FlireoClient(KEY, **options)
    finally:
        if session is not None:
            await session.close()


def test_max_response_size_must_be_positive() -> None:
    with pytest.raises(flireo.ConfigurationError):
        flireo.AiohttpTransport(max_response_size=0)


# -- one loop per client ------------------------------------------------------


@pytest.fixture
def threaded_api() -> Iterator[str]:
    """A loopback API served from its own thread and loop."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def order(request: web.Request) -> web.Response:
        return web.json_response(
            {"data": _order(request.match_info["id"], NUMBER, _stamp())}
        )

    async def start() -> None:
        app = web.Application()
        app.router.add_get("/api/v1/phone-number-orders/{id}", order)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        box["server"] = server
        box["url"] = str(server.make_url("/api"))
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    assert ready.wait(10)
    yield box["url"]
    asyncio.run_coroutine_threadsafe(box["server"].close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def test_a_client_used_from_a_second_loop_says_so(threaded_api: str) -> None:
    client = flireo.FlireoClient(KEY, base_url=threaded_api, retry=NO_RETRY)

    async def get() -> flireo.Order:
        return await client.orders.get("first")

    assert asyncio.run(get()).id == "first"
    with pytest.raises(flireo.ConfigurationError, match="event loop"):
        asyncio.run(get())
    # Closing from yet another loop closes the first loop's socket: no
    # "Unclosed" warning or ResourceWarning (warnings are errors here).
    asyncio.run(client.aclose())
    assert client.closed


# -- exception chains ---------------------------------------------------------


async def _garbage_server() -> tuple[asyncio.AbstractServer, str]:
    async def garbage(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 abc not-a-status\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/api"


async def test_a_retried_failure_has_a_finite_key_free_chain() -> None:
    server, url = await _garbage_server()
    try:
        async with flireo.FlireoClient(KEY, base_url=url, retry=FAST) as c:
            with pytest.raises(flireo.TransportError) as caught:
                await c.orders.get("abc")
    finally:
        server.close()
        await server.wait_closed()
    # The message keeps the underlying error's type for the reader.
    assert "ClientResponseError" in str(caught.value)
    _assert_key_free(caught.value)


async def test_a_retried_api_error_chain_is_not_a_cycle() -> None:
    transport = MockTransport(
        lambda r: _json(503, {"error": {"code": "x", "message": "busy"}})
    )
    async with flireo.FlireoClient(
        KEY,
        base_url="https://api.example.test",
        transport=transport,
        retry=FAST,
    ) as client:
        with pytest.raises(flireo.ServerError) as caught:
            await client.orders.get("abc")
    assert len(transport.requests) == 3
    chain = _chain(caught.value)
    assert [type(e) for e in chain] == [flireo.ServerError]
    _assert_key_free(caught.value)


async def test_a_connect_error_keeps_the_os_error() -> None:
    sock_server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = sock_server.sockets[0].getsockname()[1]
    sock_server.close()
    await sock_server.wait_closed()
    async with flireo.FlireoClient(
        KEY, base_url=f"http://127.0.0.1:{port}", retry=NO_RETRY
    ) as client:
        with pytest.raises(flireo.ConnectError) as caught:
            await client.orders.get("abc")
    assert isinstance(caught.value.__cause__, OSError)
    _assert_key_free(caught.value)


# -- a 2xx order is placed ----------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"not json", b'{"data": {"order_id": 5}}', b"[]", b"{}"]
)
async def test_an_undecodable_2xx_order_is_reconciled(body: bytes) -> None:
    order_id = str(uuid.uuid4())

    def handler(request: flireo.Request) -> flireo.Response:
        if request.method == "POST":
            return flireo.Response(status=201, body=body)
        page = [_order(order_id, NUMBER, _stamp())]
        return _json(
            200,
            {"data": page, "meta": {"total": 1, "limit": 100, "offset": 0}},
        )

    transport = MockTransport(handler)
    async with flireo.FlireoClient(
        KEY,
        base_url="https://api.example.test",
        transport=transport,
        retry=FAST,
    ) as client:
        receipt = await client.phone_numbers.order(NUMBER)
    assert receipt.order_id == order_id
    assert receipt.reconciled
    assert [r.method for r in transport.requests] == ["POST", "GET"]


async def test_an_undecodable_2xx_order_not_yet_listed_is_unknown() -> None:
    def handler(request: flireo.Request) -> flireo.Response:
        if request.method == "POST":
            return flireo.Response(status=200, body=b"<html>ok</html>")
        return _json(
            200, {"data": [], "meta": {"total": 0, "limit": 100, "offset": 0}}
        )

    transport = MockTransport(handler)
    async with flireo.FlireoClient(
        KEY,
        base_url="https://api.example.test",
        transport=transport,
        retry=FAST,
    ) as client:
        with pytest.raises(flireo.OrderOutcomeUnknownError) as caught:
            await client.phone_numbers.order(NUMBER)
    # Never re-sent: the 2xx said it exists.
    assert [r.method for r in transport.requests] == ["POST", "GET"]
    assert caught.value.phone_number == NUMBER
    assert "accepted" in str(caught.value)


# -- reconciliation always ends -----------------------------------------------


def _ambiguous_then(list_page: Any) -> MockTransport:
    def handler(request: flireo.Request) -> flireo.Response:
        if request.method == "POST":
            return _json(
                500, {"error": {"code": "internal_error", "message": "boom"}}
            )
        return _json(200, list_page(request))

    return MockTransport(handler)


def _recent_page(offset: int, total: int = 10**6) -> dict[str, Any]:
    items = [
        _order(str(uuid.uuid4()), f"+3185{offset + i:07d}", _stamp())
        for i in range(100)
    ]
    return {
        "data": items,
        "meta": {"total": total, "limit": 100, "offset": offset},
    }


@pytest.mark.parametrize(
    "misbehaviour",
    [
        # Ignores the offset and says so in meta.
        lambda request: (
            _recent_page(0)
            | {"meta": {"total": 10**6, "limit": 100, "offset": 0}}
        ),
        # Echoes the offset but sends the first page again.
        "same-page",
        # Fresh, ever newer orders forever.
        lambda request: _recent_page(int(_query(request)["offset"])),
    ],
    ids=["ignores-offset", "same-page", "endless"],
)
async def test_reconciliation_against_a_server_that_never_ends_is_bounded(
    misbehaviour: Any,
) -> None:
    if misbehaviour == "same-page":
        first = _recent_page(0)

        def misbehaviour(request: flireo.Request) -> dict[str, Any]:
            offset = int(_query(request)["offset"])
            return first | {
                "meta": {"total": 10**6, "limit": 100, "offset": offset}
            }

    transport = _ambiguous_then(misbehaviour)
    async with flireo.FlireoClient(
        KEY,
        base_url="https://api.example.test",
        transport=transport,
        retry=FAST,
    ) as client:
        with pytest.raises(flireo.OrderOutcomeUnknownError):
            await asyncio.wait_for(
                client.phone_numbers.order(NUMBER), timeout=30
            )
    gets = [r for r in transport.requests if r.method == "GET"]
    assert 1 <= len(gets) <= 51
    assert sum(r.method == "POST" for r in transport.requests) == 1


async def test_a_pager_over_a_server_ignoring_offsets_ends() -> None:
    transport = MockTransport(lambda r: _json(200, _recent_page(0)))
    async with flireo.FlireoClient(
        KEY,
        base_url="https://api.example.test",
        transport=transport,
        retry=NO_RETRY,
    ) as client:
        seen: list[flireo.Order] = []

        async def walk() -> None:
            async for order in client.orders.list(page_size=100):
                seen.append(order)

        with pytest.raises(flireo.ResponseDecodeError, match="page"):
            await walk()
    assert len(seen) == 100
    assert len(transport.requests) == 2
