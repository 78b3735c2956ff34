"""
The Telnyx mode's ``/_sandbox`` inspection API, for tools in another
process: no auth, no faults, no rate limit, not in the request log
(`_pipeline` wraps it so).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiohttp import web

from .._core._pipeline import BaseEngine, Inspector
from ._inventory import Search
from ._state import TelnyxState
from ._wire import bad_request, int_param, not_found, read_json


# Typed against the pipeline's engine, not the app's: the app imports
# this module, and the inspectors need only its state and config.
_Engine = BaseEngine[TelnyxState]


def summary(engine: _Engine) -> dict[str, Any]:
    """
    Summarise the account: orders and groups by status, requests.

    Returns:
        The ``GET /_sandbox/state`` body.
    """
    state = engine.state
    state.settle()
    return {
        "number_orders": {
            "total": len(state.orders),
            **Counter(o.status for o in state.orders),
        },
        "phone_numbers_ordered": sum(len(o.numbers) for o in state.orders),
        "requirement_groups": {
            "total": len(state.groups),
            **Counter(g.status for g in state.groups),
        },
        "requests": engine.seq,
    }


def peek(
    state: TelnyxState,
    country_code: str,
    phone_number_type: str | None,
    limit: int,
    locality: str | None,
) -> list[str]:
    """Free numbers, without counting as a search (they stay unorderable)."""
    state.settle()
    search = Search(
        country=country_code,
        number_type=phone_number_type,
        locality=locality,
    )
    found, _ = state.inventory.search(search, state.is_taken, limit)
    return [number for _, number in found]


def set_group_status(state: TelnyxState, group_id: str, status: str) -> None:
    """
    Set a requirement group's status by hand (any string).

    Raises:
        KeyError: Unknown group.
    """
    state.settle()
    state.groups_by_id[group_id].status = status


async def _state(engine: _Engine, request: web.Request) -> Any:
    return summary(engine)


async def _orders(engine: _Engine, request: web.Request) -> Any:
    state = engine.state
    number = request.query.get("phone_number")
    reference = request.query.get("customer_reference")
    orders = state.orders if number is None else state.orders_of(number)
    return {
        "data": [
            o.detail()
            for o in orders
            if reference is None or o.customer_reference == reference
        ]
    }


async def _available(engine: _Engine, request: web.Request) -> Any:
    query = request.query
    numbers = peek(
        engine.state,
        query.get("country_code", "NL"),
        query.get("phone_number_type"),
        int_param(query, "limit", 20, 1, 100_000),
        query.get("locality"),
    )
    return {"data": numbers}


async def _group_status(engine: _Engine, request: web.Request) -> Any:
    ident = request.match_info["id"]
    status = (await read_json(request)).get("status")
    if not isinstance(status, str) or not status:
        raise bad_request("status must be a non-empty string")
    try:
        set_group_status(engine.state, ident, status)
    except KeyError:
        raise not_found("requirement group", ident) from None
    return engine.state.groups_by_id[ident].render()


async def _missing(engine: _Engine, request: web.Request) -> Any:
    raise not_found("inspection route", request.path)


#: ``(method, path, inspector)`` of this mode's own ``/_sandbox`` routes;
#: `_pipeline` adds the order counts, the request log and reset.
INSPECTORS: tuple[tuple[str, str, Inspector[_Engine]], ...] = (
    ("GET", "/_sandbox/state", _state),
    ("GET", "/_sandbox/orders", _orders),
    ("GET", "/_sandbox/available-numbers", _available),
    ("POST", "/_sandbox/requirement-groups/{id}/status", _group_status),
    ("*", "/_sandbox/{tail:.*}", _missing),
)
