"""The resource commands: numbers, orders and groups."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from .._client import FlireoClient
from .._models import Order, PhoneNumber, VerificationGroup
from .._pager import AsyncPager
from ._output import console, plain, print_json, print_table


__all__ = ["GROUP_FIELDS", "connect"]

GROUP_FIELDS = (
    "name",
    "business_name",
    "contact_person_first_name",
    "contact_person_last_name",
    "contact_person_phone",
    "street_name",
    "house_number",
    "postal_code",
    "city",
    "province",
)


@asynccontextmanager
async def connect(ns: argparse.Namespace) -> AsyncIterator[FlireoClient]:
    """A client for the API, or for an embedded sandbox with --sandbox."""
    if not getattr(ns, "sandbox", False):
        async with FlireoClient(
            ns.api_key, base_url=ns.base_url, timeout=ns.timeout
        ) as client:
            yield client
        return
    from ..testing.sandbox import Sandbox

    async with (
        Sandbox(
            credits=100_000,
            group_approval_delay=1.0,
            order_completion_delay=0.3,
        ) as sb,
        FlireoClient(
            sb.api_key, base_url=sb.base_url, timeout=ns.timeout
        ) as client,
    ):
        yield client


def _show(ns: argparse.Namespace, value: Any, title: str) -> None:
    if ns.json:
        print_json(value)
        return
    rows = list(plain(value).items())
    print_table(title, ("field", "value"), rows)


async def _take(pager: AsyncPager[Any], limit: int | None) -> list[Any]:
    return await pager.collect(limit=limit)


async def numbers_search(ns: argparse.Namespace) -> int:
    """``flireo numbers search``."""
    async with connect(ns) as client:
        if ns.group:
            found = await client.verification_groups.search_numbers(
                ns.group, query=ns.query, limit=ns.limit
            )
        else:
            found = await client.phone_numbers.search(
                number_type=ns.type, query=ns.query, limit=ns.limit
            )
    if ns.json:
        print_json(found)
    else:
        print_table(
            "Available numbers",
            ("number", "type", "locality", "monthly", "credits"),
            (
                (
                    n.phone_number,
                    n.number_type,
                    n.locality,
                    n.cost.monthly if n.cost else None,
                    n.cost.credits if n.cost else None,
                )
                for n in found
            ),
        )
    return 0


async def numbers_order(ns: argparse.Namespace) -> int:
    """``flireo numbers order``."""
    async with connect(ns) as client:
        receipt = await client.phone_numbers.order(
            ns.phone_number,
            number_type=ns.type,
            verification_group_id=ns.group,
        )
        order = await client.orders.wait(receipt.order_id) if ns.wait else None
    _show(ns, order or receipt, "Order")
    return 0 if order is None or order.status == "success" else 1


async def numbers_list(ns: argparse.Namespace) -> int:
    """``flireo numbers list``."""
    async with connect(ns) as client:
        numbers: list[PhoneNumber] = await _take(
            client.phone_numbers.list(include_default=ns.include_default),
            ns.limit,
        )
    if ns.json:
        print_json(numbers)
    else:
        print_table(
            "Phone numbers",
            ("id", "number", "type", "locality", "assistant", "shared"),
            (
                (
                    n.id,
                    n.phone_number,
                    n.number_type,
                    n.locality,
                    n.linked_assistant,
                    "yes" if n.shared else "",
                )
                for n in numbers
            ),
        )
    return 0


def _order_rows(orders: list[Order]) -> list[tuple[Any, ...]]:
    return [
        (o.id, o.phone_number, o.status, o.number_type, o.ordered_at)
        for o in orders
    ]


async def orders_list(ns: argparse.Namespace) -> int:
    """``flireo orders list``."""
    async with connect(ns) as client:
        orders: list[Order] = await _take(
            client.orders.list(
                status=ns.status,
                number_type=ns.type,
                verification_group_id=ns.group,
            ),
            ns.limit,
        )
    if ns.json:
        print_json(orders)
    else:
        print_table(
            "Orders",
            ("id", "number", "status", "type", "ordered at"),
            _order_rows(orders),
        )
    return 0


async def orders_get(ns: argparse.Namespace) -> int:
    """``flireo orders get``."""
    async with connect(ns) as client:
        order = await client.orders.get(ns.order_id)
    _show(ns, order, "Order")
    return 0


async def orders_wait(ns: argparse.Namespace) -> int:
    """``flireo orders wait``."""
    async with connect(ns) as client:
        with console.status(f"waiting for order {ns.order_id}"):
            order = await client.orders.wait(
                ns.order_id, timeout=ns.wait_timeout
            )
    _show(ns, order, "Order")
    return 0 if order.status == "success" else 1


async def groups_create(ns: argparse.Namespace) -> int:
    """``flireo groups create``."""
    fields = {f: getattr(ns, f) for f in GROUP_FIELDS}
    async with connect(ns) as client:
        group_id = await client.verification_groups.create(
            phone_number_type=ns.type, description=ns.description, **fields
        )
        group: VerificationGroup | None = None
        if ns.wait:
            with console.status("waiting for review"):
                group = await client.verification_groups.wait(group_id)
    if group is not None:
        _show(ns, group, "Verification group")
    elif ns.json:
        print_json({"id": group_id})
    else:
        console.print(group_id)
    return 0


async def groups_list(ns: argparse.Namespace) -> int:
    """``flireo groups list``."""
    async with connect(ns) as client:
        groups: list[VerificationGroup] = await _take(
            client.verification_groups.list(
                status=ns.status, phone_number_type=ns.type
            ),
            ns.limit,
        )
    if ns.json:
        print_json(groups)
    else:
        print_table(
            "Verification groups",
            ("id", "name", "type", "status", "locality", "created"),
            (
                (
                    g.id,
                    g.name,
                    g.phone_number_type,
                    g.status,
                    g.locality,
                    g.created_at,
                )
                for g in groups
            ),
        )
    return 0


async def groups_get(ns: argparse.Namespace) -> int:
    """``flireo groups get``."""
    async with connect(ns) as client:
        group = await client.verification_groups.get(ns.group_id)
    _show(ns, group, "Verification group")
    return 0


async def groups_wait(ns: argparse.Namespace) -> int:
    """``flireo groups wait``."""
    async with connect(ns) as client:
        with console.status(f"waiting for group {ns.group_id}"):
            group = await client.verification_groups.wait(
                ns.group_id, timeout=ns.wait_timeout
            )
    _show(ns, group, "Verification group")
    return 0 if group.status == "approved" else 1
