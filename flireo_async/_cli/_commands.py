"""The resource commands: numbers, orders and groups."""

from __future__ import annotations

import argparse
import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from .._client import FlireoClient
from .._core._pager import AsyncPager
from .._groups import VerificationGroups
from .._models import (
    AvailableNumber,
    NumberType,
    Order,
    OrderStatus,
    PhoneNumber,
    VerificationGroup,
    VerificationGroupStatus,
)
from ..exceptions import WaitTimeoutError
from ._output import plain, print_fields, print_json, print_table, spinner
from ._run import TimedOut, UsageError
from ._search import search_many


__all__ = ["GROUP_FIELDS", "connect"]

T = TypeVar("T")

#: The address and contact fields `groups create` asks for: exactly the
#: required keywords of ``verification_groups.create`` (the type has an
#: option of its own), so the command follows the SDK's signature.
GROUP_FIELDS = tuple(
    name
    for name, param in inspect.signature(
        VerificationGroups.create
    ).parameters.items()
    if param.kind is param.KEYWORD_ONLY
    and param.default is param.empty
    and name != "phone_number_type"
)

_NO_KEY = (
    "no API key: set FLIREO_API_KEY or pass --api-key "
    "(or add --sandbox to try any command on a local sandbox)"
)


@asynccontextmanager
async def connect(ns: argparse.Namespace) -> AsyncIterator[FlireoClient]:
    """A client for the API, or for an embedded sandbox with --sandbox."""
    if not ns.sandbox:
        if not (ns.api_key or os.environ.get("FLIREO_API_KEY")):
            raise UsageError(_NO_KEY)
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


async def _waited(
    waiting: Awaitable[T], what: str, timeout: float, again: str
) -> T:
    # A wait that runs out is neither a failure nor a success: its own
    # exit code, and the command that waits again.
    try:
        with spinner(f"waiting for {what}"):
            return await waiting
    except WaitTimeoutError as exc:
        status = getattr(exc.last, "status", None) or "not final"
        msg = (
            f"{what} is still {status} after {timeout:g}s; "
            f"wait again with: {again}"
        )
        raise TimedOut(msg) from None


def _listing(
    ns: argparse.Namespace,
    items: list[T],
    title: str,
    headers: tuple[str, ...],
    row: Callable[[T], tuple[Any, ...]],
) -> int:
    # One shape for every list command: JSON, or a table of one row each.
    if ns.json:
        print_json(items)
    else:
        print_table(title, headers, (row(item) for item in items))
    return 0


async def _wait_and_show(
    ns: argparse.Namespace,
    waiting: Awaitable[Any],
    what: str,
    again: str,
    title: str,
) -> Any:
    value = await _waited(waiting, what, ns.wait_timeout, again)
    _show(ns, value, title)
    return value


def _show(ns: argparse.Namespace, value: Any, title: str) -> None:
    if ns.json:
        print_json(value)
    else:
        print_fields(title, plain(value).items())


async def _take(ns: argparse.Namespace, pager: AsyncPager[T]) -> list[T]:
    return await pager.collect(limit=None if ns.all else ns.limit)


def _available(ns: argparse.Namespace, found: list[AvailableNumber]) -> None:
    _listing(
        ns,
        found,
        "Available numbers",
        ("number", "type", "locality", "monthly", "credits"),
        lambda n: (
            n.phone_number,
            n.number_type,
            n.locality,
            n.cost.monthly if n.cost else None,
            n.cost.credits if n.cost else None,
        ),
    )


async def numbers_search(ns: argparse.Namespace) -> int:
    """``flireo numbers search``."""
    if ns.group and ns.type not in (None, NumberType.LOCAL):
        msg = "--group searches the group's (local) numbers; drop --type"
        raise UsageError(msg)
    if ns.type == NumberType.LOCAL and not ns.group:
        msg = (
            "local numbers are searched through an approved verification "
            "group: pass --group GROUP_ID (see: flireo groups list)"
        )
        raise UsageError(msg)
    limit = None if ns.all else ns.limit
    async with connect(ns) as client:
        if ns.group:
            group = ns.group

            async def search(
                query: str | None, count: int
            ) -> list[AvailableNumber]:
                return await client.verification_groups.search_numbers(
                    group, query=query, limit=count
                )
        else:
            kind = ns.type or NumberType.NATIONAL

            async def search(
                query: str | None, count: int
            ) -> list[AvailableNumber]:
                return await client.phone_numbers.search(
                    number_type=kind, query=query, limit=count
                )

        found = await search_many(search, ns.query, limit)
    _available(ns, found)
    return 0


