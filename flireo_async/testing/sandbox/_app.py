"""
The aiohttp application: the per-request pipeline around the handlers.

For every ``/v1`` request, in this order: a request id, the seeded fault
decision (latency, then a fault answered before processing), bearer auth,
the rate limit, the handler, a fault after processing (drop after commit,
slow answer), and one request log entry.  It is one closure per route
rather than aiohttp middlewares: the hot path stays a single coroutine.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web

from . import _assistants as a
from . import _handlers as h
from ._config import SandboxConfig
from ._faults import FaultPlanner, RateLimiter
from ._inspect import add_inspection_routes
from ._params import Handler, read_json
from ._state import SandboxState
from ._wire import (
    HTML_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    PROXY_502_HTML,
    UNAUTHORIZED_BODY,
    ApiError,
    error_body,
    rate_limit_body,
)


#: ``(method, path, handler, reads a JSON body)``; the handler's name is
#: the route name used in the request log and in `Faults.apply_to`.
ROUTE_TABLE: tuple[tuple[str, str, Handler, bool], ...] = (
    ("GET", "/v1/phone-numbers/available", h.search_numbers, False),
    ("GET", "/v1/phone-numbers", h.list_numbers, False),
    ("POST", "/v1/phone-numbers", h.order_number, True),
    ("GET", "/v1/phone-number-orders", h.list_orders, False),
    ("GET", "/v1/phone-number-orders/{id}", h.get_order, False),
    ("POST", "/v1/verification-groups", h.create_group, True),
    ("GET", "/v1/verification-groups", h.list_groups, False),
    ("GET", "/v1/verification-groups/{id}", h.get_group, False),
    (
        "GET",
        "/v1/verification-groups/{id}/available-phone-numbers",
        h.search_group_numbers,
        False,
    ),
    (
        "POST",
        "/v1/verification-groups/{id}/order-number",
        h.order_group_number,
        True,
    ),
    ("GET", "/v1/assistants/{id}/phone-number", a.get_assistant_number, False),
    (
        "POST",
        "/v1/assistants/{id}/phone-number",
        a.link_assistant_number,
        True,
    ),
    (
        "DELETE",
        "/v1/assistants/{id}/phone-number",
        a.unlink_assistant_number,
        False,
    ),
)


@attrs.frozen
class RequestRecord:
    """
    One entry of the sandbox's request log.

    Args:
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


class Engine:
    """
    Holds the state that `reset` replaces, and serves requests with it.

    Args:
        config: The sandbox configuration.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._auth = "Bearer " + config.api_key
        self.reset()

    def reset(self) -> None:
        """Start over: fresh account, fault sequence, limits and log."""
        config = self.config
        self.state = SandboxState(config)
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
    engine: Engine, route: str, handler: Handler, *, reads_body: bool
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
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

    async def handle(request: web.Request) -> web.StreamResponse:
        seq, request_id = engine.next_request_id()
        headers = {"X-Request-Id": request_id}
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
            response = _json(
                status,
                error_body("server_error", "The server failed unexpectedly"),
                headers,
            )
        elif kind == "html_error":
            status = 502
            headers["Content-Type"] = HTML_CONTENT_TYPE
            response = web.Response(
                status=502, body=PROXY_502_HTML, headers=headers
            )
        elif kind == "rate_limit_burst":
            status = 429
            retry = engine.config.faults.burst_retry_after
            headers["Retry-After"] = str(retry)
            response = _json(429, rate_limit_body(retry), headers)
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


async def _process(
    engine: Engine,
    request: web.Request,
    handler: Handler,
    headers: dict[str, str],
    *,
    reads_body: bool,
) -> tuple[int, web.Response]:
    if not engine.authorized(request.headers.get("Authorization")):
        return 401, _json(401, UNAUTHORIZED_BODY, headers)
    limiter = engine.limiter
    if limiter is not None:
        remaining, reset, retry_after = limiter.hit(engine.config.api_key)
        headers["X-RateLimit-Limit"] = str(limiter.limit)
        headers["X-RateLimit-Remaining"] = str(remaining)
        headers["X-RateLimit-Reset"] = str(reset)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
            return 429, _json(429, rate_limit_body(retry_after), headers)
    try:
        body = await read_json(request) if reads_body else None
        status, payload = handler(engine.state, request, body)
    except ApiError as exc:
        status, payload = exc.status, exc.body()
    return status, _json(status, payload, headers)


def build_app(engine: Engine) -> web.Application:
    """
    Build the aiohttp application serving *engine*.

    Args:
        engine: The sandbox engine.

    Returns:
        The application with the ``/v1`` routes and the inspection API.
    """
    app = web.Application()
    router = app.router
    for method, path, handler, reads_body in ROUTE_TABLE:
        route = handler.__name__
        router.add_route(
            method,
            path,
            endpoint(engine, route, handler, reads_body=reads_body),
        )
    add_inspection_routes(router, engine)
    # Last: everything else is the API's JSON 404 (after auth and faults,
    # like any other request to the API host).
    router.add_route(
        "*",
        "/{tail:.*}",
        endpoint(engine, "unknown", h.unknown_route, reads_body=False),
    )
    return app
