"""
The Telnyx v2 endpoints of the sandbox: parameter checks and bodies.

Each handler is ``(state, request, body) -> (status, bytes)`` and raises
`TelnyxError` for a documented error; auth, rate limits, faults and the
request log happen around them in `_pipeline`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from aiohttp import web

from .._core._pipeline import Body, Handler
from ..flireo._wire import dumps
from ._entities import NumberRecord, OrderRecord
from ._inventory import Search
from ._state import OrderItem, TelnyxState
from ._wire import (
    ACTIONS,
    E164,
    FEATURES,
    NUMBER_TYPES,
    ORDER_STATUSES,
    PHONE_NUMBER_STATUSES,
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
    refusal,
    requirement_values,
)


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


def _paged(
    query: Mapping[str, str],
    records: Iterable[_R],
    render: Callable[[_R], dict[str, Any]],
) -> tuple[int, bytes]:
    """
    One page of a list (``page[number]``, ``page[size]``: default 20,
    at most 250), with the documented ``meta``.
    """
    number = int_param(query, "page[number]", 1, 1, 1_000_000)
    size = int_param(query, "page[size]", 20, 1, 250)
    first = (number - 1) * size
    page: list[dict[str, Any]] = []
    total = 0
    for record in records:
        if first <= total < first + size:
            page.append(render(record))
        total += 1
    return 200, dumps(
        {
            "data": page,
            "meta": {
                "total_pages": math.ceil(total / size),
                "total_results": total,
                "page_number": number,
                "page_size": size,
            },
        }
    )


def _required_values(body: Body) -> dict[str, str]:
    # The values a PATCH of requirements must carry: 422 10004 without.
    values = requirement_values(body or {})
    if values is None:
        detail = "regulatory_requirements is required"
        raise TelnyxError(
            422, entry("10004", detail, pointer="/regulatory_requirements")
        )
    return values


def _requirement_group_id(body: Body) -> object:
    # The id a POST .../requirement_group names; checked by the state.
    return (body or {}).get("requirement_group_id")


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
        raise refusal(*errors)
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
    state.settle()
    matches = (
        o
        for o in reversed(state.orders)
        if (status is None or o.status == status)
        # Exact match: a reference is an idempotency token, not a search.
        and (reference is None or o.customer_reference == reference)
        and (after is None or o.created > after)
        and (before is None or o.created < before)
        and (count is None or len(o.numbers) == count)
        and (met is None or o.requirements_met == met)
    )
    return _paged(query, matches, OrderRecord.item)


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
    subs = (
        s
        for o in reversed(state.orders)
        if parent is None or o.id == parent
        for s in o.subs
        if (status is None or s.status == status)
        and (country is None or s.country == country)
        and (kind is None or s.number_type == kind)
        and (count is None or len(s.numbers) == count)
    )
    return _paged(query, subs, lambda s: s.detail(include_numbers=include))


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
    state.supply(sub.numbers, _required_values(body))
    return 200, dumps({"data": sub.detail()})


def cancel_sub_number_order(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``PATCH /v2/sub_number_orders/{id}/cancel``."""
    sub = _by_id(request, state.sub_order, "sub number order")
    state.cancel(sub)
    return 200, dumps({"data": sub.detail()})


