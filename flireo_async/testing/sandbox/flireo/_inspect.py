"""
The Flireo mode's ``/_sandbox`` inspection API, for tests and tools in
other processes.

It is not part of the Flireo API: no auth, no faults, no rate limit, and
its requests are not in the request log (`_pipeline` wraps it so).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._core._params import int_param, read_json
from .._core._pipeline import BaseEngine, Inspector
from ._entities import APPROVED, REJECTED
from ._state import SandboxState
from ._wire import ApiError, invalid, not_found


# Typed against the pipeline's engine, not the app's: the app imports
# this module, and the inspectors need only its state and config.
_Engine = BaseEngine[SandboxState]


def state_summary(engine: _Engine) -> dict[str, Any]:
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


async def _state(engine: _Engine, request: web.Request) -> Any:
    return state_summary(engine)


async def _orders(engine: _Engine, request: web.Request) -> Any:
    number = request.query.get("phone_number")
    state = engine.state
    state.settle()
    orders = state.orders if number is None else state.orders_of(number)
    return {"data": [o.detail() for o in orders]}


async def _available(engine: _Engine, request: web.Request) -> Any:
    query = request.query
    limit = int_param(query, "limit", 20, 1)
    try:
        numbers = engine.state.peek(
            query.get("number_type", "national"), limit, query.get("locality")
        )
    except ValueError as exc:
        raise invalid("number_type", str(exc)) from None
    return {"data": numbers}


async def _credits(engine: _Engine, request: web.Request) -> Any:
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


def _decide(status: str) -> Inspector[_Engine]:
    async def decide(engine: _Engine, request: web.Request) -> Any:
        group_id = request.match_info["id"]
        try:
            engine.state.decide_group(group_id, status)
        except KeyError:
            raise not_found("Verification group", group_id) from None
        return {"data": engine.state.groups_by_id[group_id].item()}

    return decide


async def _missing(engine: _Engine, request: web.Request) -> Any:
    raise ApiError(404, "not_found", f"No inspection route {request.path}")


#: ``(method, path, inspector)`` of this mode's own ``/_sandbox`` routes;
#: `_pipeline` adds the order counts, the request log and reset.
INSPECTORS: tuple[tuple[str, str, Inspector[_Engine]], ...] = (
    ("GET", "/_sandbox/state", _state),
    ("GET", "/_sandbox/orders", _orders),
    ("GET", "/_sandbox/available-numbers", _available),
    ("POST", "/_sandbox/credits", _credits),
    ("POST", "/_sandbox/verification-groups/{id}/approve", _decide(APPROVED)),
    ("POST", "/_sandbox/verification-groups/{id}/reject", _decide(REJECTED)),
    ("*", "/_sandbox/{tail:.*}", _missing),
)
