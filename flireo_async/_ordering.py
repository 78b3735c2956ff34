"""
Ordering a number exactly once over an unreliable network.

The API documents no idempotency, and every order charges credits, so the
rules are (API.md §5):

* an attempt that certainly never reached the server (``ConnectError``,
  a 429 answered before processing) is retried by the normal retry path;
* after an ambiguous failure — a timeout or dropped connection after the
  request left, a 5xx, or ``already_in_use`` in answer to a re-send — the
  order list is searched for the number: found means the first attempt
  went through, and its order is returned with ``reconciled=True``;
* only when the list proves the order absent is the POST sent again;
* when the list cannot be read, ``OrderOutcomeUnknownError`` says so
  rather than guessing.

Every attempt carries the same ``Idempotency-Key`` header, harmless where
the server ignores it and decisive where it does not.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, Coroutine
from datetime import UTC, datetime, timedelta
from time import time as _now
from typing import TYPE_CHECKING, Any

from ._core._converter import structure
from ._core._once import exactly_once, new_key
from ._core._resource import data_of
from ._core._validation import check_e164, check_id
from ._models import NumberType, Order, OrderReceipt, check_number_type
from ._orders import Orders
from .exceptions import (
    ConnectError,
    FlireoError,
    ResponseDecodeError,
    ServerError,
    TransportError,
    ValidationError,
)


if TYPE_CHECKING:
    from ._core._base import BaseClient

__all__ = [
    "RECONCILE_MAX_PAGES",
    "find_orders",
    "order_body",
    "place_order",
    "receipt_from_order",
    "recent_orders",
]

# Orders placed this long before the call started may be matched too:
# the server's clock is not ours.
CLOCK_SKEW = timedelta(minutes=5)
_RECONCILE_PAGE = 100
# A str enum hashes as its value: one lookup takes "local" and LOCAL.
_NUMBER_TYPES: dict[object, NumberType] = {k.value: k for k in NumberType}
# An enum member's .value goes through a descriptor: a dict is cheaper.
_WIRE_NAMES: dict[NumberType, str] = {k: k.value for k in NumberType}
#: Pages of a hundred orders a reconciliation reads at most.
RECONCILE_MAX_PAGES = 50


def order_body(
    phone_number: object,
    number_type: object,
    verification_group_id: object,
) -> tuple[dict[str, str], NumberType]:
    """
    Validate an order and build its ``POST /v1/phone-numbers`` body.

    Returns:
        The body and the number type.

    Raises:
        ValidationError: A bad field, or a local number without a group.
    """
    check_e164("phone_number", phone_number)
    try:
        kind = _NUMBER_TYPES[number_type]
    except (KeyError, TypeError):
        kind = check_number_type("number_type", number_type)
    body: dict[str, str] = {
        "phone_number": str(phone_number),
        "number_type": _WIRE_NAMES[kind],
    }
    if verification_group_id is not None:
        body["verification_group_id"] = check_id(
            "verification_group_id", verification_group_id
        )
    elif kind == NumberType.LOCAL:
        msg = "local numbers need an approved verification group's id"
        raise ValidationError("verification_group_id", msg)
    return body, kind


def receipt_from_order(order: Order) -> OrderReceipt:
    """An [`OrderReceipt`][flireo_async.OrderReceipt] for an order found in the
    order list."""
    return OrderReceipt(
        order_id=order.id,
        phone_number=order.phone_number,
        number_type=order.number_type,
        status=order.status,
        verification_group=order.verification_group,
        reconciled=True,
    )


async def recent_orders(
    client: BaseClient,
    *,
    since: datetime,
    number_type: NumberType | None = None,
    verification_group_id: str | None = None,
    max_pages: int = RECONCILE_MAX_PAGES,
) -> AsyncGenerator[Order, None]:
    """
    Walk the order list newest first, down to orders placed at *since*.

    The one walk behind reconciliation and bulk waiting.  It is bounded
    three ways, so no server answer can keep it going: the pager's own
    progress checks, *max_pages*, and the retry policy's deadline.

    Args:
        client: The client.
        since: Orders placed before this (less the clock skew) end it.
        number_type: Narrow the list by type.
        verification_group_id: Narrow the list by group.
        max_pages: Most pages of a hundred orders to read.

    Yields:
        Each order placed after the floor, newest first.

    Raises:
        FlireoError: The list could not be read to its floor within the
            bounds (or a page failed).
    """
    try:
        floor = since - CLOCK_SKEW
    except OverflowError:
        # A start time from a damaged journal near datetime.min.
        floor = datetime.min.replace(tzinfo=UTC)
    budget = client.retry_policy.deadline
    started = time.monotonic()
    pager = Orders(client).list(
        number_type=number_type,
        verification_group_id=verification_group_id,
        page_size=_RECONCILE_PAGE,
    )
    read = 0
    async with contextlib.aclosing(pager.pages()) as pages:
        async for page in pages:
            read += 1
            if read > max_pages or (
                budget is not None and time.monotonic() - started > budget
            ):
                msg = (
                    f"the order list was still newer than "
                    f"{floor.isoformat()} after {read - 1} pages; gave up"
                )
                raise FlireoError(msg)
            all_older = bool(page.items)
            for order in page.items:
                placed = order.ordered_at
                if placed is not None and placed < floor:
                    continue
                all_older = False
                yield order
            # Newest first: a page of nothing but older orders means
            # ours cannot be further down.
            if all_older:
                return


async def find_orders(
    client: BaseClient,
    phone_numbers: set[str],
    *,
    since: datetime,
    number_type: NumberType | None = None,
    verification_group_id: str | None = None,
) -> dict[str, Order]:
    """
    Look numbers up in the order list, newest first.

    Args:
        client: The client.
        phone_numbers: Numbers to find.
        since: Only orders placed after this (less the clock skew) count.
        number_type: Narrow the list by type.
        verification_group_id: Narrow the list by group.

    Returns:
        The newest matching order per number found.

    Raises:
        FlireoError: The list could not be read (see
            `recent_orders()` for its bounds).
    """
    found: dict[str, Order] = {}
    walk = recent_orders(
        client,
        since=since,
        number_type=number_type,
        verification_group_id=verification_group_id,
    )
    async with contextlib.aclosing(walk) as orders:
        async for order in orders:
            if order.phone_number in phone_numbers:
                found.setdefault(order.phone_number, order)
                if len(found) == len(phone_numbers):
                    break
    return found


async def place_order(
    client: BaseClient,
    *,
    path: str,
    body: dict[str, str],
    phone_number: str,
    number_type: NumberType,
    verification_group_id: str | None,
    idempotency_key: str | None = None,
    in_doubt: bool = False,
) -> OrderReceipt:
    """
    POST an order and make sure it happened exactly once.

    Args:
        client: The client.
        path: The ordering endpoint.
        body: The validated JSON body.
        phone_number: The number being ordered.
        number_type: Its type (narrows reconciliation).
        verification_group_id: Its group (narrows reconciliation).
        idempotency_key: Key for every attempt; generated if ``None``.
        in_doubt: An earlier run may have placed this order already.

    Returns:
        The receipt, ``reconciled=True`` if it came from the order list.

    Raises:
        OrderOutcomeUnknownError: Whether the order exists cannot be told.
        FlireoError: The order certainly was not placed.
    """
    key = idempotency_key or new_key()
    headers = {"Idempotency-Key": key}
    # A float now, the datetime only if the order list is ever read.
    started = _now()

    def post() -> Coroutine[Any, Any, Any]:
        return client._call(
            "POST", path, json=body, extra_headers=headers, repeatable=False
        )

    async def send() -> OrderReceipt:
        return structure(data_of(await post()), OrderReceipt)

    failed: FlireoError | None = None
    if not in_doubt:
        # The success path, without the reconciliation machinery (or a
        # frame of its own: most orders are placed by their first answer).
        try:
            return structure(data_of(await post()), OrderReceipt)
        except ConnectError:
            raise
        except (TransportError, ServerError, ResponseDecodeError) as exc:
            failed = exc  # ambiguous: exactly_once looks it up first

    async def find() -> OrderReceipt | None:
        found = await find_orders(
            client,
            {phone_number},
            since=datetime.fromtimestamp(started, UTC),
            number_type=number_type,
            verification_group_id=verification_group_id,
        )
        order = found.get(phone_number)
        return None if order is None else receipt_from_order(order)

    return await exactly_once(
        send,
        find,
        max_sends=client.retry_policy.max_attempts,
        subject=phone_number,
        key=key,
        in_doubt=in_doubt,
        failed=failed,
    )