def sub_number_order_requirement_group(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``POST /v2/sub_number_orders/{id}/requirement_group``."""
    sub = _by_id(request, state.sub_order, "sub number order")
    state.attach_group(sub.numbers, _requirement_group_id(body))
    return 200, dumps({"data": sub.detail(include_numbers=True)})


# -- per-number view ----------------------------------------------------------


def list_number_order_phone_numbers(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/number_order_phone_numbers`` (newest order first)."""
    query = request.query
    country = query.get(_f("country_code"))
    state.settle()
    numbers = (
        n
        for o in reversed(state.orders)
        for n in o.numbers
        if country is None or n.spec.country == country
    )
    return _paged(query, numbers, NumberRecord.detail)


def get_number_order_phone_number(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/number_order_phone_numbers/{id}``."""
    number = _by_id(request, state.number, "number order phone number")
    return 200, dumps({"data": number.detail()})


def update_number_order_phone_number(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``PATCH /v2/number_order_phone_numbers/{id}``."""
    number = _by_id(request, state.number, "number order phone number")
    state.supply([number], _required_values(body))
    return 200, dumps({"data": number.detail()})


def number_order_phone_number_requirement_group(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``POST /v2/number_order_phone_numbers/{id}/requirement_group``."""
    number = _by_id(request, state.number, "number order phone number")
    state.attach_group([number], _requirement_group_id(body))
    return 200, dumps({"data": number.detail()})


# -- the account's numbers ----------------------------------------------------


def _digits_filter(query: Mapping[str, str]) -> str | None:
    # filter[phone_number]: at least three digits (a leading + allowed);
    # any other character finds nothing, as Telnyx documents.
    raw = query.get(_f("phone_number"))
    if raw is None:
        return None
    digits = raw.removeprefix("+")
    if len(digits) < 3:
        raise bad_request(
            "filter[phone_number] needs at least three digits",
            parameter=_f("phone_number"),
        )
    return digits


_SORTS = {
    "purchased_at": lambda n: n.order.created_at,
    "phone_number": lambda n: n.phone_number,
}


def list_phone_numbers(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/phone_numbers``: every number an order placed that did
    not fail or end (newest first unless ``sort`` says otherwise)."""
    query = request.query
    digits = _digits_filter(query)
    status = enum_param(query, _f("status"), PHONE_NUMBER_STATUSES)
    kind = enum_param(query, "filter[number_type][eq]", NUMBER_TYPES)
    source = enum_param(query, _f("source"), ("ported", "purchased"))
    countries = set(list_param(request, _f("country_iso_alpha2")))
    exact = {
        name: query.get(_f(name))
        for name in ("customer_reference", "connection_id", "billing_group_id")
    }
    sort = enum_param(
        query,
        "sort",
        ("purchased_at", "phone_number", "connection_name",
         "usage_payment_method"),
    )  # fmt: skip
    ascii_digits = digits is None or (digits.isascii() and digits.isdigit())
    if source == "ported" or not ascii_digits:
        return _paged(query, (), NumberRecord.account)
    numbers: Iterable[NumberRecord] = (
        n
        for n in state.account_numbers()
        if (digits is None or digits in n.phone_number)
        and (status is None or n.account_status == status)
        and (kind is None or n.spec.number_type == kind)
        and (not countries or n.spec.country in countries)
        and all(
            want is None
            # 'null' asks for numbers without one, as Telnyx documents.
            or getattr(n.order, name) == (None if want == "null" else want)
            for name, want in exact.items()
        )
    )
    key = _SORTS.get(sort or "")
    if key is not None:
        numbers = sorted(numbers, key=key)
    return _paged(query, numbers, NumberRecord.account)


def get_phone_number(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v2/phone_numbers/{id}``."""
    number = _by_id(request, state.phone_number, "phone number")
    return 200, dumps({"data": number.account()})


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
        raise refusal(*errors)
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


def update_requirement_group(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``PATCH /v2/requirement_groups/{id}`` (a bare object)."""
    group = _by_id(request, state.group, "requirement group")
    given = body or {}
    reference = optional_text(given, "customer_reference")
    state.update_group(group, reference, requirement_values(given))
    return 200, dumps(group.render())


def delete_requirement_group(
    state: TelnyxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``DELETE /v2/requirement_groups/{id}`` (the deleted bare object)."""
    group = _by_id(request, state.group, "requirement group")
    state.delete_group(group)
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
    """
    Any path or method the sandbox does not serve: a 501, never the 404
    of a missing resource, so that a client can tell the two apart.
    """
    detail = (
        f"The sandbox does not serve {request.method} {request.path}; "
        "see flireo_async.testing.sandbox.TELNYX_ROUTES"
    )
    error = TelnyxError(
        501, entry("10007", detail, title="Not served by the sandbox")
    )
    # Retrying cannot help; the official SDK obeys this header.
    error.headers = {"x-should-retry": "false"}
    raise error
