"""
The Telnyx mode's aiohttp application: the per-request pipeline.

The same order as the Flireo mode's (`_app`): a request id, the seeded
fault decision (latency, then a fault answered before processing), bearer
auth, the rate limit, the handler, a fault after processing (drop after
commit, slow answer), one request log entry.  What differs is the wire:
every error is Telnyx's ``{"errors": [...]}`` envelope, and the rate
limit speaks ``x-ratelimit-limit/remaining/reset`` (reset in seconds
until the window ends) with no ``Retry-After``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import _telnyx_handlers as h
from ._app import RequestRecord, _drop, _json
from ._config import SandboxConfig
from ._faults import FaultPlanner, RateLimiter
from ._telnyx_handlers import TelnyxHandler
from ._telnyx_inspect import add_inspection_routes
from ._telnyx_state import TelnyxState
from ._telnyx_wire import (
    SERVER_ERROR_BODY,
    UNAUTHORIZED_BODY,
    TelnyxError,
    rate_limit_body,
    read_json,
    reset_header,
)
from ._wire import HTML_CONTENT_TYPE, PROXY_502_HTML


#: ``(method, path, handler, reads a JSON body)``; the handler's name is
#: the route name (see `TELNYX_ROUTES`).
TELNYX_ROUTE_TABLE: tuple[tuple[str, str, TelnyxHandler, bool], ...] = (
    (
        "GET",
        "/v2/available_phone_numbers",
        h.search_available_phone_numbers,
        False,
    ),
    ("POST", "/v2/number_orders", h.create_number_order, True),
    ("GET", "/v2/number_orders", h.list_number_orders, False),
    ("GET", "/v2/number_orders/{id}", h.get_number_order, False),
    ("PATCH", "/v2/number_orders/{id}", h.update_number_order, True),
    ("GET", "/v2/sub_number_orders", h.list_sub_number_orders, False),
    ("GET", "/v2/sub_number_orders/{id}", h.get_sub_number_order, False),
    ("PATCH", "/v2/sub_number_orders/{id}", h.update_sub_number_order, True),
    (
        "PATCH",
        "/v2/sub_number_orders/{id}/cancel",
        h.cancel_sub_number_order,
        False,
    ),
    ("POST", "/v2/requirement_groups", h.create_requirement_group, True),
    ("GET", "/v2/requirement_groups", h.list_requirement_groups, False),
    ("GET", "/v2/requirement_groups/{id}", h.get_requirement_group, False),
    (
        "POST",
        "/v2/requirement_groups/{id}/submit_for_approval",
        h.submit_requirement_group,
        False,
    ),
)  # fmt: skip


class TelnyxEngine:
    """
    Holds the state that `reset` replaces, and serves requests with it.

    Args:
        config: The sandbox configuration.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._auth = "Bearer " + config.api_key
        #: Called whenever a sub-order gets a due time (the webhook
        #: deliverer sleeps until then).
        self.on_schedule: Callable[[], None] | None = None
        self.reset()

    def reset(self) -> None:
        """Start over: fresh account, fault sequence, limits and log."""
        config = self.config
        self.state = TelnyxState(config, self._scheduled)
        self.planner = FaultPlanner(config.faults, config.seed)
        self.limiter = (
            None
            if config.rate_limit is None
            else RateLimiter(config.rate_limit, config.rate_window)
        )
        self.log: deque[RequestRecord] = deque(maxlen=config.request_log_limit)
        self.seq = 0
        self.inspections = 0

    def _scheduled(self) -> None:
        if self.on_schedule is not None:
            self.on_schedule()

    def next_request_id(self) -> tuple[int, str]:
        """Return the next ``(seq, request_id)``."""
        self.seq += 1
        return self.seq, f"req_{self.seq:06d}"

    def authorized(self, header: str | None) -> bool:
        """Tell whether an ``Authorization`` header carries the key."""
        if header == self._auth:
            return True
        if header is None or header[:7].lower() != "bearer ":
            return False
        return header[7:].strip() == self.config.api_key


def endpoint(
    engine: TelnyxEngine,
    route: str,
    handler: TelnyxHandler,
    *,
    reads_body: bool,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """
    Wrap *handler* in the request pipeline described in the module doc.

    Args:
        engine: The Telnyx engine.
        route: Route name, for faults and the log.
        handler: The endpoint's handler.
        reads_body: Whether to parse a JSON body first.

    Returns:
        An aiohttp handler.
    """

    async def handle(request: web.Request) -> web.StreamResponse:
        seq, request_id = engine.next_request_id()
        headers = {"x-request-id": request_id}
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
                # Processed first: an order is placed even when the client
                # gives up waiting.
                await asyncio.sleep(engine.config.faults.slow_seconds)
            elif kind == "drop_after_commit":
                status, response = None, _drop(request)
        elif kind == "error":
            status = error_status
            response = _json(status, SERVER_ERROR_BODY, headers)
        elif kind == "html_error":
            status = 502
            headers["Content-Type"] = HTML_CONTENT_TYPE
            response = web.Response(
                status=502, body=PROXY_502_HTML, headers=headers
            )
        elif kind == "rate_limit_burst":
            status = 429
            if engine.config.rate_limit is not None:
                headers["x-ratelimit-limit"] = str(engine.config.rate_limit)
            headers["x-ratelimit-remaining"] = "0"
            headers["x-ratelimit-reset"] = str(
                engine.config.faults.burst_retry_after
            )
            response = _json(429, rate_limit_body(), headers)
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
    engine: TelnyxEngine,
    request: web.Request,
    handler: TelnyxHandler,
    headers: dict[str, str],
    *,
    reads_body: bool,
) -> tuple[int, web.Response]:
    if not engine.authorized(request.headers.get("Authorization")):
        return 401, _json(401, UNAUTHORIZED_BODY, headers)
    limiter = engine.limiter
    if limiter is not None:
        remaining, left, over = limiter.count(engine.config.api_key)
        headers["x-ratelimit-limit"] = str(limiter.limit)
        headers["x-ratelimit-remaining"] = str(remaining)
        headers["x-ratelimit-reset"] = reset_header(left)
        if over:
            # Telnyx documents no Retry-After: the reset header is all.
            return 429, _json(429, rate_limit_body(), headers)
    try:
        body = await read_json(request) if reads_body else None
        status, payload = handler(engine.state, request, body)
    except TelnyxError as exc:
        status, payload = exc.status, exc.body()
    return status, _json(status, payload, headers)


def build_telnyx_app(engine: TelnyxEngine) -> web.Application:
    """
    Build the aiohttp application serving *engine*.

    Returns:
        The application with the ``/v2`` routes and the inspection API.
    """
    app = web.Application()
    router = app.router
    for method, path, handler, reads_body in TELNYX_ROUTE_TABLE:
        router.add_route(
            method,
            path,
            endpoint(engine, handler.__name__, handler, reads_body=reads_body),
        )
    add_inspection_routes(router, engine)
    # Last: everything else is the API's 404 (after auth and faults).
    router.add_route(
        "*",
        "/{tail:.*}",
        endpoint(engine, "unknown", h.unknown, reads_body=False),
    )
    return app
