"""
The Telnyx v2 endpoints of the sandbox: parameter checks and bodies.

Each handler is ``(state, request, body) -> (status, bytes)`` and raises
`TelnyxError` for a documented error; auth, rate limits, faults and the
request log happen around them in `_pipeline`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aiohttp import web

from ._pipeline import Body, Handler
from ._telnyx_inventory import Search
from ._telnyx_state import OrderItem, TelnyxState
from ._telnyx_wire import (
    ACTIONS,
    E164,
    FEATURES,
    NUMBER_TYPES,
    ORDER_STATUSES,
    SUB_ORDER_TYPES,
    TelnyxError,
    bad_request,
    bool_param,
    entry,
    enum_param,
    int_param,
    list_param,
    not_found,
    optional_text,
    parse_time,
    requirement_values,
)
from ._wire import dumps


TelnyxHandler = Handler[TelnyxState]
_R = TypeVar("_R")

_COUNTRY = re.compile(r"[A-Z]{2}")
_DIGITS = re.compile(r"[0-9]+")
_ORDER_FIELDS = (
    "connection_id",
    "messaging_profile_id",
    "billing_group_id",
    "customer_reference",
)


def _f(name: str) -> str:
    return f"filter[{name}]"


def _by_id(
    request: web.Request, lookup: Callable[[str], _R | None], what: str
) -> _R:
    # The record the path's {id} names, or the documented 404 for *what*.
    ident = request.match_info["id"]
    record = lookup(ident)
    if record is None:
        raise not_found(what, ident)
    return record


def _count_filter(query: Mapping[str, str]) -> int | None:
    # filter[phone_numbers_count] has no default: absent means any count.
    if _f("phone_numbers_count") not in query:
        return None
    return int_param(query, _f("phone_numbers_count"), 0, 1, 10_000)


def _include_numbers(query: Mapping[str, str]) -> bool:
    # Absent is false: a sub-order lists its numbers only when asked.
    return bool_param(query, _f("include_phone_numbers")) or False


# -- search -------------------------------------------------------------------


def search_available_phone_numbers(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/available_phone_numbers``."""
    query = request.query
    country = query.get(_f("country_code"))
    if country is None:
        detail = "filter[country_code] is required"
        param = _f("country_code")
        raise TelnyxError(400, entry("10004", detail, parameter=param))
    if not _COUNTRY.fullmatch(country):
        detail = f"filter[country_code] must be ISO alpha-2, got {country!r}"
        raise bad_request(detail, parameter=_f("country_code"))
    number_type = enum_param(query, _f("phone_number_type"), NUMBER_TYPES)
    features = list_param(request, _f("features"))
    for feature in features:
        if feature not in FEATURES:
            detail = f"unknown feature {feature!r}"
            raise TelnyxError(
                422, entry("10032", detail, parameter=_f("features"))
            )
    limit = int_param(query, _f("limit"), 50, 1, 1000)
    for flag in ("best_effort", "reservable", "exclude_held_numbers"):
        bool_param(query, _f(flag))
    digits = {
        key: query.get(f"filter[phone_number][{key}]")
        for key in ("starts_with", "ends_with", "contains")
    }
    ndc = query.get(_f("national_destination_code"))
    wanted = [v for v in (*digits.values(), ndc) if v is not None]
    search = Search(
        country=country,
        number_type=number_type,
        locality=query.get(_f("locality")),
        administrative_area=query.get(_f("administrative_area")),
        ndc=ndc,
        features=tuple(features),
        quickship=bool_param(query, _f("quickship")),
        **digits,
    )
    # A wildcard or any other non-digit matches nothing (not an error).
    if all(_DIGITS.fullmatch(v) for v in wanted):
        found, total = state.search(search, limit)
    else:
        found, total = [], 0
    meta = {"total_results": total, "best_effort_results": 0}
    return 200, dumps(
        {
            "data": [spec.render(number) for spec, number in found],
            "meta": meta,
            "metadata": meta,
        }
    )


