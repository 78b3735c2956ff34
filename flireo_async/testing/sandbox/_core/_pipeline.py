"""
The request pipeline both sandbox modes share, around their handlers.

For every API request, in this order: a request id, the seeded fault
decision (latency, then a fault answered before processing), bearer auth,
the rate limit, the handler, a fault after processing (drop after commit,
slow answer), and one request log entry.  It is one closure per route
rather than aiohttp middlewares: the hot path stays a single coroutine.

The Flireo (`_app`) and Telnyx (`_telnyx_app`) modes run this same code;
what differs is the wire, and a `Dialect` says how its API spells the
answers the pipeline makes itself (401, 429, injected 5xx and burst, the
request id header) and how it reads a JSON body.

The ``/_sandbox`` inspection API is wrapped here too: no auth, no faults,
no rate limit, not in the request log, and request ids from a counter of
their own so that looking never shifts the API's ids or fault sequence.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import attrs
from aiohttp import web

from ..flireo._wire import (
    HTML_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    PROXY_502_HTML,
    WireError,
    dumps,
)
from ._config import SandboxConfig
from ._faults import FaultPlanner, RateLimiter, RateWindow


class _State(Protocol):
    # What the shared inspectors need of either mode's account.
    def order_counts(self) -> dict[str, int]: ...


_S = TypeVar("_S", bound=_State)
_E = TypeVar("_E", bound="BaseEngine[Any]")

Body = dict[str, Any] | None
#: ``(state, request, body) -> (status, bytes)``; raises a `WireError`.
Handler = Callable[[_S, web.Request, Body], tuple[int, bytes]]
#: ``(engine, request) -> JSON value`` of one ``/_sandbox`` route.
Inspector = Callable[[_E, web.Request], Awaitable[Any]]
_AiohttpHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.frozen
class RequestRecord:
    """
    One entry of the sandbox's request log.

    Attributes:
        seq: Arrival number, from 1 (the request id's number).
        request_id: The ``X-Request-Id`` that was sent (``req_000001``).
        method: HTTP method.
        path: Path without the query string.
        query: The raw query string.
        route: Route name (see `ROUTES`).
        status: HTTP status answered, ``None`` when the connection was
            dropped.
        fault: The injected fault (``"error_503"``, ``"html_error"``,
            ``"rate_limit_burst"``, ``"slow"``, ``"drop_before_commit"``,
            ``"drop_after_commit"``) or ``None``.  A 429 from the
            configured rate limit is not a fault.
        latency: Seconds of injected latency.
    """

    seq: int
    request_id: str
    method: str
    path: str
    query: str
    route: str
    status: int | None
    fault: str | None
    latency: float


@attrs.frozen(kw_only=True)
class Dialect:
    """
    How one API spells what the pipeline answers without a handler.

    Attributes:
        request_id_header: The request id header; its case is on the wire
            (``X-Request-Id`` or Telnyx's ``x-request-id``).
        unauthorized_body: The 401 body.
        server_error_body: The body of an injected 500/502/503.
        read_json: Reads a JSON object body, raising the API's error.
        window: How the API reports its rate-limit window and its 429.
        late_inspection_id: Number an inspection's answer after its
            inspector ran rather than before.  Only ``POST
            /_sandbox/reset`` tells them apart: the Telnyx mode has
            always answered it as ``sandbox_000000`` (the fresh counter),
            the Flireo mode with the id the request arrived as.
    """

    request_id_header: str
    unauthorized_body: bytes
    server_error_body: bytes
    read_json: Callable[[web.Request], Awaitable[dict[str, Any]]]
    window: RateWindow
    late_inspection_id: bool = False


class BaseEngine(Generic[_S]):
    """
    Holds the state that `reset` replaces, and serves requests with it.

    A mode subclasses it with its `Dialect` and makes its account in
    `_new_state`.

    Args:
        config: The sandbox configuration.
    """

    dialect: ClassVar[Dialect]

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._auth = "Bearer " + config.api_key
        self.reset()

    def _new_state(self) -> _S:
        raise NotImplementedError

    def reset(self) -> None:
        """Start over: fresh account, fault sequence, limits and log."""
        config = self.config
        self.state = self._new_state()
        self.planner = FaultPlanner(config.faults, config.seed)
        self.limiter = (
            None
            if config.rate_limit is None
            else RateLimiter(config.rate_limit, config.rate_window)
        )
        self.log: deque[RequestRecord] = deque(maxlen=config.request_log_limit)
        self.seq = 0
        # Inspection requests count apart, so that looking at the sandbox
        # never shifts the request ids of the API requests.
        self.inspections = 0

    def next_request_id(self) -> tuple[int, str]:
        """Return the next ``(seq, request_id)``."""
        self.seq += 1
        return self.seq, f"req_{self.seq:06d}"

    def authorized(self, header: str | None) -> bool:
        """Tell whether an ``Authorization`` header carries the key."""
        if header == self._auth:
            return True
        # The scheme is case-insensitive (RFC 7235).
        if header is None or header[:7].lower() != "bearer ":
            return False
        return header[7:].strip() == self.config.api_key


def _json(status: int, body: bytes, headers: dict[str, str]) -> web.Response:
    headers["Content-Type"] = JSON_CONTENT_TYPE
    return web.Response(status=status, body=body, headers=headers)


def _drop(request: web.Request) -> web.Response:
    # abort() closes the socket at once, unflushed.  aiohttp then fails to
    # write the response below with a ConnectionError, which it swallows,
    # so the client sees a disconnect and no answer.
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=500)


def endpoint(
    engine: BaseEngine[_S],
    route: str,
    handler: Handler[_S],
    *,
    reads_body: bool,
) -> _AiohttpHandler:
    """
    Wrap *handler* in the request pipeline described in the module doc.

    Args:
        engine: The sandbox engine.
        route: Route name, for faults and the log.
        handler: The endpoint's handler.
        reads_body: Whether to parse a JSON body first.

    Returns:
        An aiohttp handler.
    """
    dialect = engine.dialect
    # Looked up once here rather than per request: this is the hot path.
    request_id_header = dialect.request_id_header

    async def handle(request: web.Request) -> web.StreamResponse:
        seq, request_id = engine.next_request_id()
        headers = {request_id_header: request_id}
        decision = engine.planner.draw(route)
        kind = fault = None
        latency = 0.0
        error_status = 500
        status: int | None
        if decision is not None:
            kind, fault = decision.kind, decision.label
            latency, error_status = decision.latency, decision.status
            if latency > 0:
                await asyncio.sleep(latency)
        if kind is None or kind in ("slow", "drop_after_commit"):
            status, response = await _process(
                engine, request, handler, headers, reads_body=reads_body
            )
            if kind == "slow":
                # Processed first, so an order is committed even when the
                # client gives up waiting, as with a slow real server.
                await asyncio.sleep(engine.config.faults.slow_seconds)
            elif kind == "drop_after_commit":
                status, response = None, _drop(request)
        elif kind == "error":
            status = error_status
            _peek(engine, headers)
            response = _json(status, dialect.server_error_body, headers)
        elif kind == "html_error":
            status = 502
            _peek(engine, headers)
            headers["Content-Type"] = HTML_CONTENT_TYPE
            response = web.Response(
                status=502, body=PROXY_502_HTML, headers=headers
            )
        elif kind == "rate_limit_burst":
            status = 429
            config = engine.config
            body = dialect.window.burst(
                config.rate_limit, config.faults.burst_retry_after, headers
            )
            response = _json(429, body, headers)
        else:  # drop_before_commit
            status, response = None, _drop(request)
        engine.log.append(
            RequestRecord(
                seq,
                request_id,
                request.method,
                request.path,
                request.query_string,
                route,
                status,
                fault,
                latency,
            )
        )
        return response

    return handle


def _peek(engine: BaseEngine[Any], headers: dict[str, str]) -> None:
    # Every answer carries the rate-limit headers; one that is not
    # counted reports the window as it stands.
    if engine.limiter is not None:
        engine.dialect.window.peek(
            engine.limiter, engine.config.api_key, headers
        )


async def _process(
    engine: BaseEngine[_S],
    request: web.Request,
    handler: Handler[_S],
    headers: dict[str, str],
    *,
    reads_body: bool,
) -> tuple[int, web.Response]:
    dialect = engine.dialect
    # A 401 is answered before the limiter: there is no key to count it
    # for, so it reports the window without counting.
    if not engine.authorized(request.headers.get("Authorization")):
        _peek(engine, headers)
        return 401, _json(401, dialect.unauthorized_body, headers)
    limiter = engine.limiter
    if limiter is not None:
        over = dialect.window.count(limiter, engine.config.api_key, headers)
        if over is not None:
            return 429, _json(429, over, headers)
    try:
        body = await dialect.read_json(request) if reads_body else None
        status, payload = handler(engine.state, request, body)
    except WireError as exc:
        status, payload = exc.status, exc.body()
        headers.update(exc.headers)
    return status, _json(status, payload, headers)


# -- inspection ---------------------------------------------------------------


def _inspection_endpoint(
    engine: _E, inspector: Inspector[_E]
) -> _AiohttpHandler:
    request_id_header = engine.dialect.request_id_header
    late_id = engine.dialect.late_inspection_id

    async def handle(request: web.Request) -> web.StreamResponse:
        engine.inspections += 1
        request_id = f"sandbox_{engine.inspections:06d}"
        try:
            status, body = 200, dumps(await inspector(engine, request))
        except WireError as exc:
            status, body = exc.status, exc.body()
        if late_id:
            request_id = f"sandbox_{engine.inspections:06d}"
        return web.Response(
            status=status,
            body=body,
            headers={
                "Content-Type": JSON_CONTENT_TYPE,
                request_id_header: request_id,
            },
        )

    return handle


async def _order_counts(engine: BaseEngine[Any], request: web.Request) -> Any:
    return {"data": engine.state.order_counts()}


async def _requests(engine: BaseEngine[Any], request: web.Request) -> Any:
    return {"data": [attrs.asdict(r) for r in engine.log]}


async def _reset(engine: BaseEngine[Any], request: web.Request) -> Any:
    engine.reset()
    return {"message": "Sandbox reset"}


#: The inspection routes both modes serve alike, before a mode's own.
_COMMON_INSPECTORS: tuple[tuple[str, str, Inspector[BaseEngine[Any]]], ...] = (
    ("GET", "/_sandbox/order-counts", _order_counts),
    ("GET", "/_sandbox/requests", _requests),
    ("POST", "/_sandbox/reset", _reset),
)


# -- the application ----------------------------------------------------------


def build_application(
    engine: _E,
    api: Iterable[tuple[str, str, Handler[Any], bool]],
    inspectors: Iterable[tuple[str, str, Inspector[_E]]],
    unknown: Handler[Any],
) -> web.Application:
    """
    Build the aiohttp application serving *engine*.

    Args:
        engine: The mode's engine.
        api: ``(method, path, handler, reads a JSON body)``; the handler's
            name is the route name used in the request log and in
            `Faults.apply_to`.
        inspectors: ``(method, path, inspector)`` of the mode's own
            ``/_sandbox`` routes, served after the common ones
            (order counts, request log, reset); the last is the
            catch-all 404 of ``/_sandbox``.
        unknown: The handler of every other request (the API's 404).

    Returns:
        The application with the API routes and the inspection API.
    """
    app = web.Application()
    router = app.router
    for method, path, handler, reads_body in api:
        router.add_route(
            method,
            path,
            endpoint(engine, handler.__name__, handler, reads_body=reads_body),
        )
    # The catch-all that ends *inspectors* only gets what no fixed path
    # took, so the common routes may come first.
    for method, path, inspector in (*_COMMON_INSPECTORS, *inspectors):
        router.add_route(method, path, _inspection_endpoint(engine, inspector))
    # Last: everything else is the API's 404 (after auth and faults, like
    # any other request to the API host).
    router.add_route(
        "*",
        "/{tail:.*}",
        endpoint(engine, "unknown", unknown, reads_body=False),
    )
    return app