async def numbers_order(ns: argparse.Namespace) -> int:
    """``flireo numbers order``."""
    kind = ns.type or (NumberType.LOCAL if ns.group else NumberType.NATIONAL)
    async with connect(ns) as client:
        receipt = await client.phone_numbers.order(
            ns.phone_number,
            number_type=kind,
            verification_group_id=ns.group,
        )
        order = None
        if ns.wait:
            order = await _waited(
                client.orders.wait(receipt.order_id, timeout=ns.wait_timeout),
                f"order {receipt.order_id}",
                ns.wait_timeout,
                f"flireo orders wait {receipt.order_id}",
            )
    _show(ns, order or receipt, "Order")
    return 0 if order is None or order.status == OrderStatus.SUCCESS else 1


async def numbers_list(ns: argparse.Namespace) -> int:
    """``flireo numbers list``."""
    async with connect(ns) as client:
        numbers: list[PhoneNumber] = await _take(
            ns, client.phone_numbers.list(include_default=ns.include_default)
        )
    return _listing(
        ns,
        numbers,
        "Phone numbers",
        ("id", "number", "type", "locality", "assistant", "shared"),
        lambda n: (
            n.id,
            n.phone_number,
            n.number_type,
            n.locality,
            n.linked_assistant,
            n.shared,
        ),
    )


async def orders_list(ns: argparse.Namespace) -> int:
    """``flireo orders list``."""
    async with connect(ns) as client:
        orders: list[Order] = await _take(
            ns,
            client.orders.list(
                status=ns.status,
                number_type=ns.type,
                verification_group_id=ns.group,
            ),
        )
    return _listing(
        ns,
        orders,
        "Orders",
        ("id", "number", "status", "type", "ordered at"),
        lambda o: (
            o.id,
            o.phone_number,
            o.status,
            o.number_type,
            o.ordered_at,
        ),
    )


async def orders_get(ns: argparse.Namespace) -> int:
    """``flireo orders get``."""
    async with connect(ns) as client:
        order = await client.orders.get(ns.order_id)
    _show(ns, order, "Order")
    return 0


async def orders_wait(ns: argparse.Namespace) -> int:
    """``flireo orders wait``."""
    async with connect(ns) as client:
        order = await _wait_and_show(
            ns,
            client.orders.wait(ns.order_id, timeout=ns.wait_timeout),
            f"order {ns.order_id}",
            f"flireo orders wait {ns.order_id}",
            "Order",
        )
    return 0 if order.status == OrderStatus.SUCCESS else 1


async def groups_create(ns: argparse.Namespace) -> int:
    """``flireo groups create``."""
    fields = {f: getattr(ns, f) for f in GROUP_FIELDS}
    async with connect(ns) as client:
        group_id = await client.verification_groups.create(
            phone_number_type=ns.type, description=ns.description, **fields
        )
        group: VerificationGroup | None = None
        if ns.wait:
            group = await _waited(
                client.verification_groups.wait(
                    group_id, timeout=ns.wait_timeout
                ),
                f"group {group_id}",
                ns.wait_timeout,
                f"flireo groups wait {group_id}",
            )
    if group is not None:
        _show(ns, group, "Verification group")
        return 0 if group.status == VerificationGroupStatus.APPROVED else 1
    if ns.json:
        print_json({"id": group_id})
    else:
        print(group_id)
    return 0


async def groups_list(ns: argparse.Namespace) -> int:
    """``flireo groups list``."""
    async with connect(ns) as client:
        groups: list[VerificationGroup] = await _take(
            ns,
            client.verification_groups.list(
                status=ns.status, phone_number_type=ns.type
            ),
        )
    return _listing(
        ns,
        groups,
        "Verification groups",
        ("id", "name", "type", "status", "locality", "created"),
        lambda g: (
            g.id,
            g.name,
            g.phone_number_type,
            g.status,
            g.locality,
            g.created_at,
        ),
    )


async def groups_get(ns: argparse.Namespace) -> int:
    """``flireo groups get``."""
    async with connect(ns) as client:
        group = await client.verification_groups.get(ns.group_id)
    _show(ns, group, "Verification group")
    return 0


async def groups_wait(ns: argparse.Namespace) -> int:
    """``flireo groups wait``."""
    async with connect(ns) as client:
        group = await _wait_and_show(
            ns,
            client.verification_groups.wait(
                ns.group_id, timeout=ns.wait_timeout
            ),
            f"group {ns.group_id}",
            f"flireo groups wait {ns.group_id}",
            "Verification group",
        )
    return 0 if group.status == VerificationGroupStatus.APPROVED else 1