# -- number orders ------------------------------------------------------------


def _order_items(numbers: object) -> list[OrderItem]:
    if numbers is None or numbers == []:
        detail = "You must provide at least 1 phone number."
        raise bad_request(detail, pointer="/phone_numbers")
    if not isinstance(numbers, list):
        raise bad_request(
            "phone_numbers must be an array", pointer="/phone_numbers"
        )
    errors: list[dict[str, Any]] = []
    items: list[OrderItem] = []
    seen: set[str] = set()
    for i, raw in enumerate(numbers):
        at = f"/phone_numbers/{i}"
        item = raw if isinstance(raw, dict) else {}
        number = item.get("phone_number")
        if not isinstance(number, str) or not E164.fullmatch(number):
            shown = number if isinstance(raw, dict) else raw
            detail = f"{shown!r} is not a +E.164 phone number item"
            errors.append(entry("10016", detail, pointer=f"{at}/phone_number"))
            continue
        if number in seen:
            detail = f"{number} appears more than once"
            errors.append(entry("10015", detail, pointer=f"{at}/phone_number"))
            continue
        seen.add(number)
        refs = [item.get("requirement_group_id"), item.get("bundle_id")]
        if any(ref is not None and not isinstance(ref, str) for ref in refs):
            detail = "requirement_group_id and bundle_id must be strings"
            errors.append(entry("10015", detail, pointer=at))
            continue
        items.append(OrderItem(i, number, refs[0], refs[1]))
    if errors:
        only_bad_request = all(e["code"] == "10015" for e in errors)
        raise TelnyxError(400 if only_bad_request else 422, *errors)
    return items


