"""
The documented ``/v1`` endpoints: parameter checks and answer bodies.

Each handler is a plain function ``(state, request, body) -> (status,
bytes)`` that raises `ApiError` for a documented error.  Authentication,
rate limiting, faults and logging happen around them in `_pipeline`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

from aiohttp import web

from .._core._params import (
    GROUP_FIELDS,
    GROUP_STATUSES,
    NUMBER_TYPES,
    ORDER_STATUSES,
    body_fields,
    digits_param,
    enum_param,
    int_param,
    phone_number_field,
)
from .._core._pipeline import Body
from ._entities import Group, Order
from ._inventory import features_for
from ._state import SandboxState
from ._wire import ORDER_COST, ApiError, dumps, invalid, page_newest_first


_COST = {"monthly": "2.00", "currency": "EUR", "credits": ORDER_COST}


def _available(
    numbers: list[str], number_type: str, locality: str | None, verify: bool
) -> bytes:
    return dumps(
        {
            "data": [
                {
                    "phone_number": n,
                    "number_type": number_type,
                    "locality": locality,
                    "features": features_for(n, number_type),
                    "cost": _COST,
                    "reservable": True,
                }
                for n in numbers
            ],
            "meta": {
                "total_results": len(numbers),
                "number_type": number_type,
                "requires_verification": verify,
            },
        }
    )


def search_numbers(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v1/phone-numbers/available``."""
    query = request.query
    number_type = query.get("number_type", "national")
    if number_type == "local":
        raise invalid(
            "number_type",
            "Local numbers need an approved verification group: use "
            "/v1/verification-groups/{id}/available-phone-numbers",
        )
    enum_param(query, "number_type", ("national", "mobile"))
    limit = int_param(query, "limit", 20, 1, 50)
    found = state.search(number_type, None, digits_param(query), limit)
    return 200, _available(found, number_type, None, False)


