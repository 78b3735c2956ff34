"""
The ``/_sandbox`` inspection API, for tests and tools in other processes.

It is not part of the Flireo API: no auth, no faults, no rate limit, and
its requests are not in the request log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from ._entities import APPROVED, REJECTED
from ._params import int_param, read_json
from ._wire import JSON_CONTENT_TYPE, ApiError, dumps, invalid, not_found


if TYPE_CHECKING:
    from ._app import Engine

_Inspector = Callable[["Engine", web.Request], Awaitable[Any]]


def state_summary(engine: Engine) -> dict[str, Any]:
    """
    Summarise the sandbox: credits and record counts.

    Args:
        engine: The sandbox engine.

    Returns:
        The summary served by ``GET /_sandbox/state``.
    """
    state = engine.state
    groups = dict.fromkeys(("pending", "approved", "rejected", "deleted"), 0)
    state.settle()
    for group in state.groups:
        groups[group.status] += 1
    return {
        "credits": state.credits,
        "orders": {
            "total": len(state.orders),
            **state.order_status_counts(),
        },
        "phone_numbers": len(state.numbers),
        "verification_groups": {"total": len(state.groups), **groups},
        "requests": engine.seq,  # /v1 requests received
        "assistant_ids": list(state.assistants),
    }


async def _state(engine: Engine, request: web.Request) -> Any:
    return state_summary(engine)


async def _orders(engine: Engine, request: web.Request) -> Any:
    number = request.query.get("phone_number")
    state = engine.state
    state.settle()
    orders = state.orders if number is None else state.orders_of(number)
    return {"data": [o.detail() for o in orders]}


async def _order_counts(engine: Engine, request: web.Request) -> Any:
    return {"data": engine.state.order_counts()}


async def _requests(engine: Engine, request: web.Request) -> Any:
    return {"data": [attrs.asdict(r) for r in engine.log]}


async def _available(engine: Engine, request: web.Request) -> Any:
    query = request.query
    limit = int_param(query, "limit", 20, 1)
    try:
        numbers = engine.state.peek(
            query.get("number_type", "national"), limit, query.get("locality")
        )
    except ValueError as exc:
        raise invalid("number_type", str(exc)) from None
    return {"data": numbers}


async def _reset(engine: Engine, request: web.Request) -> Any:
    engine.reset()
    return {"message": "Sandbox reset"}


async def _credits(engine: Engine, request: web.Request) -> Any:
    credits = (await read_json(request)).get("credits")
    # bool is an int subclass; True credits would be a confusing typo.
    if (
        not isinstance(credits, int)
        or isinstance(credits, bool)
        or (credits < 0)
    ):
        raise invalid("credits", "credits must be an integer >= 0")
    engine.state.credits = credits
    return {"credits": credits}


def _decide(status: str) -> _Inspector:
    async def decide(engine: Engine, request: web.Request) -> Any:
        group_id = request.match_info["id"]
        try:
            engine.state.decide_group(group_id, status)
        except KeyError:
            raise not_found("Verification group", group_id) from None
        return {"data": engine.state.groups_by_id[group_id].item()}

    return decide


async def _missing(engine: Engine, request: web.Request) -> Any:
    raise ApiError(404, "not_found", f"No inspection route {request.path}")


def _wrap(
    engine: Engine, inspector: _Inspector
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        engine.inspections += 1
        request_id = f"sandbox_{engine.inspections:06d}"
        try:
            status, body = 200, dumps(await inspector(engine, request))
        except ApiError as exc:
            status, body = exc.status, exc.body()
        return web.Response(
            status=status,
            body=body,
            headers={
                "Content-Type": JSON_CONTENT_TYPE,
                "X-Request-Id": request_id,
            },
        )

    return handle


_ROUTES: tuple[tuple[str, str, _Inspector], ...] = (
    ("GET", "/_sandbox/state", _state),
    ("GET", "/_sandbox/orders", _orders),
    ("GET", "/_sandbox/order-counts", _order_counts),
    ("GET", "/_sandbox/requests", _requests),
    ("GET", "/_sandbox/available-numbers", _available),
    ("POST", "/_sandbox/reset", _reset),
    ("POST", "/_sandbox/credits", _credits),
    ("POST", "/_sandbox/verification-groups/{id}/approve", _decide(APPROVED)),
    ("POST", "/_sandbox/verification-groups/{id}/reject", _decide(REJECTED)),
    ("*", "/_sandbox/{tail:.*}", _missing),
)


def add_inspection_routes(router: web.UrlDispatcher, engine: Engine) -> None:
    """
    Add the ``/_sandbox`` routes to *router*.

    Args:
        router: The application's router.
        engine: The sandbox engine.
    """
    for method, path, inspector in _ROUTES:
        router.add_route(method, path, _wrap(engine, inspector))