def create_number_order(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``POST /v2/number_orders``."""
    given = body or {}
    items = _order_items(given.get("phone_numbers"))
    fields = {name: optional_text(given, name) for name in _ORDER_FIELDS}
    order = state.place_order(items, fields)
    return 200, dumps({"data": order.detail()})


def list_number_orders(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/number_orders`` (newest first, ``page[number|size]``)."""
    query = request.query
    status = enum_param(query, _f("status"), ORDER_STATUSES)
    reference = query.get(_f("customer_reference"))
    after = parse_time(query, "filter[created_at][gt]")
    before = parse_time(query, "filter[created_at][lt]")
    count = _count_filter(query)
    met = bool_param(query, _f("requirements_met"))
    number = int_param(query, "page[number]", 1, 1, 1_000_000)
    size = int_param(query, "page[size]", 20, 1, 250)
    state.settle()
    matches = [
        o
        for o in reversed(state.orders)
        if (status is None or o.status == status)
        # Exact match: a reference is an idempotency token, not a search.
        and (reference is None or o.customer_reference == reference)
        and (after is None or o.created > after)
        and (before is None or o.created < before)
        and (count is None or len(o.numbers) == count)
        and (met is None or o.requirements_met == met)
    ]
    total = len(matches)
    page = matches[(number - 1) * size : number * size]
    return 200, dumps(
        {
            "data": [o.item() for o in page],
            "meta": {
                "total_pages": math.ceil(total / size),
                "total_results": total,
                "page_number": number,
                "page_size": size,
            },
        }
    )


def get_number_order(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/number_orders/{id}``."""
    order = _by_id(request, state.order, "number order")
    return 200, dumps({"data": order.detail()})


def update_number_order(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``PATCH /v2/number_orders/{id}``."""
    order = _by_id(request, state.order, "number order")
    given = body or {}
    reference = optional_text(given, "customer_reference")
    values = requirement_values(given)
    if values is not None:
        state.supply(order.numbers, values)
    if reference is not None:
        order.customer_reference = reference
    return 200, dumps({"data": order.detail()})


# -- sub-number orders --------------------------------------------------------


def list_sub_number_orders(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/sub_number_orders``."""
    query = request.query
    parent = query.get(_f("order_request_id"))
    status = enum_param(query, _f("status"), ORDER_STATUSES)
    country = query.get(_f("country_code"))
    kind = enum_param(query, _f("phone_number_type"), SUB_ORDER_TYPES)
    count = _count_filter(query)
    include = _include_numbers(query)
    state.settle()
    subs = [
        s
        for o in reversed(state.orders)
        if parent is None or o.id == parent
        for s in o.subs
        if (status is None or s.status == status)
        and (country is None or s.country == country)
        and (kind is None or s.number_type == kind)
        and (count is None or len(s.numbers) == count)
    ]
    return 200, dumps(
        {
            "data": [s.detail(include_numbers=include) for s in subs],
            "meta": {
                "total_pages": 1,
                "total_results": len(subs),
                "page_number": 1,
                "page_size": max(1, len(subs)),
            },
        }
    )


def get_sub_number_order(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/sub_number_orders/{id}``."""
    sub = _by_id(request, state.sub_order, "sub number order")
    include = _include_numbers(request.query)
    return 200, dumps({"data": sub.detail(include_numbers=include)})


def update_sub_number_order(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``PATCH /v2/sub_number_orders/{id}``."""
    sub = _by_id(request, state.sub_order, "sub number order")
    values = requirement_values(body or {})
    if values is None:
        detail = "regulatory_requirements is required"
        raise TelnyxError(
            422, entry("10004", detail, pointer="/regulatory_requirements")
        )
    state.supply(sub.numbers, values)
    return 200, dumps({"data": sub.detail()})


def cancel_sub_number_order(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``PATCH /v2/sub_number_orders/{id}/cancel``."""
    sub = _by_id(request, state.sub_order, "sub number order")
    state.cancel(sub)
    return 200, dumps({"data": sub.detail()})


# -- requirement groups (bare objects and arrays) -----------------------------


def create_requirement_group(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``POST /v2/requirement_groups`` (200, a bare object)."""
    given = body or {}
    errors: list[dict[str, Any]] = []
    fields: dict[str, str | None] = {}
    for name, check in (
        ("country_code", _COUNTRY.fullmatch),
        ("phone_number_type", NUMBER_TYPES.__contains__),
        ("action", ACTIONS.__contains__),
    ):
        value = given.get(name)
        if value is None:
            errors.append(
                entry("10004", f"{name} is required", pointer=f"/{name}")
            )
        elif not isinstance(value, str) or not check(value):
            detail = f"{name} has an invalid value {value!r}"
            errors.append(entry("10032", detail, pointer=f"/{name}"))
        else:
            fields[name] = value
    if errors:
        raise TelnyxError(422, *errors)
    fields["customer_reference"] = optional_text(given, "customer_reference")
    values = requirement_values(given) or {}
    group = state.create_group(fields, values)
    return 200, dumps(group.render())


def list_requirement_groups(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/requirement_groups`` (a bare array)."""
    query = request.query
    wanted = {
        name: query.get(_f(name))
        for name in (
            "country_code",
            "phone_number_type",
            "action",
            "status",
            "customer_reference",
        )
    }
    state.settle()
    groups = [
        g.render()
        for g in state.groups
        if all(v is None or getattr(g, k) == v for k, v in wanted.items())
    ]
    return 200, dumps(groups)


def get_requirement_group(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/requirement_groups/{id}`` (a bare object)."""
    group = _by_id(request, state.group, "requirement group")
    return 200, dumps(group.render())


def submit_requirement_group(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``POST /v2/requirement_groups/{id}/submit_for_approval``."""
    group = _by_id(request, state.group, "requirement group")
    state.submit(group)
    return 200, dumps(group.render())


def unknown(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """Any path or method the API does not have."""
    detail = f"no route for {request.method} {request.path}"
    raise TelnyxError(404, entry("10005", detail))