def search_group_numbers(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v1/verification-groups/{id}/available-phone-numbers``."""
    query = request.query
    limit = int_param(query, "limit", 20, 1, 50)
    digits = digits_param(query)
    group = state.group(request.match_info["id"], approved=True)
    number_type = group.phone_number_type
    locality = group.locality if number_type == "local" else None
    found = state.search(number_type, locality, digits, limit)
    return 200, _available(
        found, number_type, locality, number_type == "local"
    )


# -- owned numbers and orders ------------------------------------------------


class _Listed(Protocol):
    # A record of a paged list: owned numbers, orders, groups.
    def item(self) -> dict[str, Any]: ...


_L = TypeVar("_L", bound=_Listed)


def _paging(query: Mapping[str, str], default_limit: int) -> tuple[int, int]:
    # Every paged list caps limit at 100; only the default differs.
    limit = int_param(query, "limit", default_limit, 1, 100)
    return limit, int_param(query, "offset", 0, 0)


def _page(
    records: list[_L],
    matches: Iterable[_L] | None,
    limit: int,
    offset: int,
    **extra: Any,
) -> tuple[int, bytes]:
    # The paged list body: data, then any *extra* lists, then meta.
    page, total = page_newest_first(records, matches, limit, offset)
    return 200, dumps(
        {
            "data": [r.item() for r in page],
            **extra,
            "meta": {"total": total, "limit": limit, "offset": offset},
        }
    )


def _receipt(
    state: SandboxState, order: Order, group: Group | None = None
) -> tuple[int, bytes]:
    # The 201 of both order POSTs.  Only the group route names its group:
    # POST /v1/phone-numbers does not echo verification_group_id back.
    data: dict[str, Any] = {
        "order_id": order.id,
        "phone_number": order.phone_number,
        "number_type": order.number_type,
        "status": order.status,
    }
    if group is not None:
        data["verification_group"] = {"id": group.id, "name": group.name}
    data["credits_used"] = ORDER_COST
    data["remaining_credits"] = state.credits
    return 201, dumps({"message": "Phone number ordered", "data": data})


def list_numbers(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v1/phone-numbers``."""
    query = request.query
    include = query.get("include_default", "false")
    if include not in ("true", "false"):
        raise invalid(
            "include_default", 'include_default must be "true" or "false"'
        )
    limit, offset = _paging(query, 50)
    state.settle()
    shared = state.shared if include == "true" else []
    return _page(
        state.numbers,
        None,
        limit,
        offset,
        shared_numbers=[n.shared_item() for n in shared],
    )


def order_number(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``POST /v1/phone-numbers``."""
    fields = body_fields(body)
    number = phone_number_field(fields)
    number_type = enum_param(fields, "number_type", NUMBER_TYPES)
    number_type = number_type or "national"
    group_id = fields.get("verification_group_id")
    if group_id is not None and (
        not isinstance(group_id, str) or not group_id
    ):
        raise invalid(
            "verification_group_id", "verification_group_id must be a uuid"
        )
    if number_type == "local" and group_id is None:
        raise invalid(
            "verification_group_id",
            "verification_group_id is required for local numbers",
        )
    group = None
    if group_id is not None:
        group = state.group(group_id, approved=True)
        if group.phone_number_type != number_type:
            raise invalid(
                "verification_group_id",
                f"the verification group covers {group.phone_number_type} "
                f"numbers, not {number_type}",
            )
    order = state.place_order(number, number_type, group)
    return _receipt(state, order)


def order_group_number(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``POST /v1/verification-groups/{id}/order-number``."""
    group = state.group(request.match_info["id"], approved=True)
    number = phone_number_field(body_fields(body))
    order = state.place_order(number, group.phone_number_type, group)
    return _receipt(state, order, group)


def list_orders(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v1/phone-number-orders``."""
    query = request.query
    status = enum_param(query, "status", ORDER_STATUSES)
    number_type = enum_param(query, "number_type", NUMBER_TYPES)
    group_id = query.get("verification_group_id")
    limit, offset = _paging(query, 20)
    state.settle()
    matches = None
    if status is not None or number_type is not None or group_id is not None:
        matches = (
            o
            for o in reversed(state.orders)
            if (status is None or o.status == status)
            and (number_type is None or o.number_type == number_type)
            and (
                group_id is None
                or (o.group is not None and o.group.id == group_id)
            )
        )
    return _page(state.orders, matches, limit, offset)


def get_order(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v1/phone-number-orders/{id}``."""
    return 200, state.order(request.match_info["id"]).detail_body()


# -- verification groups ------------------------------------------------------


def create_group(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``POST /v1/verification-groups``."""
    given = body_fields(body)
    fields: dict[str, str] = {}
    # The documented schema: every field a string, the required ones
    # with minLength 1 (so " " is accepted, as the API's schema does).
    for name in GROUP_FIELDS:
        value = given.get(name)
        if value is None:
            raise invalid(name, f"{name} is required")
        if not isinstance(value, str):
            raise invalid(name, f"{name} must be a string")
        if not value:
            raise invalid(name, f"{name} must not be empty")
        fields[name] = value
    enum_param(fields, "phone_number_type", NUMBER_TYPES)
    description = given.get("description")
    if description is not None:
        if not isinstance(description, str):
            raise invalid("description", "description must be a string")
        fields["description"] = description
    group = state.create_group(fields)
    return 201, dumps(
        {
            "message": "Verification group created",
            "data": {"requirement_group_id": group.id},
        }
    )


def list_groups(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v1/verification-groups``."""
    query = request.query
    status = enum_param(query, "status", GROUP_STATUSES)
    number_type = enum_param(query, "phone_number_type", NUMBER_TYPES)
    limit, offset = _paging(query, 20)
    matches = state.groups_matching(status, number_type)
    return _page(state.groups, matches, limit, offset)


def get_group(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v1/verification-groups/{id}``."""
    group = state.group(request.match_info["id"])
    return 200, dumps({"data": group.detail()})


def unknown_route(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """Any path or method the API does not have."""
    raise ApiError(
        404,
        "not_found",
        f"No route for {request.method} {request.path}",
        {"method": request.method, "path": request.path},
    )
