"""
Flireo's side of the bulk engine: its `Placer` (one
number per order, through the exactly-once ``place_order``) and its
waiter for ``wait=True``.

Waiting: a few orders are read one by one; many are settled by walking
the order list newest first (``recent_orders``, bounded), a hundred per
request, down to the oldest order awaited — so a 10,000-order job costs
about a hundred GETs per round, not ten thousand.  Rounds start fast and
slow down (×1.5, up to 2 s); after the last order is placed the wait is
bounded by the job's ``wait_timeout``, and whatever is still pending is
reported as ordered, with the reason.  A round that fails (the list is
unreadable for a moment) is simply tried again next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._bulk._engine import Doubt, Pending
from ._bulk._journal import Journal
from ._bulk._models import BulkResult, OrderRequest, Outcome
from ._core._once import new_key
from ._core._retry import poll_until
from ._core._telemetry import operation
from ._models import NumberType, Order, OrderReceipt, OrderStatus
from ._ordering import (
    RECONCILE_MAX_PAGES,
    find_orders,
    order_body,
    place_order,
    receipt_from_order,
    recent_orders,
)
from ._orders import Orders
from .exceptions import FlireoError, WaitTimeoutError


if TYPE_CHECKING:
    from ._core._base import BaseClient

__all__ = ["FlireoPlacer", "Settler"]

log = logging.getLogger("flireo_async")
_ONE_BY_ONE = 3


class FlireoPlacer:
    """
    Places one Flireo order per item.

    Args:
        client: The client.
        since: When the job started (reconciliation's floor).
    """

    api = "flireo"
    batch_size = 1

    def __init__(self, client: BaseClient, *, since: datetime) -> None:
        self._client = client
        self._since = since

    def request_of(self, item: OrderRequest) -> OrderRequest:
        """Items are [`OrderRequest`][flireo_async.OrderRequest] already."""
        return item

    def prepare(self, item: OrderRequest) -> tuple[dict[str, str], NumberType]:
        """The validated order body and number type."""
        return order_body(
            item.phone_number, item.number_type, item.verification_group_id
        )

    def new_key(self) -> str:
        """A fresh ``Idempotency-Key``."""
        return new_key()

    @operation("flireo.phone_numbers.order")
    async def place(
        self, batch: Sequence[Pending], key: str
    ) -> Sequence[OrderReceipt]:
        """POST the one order of *batch*, exactly once."""
        (pending,) = batch
        body, kind = pending.prepared
        receipt = await place_order(
            self._client,
            path="/v1/phone-numbers",
            body=body,
            phone_number=pending.request.phone_number,
            number_type=kind,
            verification_group_id=pending.request.verification_group_id,
            idempotency_key=key,
            in_doubt=pending.in_doubt,
        )
        return (receipt,)

    async def reconcile(
        self, doubts: Sequence[Doubt]
    ) -> dict[str, OrderReceipt]:
        """Find the numbers in doubt in the order list."""
        since = min(
            (d.since for d in doubts if d.since is not None),
            default=self._since,
        )
        found = await find_orders(
            self._client, {d.phone_number for d in doubts}, since=since
        )
        return {n: receipt_from_order(o) for n, o in found.items()}


class Settler:
    """
    Polls placed orders to a final status and emits their results.

    Args:
        client: The client.
        since: When the job started (the order-list walk stops before it).
        timeout: Seconds to keep waiting after the last order is placed.
    """

    def __init__(
        self, client: BaseClient, *, since: datetime, timeout: float
    ) -> None:
        self._client = client
        self._floor = since
        self._timeout = timeout
        self._awaiting: dict[
            str, tuple[int, OrderRequest, OrderReceipt, bool]
        ] = {}
        # Every order of the job is newer than the floor, settled or not:
        # the list walk must be allowed to pass them all.
        self._expected = 0
        self._emit: Callable[[BulkResult], Awaitable[Any]] | None = None
        self._journal: Journal | None = None

    def expect(
        self,
        index: int,
        request: OrderRequest,
        receipt: OrderReceipt,
        *,
        since: datetime | None = None,
        resumed: bool = False,
    ) -> None:
        """Await *receipt*'s order (placed at *since*, if it is older)."""
        self._awaiting[receipt.order_id] = (index, request, receipt, resumed)
        self._expected += 1
        if since is not None and since < self._floor:
            self._floor = since

    async def run(
        self,
        placed_all: asyncio.Event,
        emit: Callable[[BulkResult], Awaitable[Any]],
        journal: Journal | None,
    ) -> None:
        """
        Poll until every expected order is final or time runs out.

        Args:
            placed_all: Set once the job has placed its last order.
            emit: Hands a settled result to the job's consumer.
            journal: Where final statuses are recorded, if anywhere.
        """
        self._emit, self._journal = emit, journal
        # While orders are still being placed, each round settles what is
        # final; once the last is placed, the wait has its own limit.
        await poll_until(
            self._round,
            lambda _: placed_all.is_set(),
            timeout=None,
            interval=0.2,
            max_interval=2.0,
        )
        try:
            await poll_until(
                self._round,
                lambda _: not self._awaiting,
                timeout=self._timeout,
                interval=0.2,
                max_interval=2.0,
                what="the job's orders",
            )
        except WaitTimeoutError:
            await self._give_up()

    async def _round(self) -> None:
        if not self._awaiting:
            return
        try:
            await self._poll_round()
        except FlireoError as exc:
            log.info("waiting for orders: a round failed: %s", exc)

    async def _poll_round(self) -> None:
        if len(self._awaiting) <= _ONE_BY_ONE:
            for order_id in list(self._awaiting):
                order = await Orders(self._client).get(order_id)
                # A server answering with another order settles nothing.
                if order.id == order_id and order.is_final:
                    await self._settle(order)
            return
        walk = recent_orders(
            self._client,
            since=self._floor,
            max_pages=RECONCILE_MAX_PAGES + self._expected // 100,
        )
        async with contextlib.aclosing(walk) as orders:
            async for order in orders:
                if order.is_final and order.id in self._awaiting:
                    await self._settle(order)
                if not self._awaiting:
                    return

    async def _settle(self, order: Order) -> None:
        index, request, receipt, resumed = self._awaiting.pop(order.id)
        ok = order.status == OrderStatus.SUCCESS
        if self._journal is not None:
            self._journal.record_done(
                request.phone_number,
                order.id,
                str(order.status),
                None,
                final=True,
            )
        await self._emit_result(
            BulkResult(
                index=index,
                request=request,
                outcome=Outcome.SUCCEEDED if ok else Outcome.FAILED,
                receipt=receipt,
                order=order,
                reason=None if ok else f"the order ended {order.status}",
                resumed=resumed,
            )
        )

    async def _give_up(self) -> None:
        for index, request, receipt, resumed in list(self._awaiting.values()):
            await self._emit_result(
                BulkResult(
                    index=index,
                    request=request,
                    outcome=Outcome.ORDERED,
                    receipt=receipt,
                    reason=f"still pending after waiting {self._timeout:g}s",
                    resumed=resumed,
                )
            )
        self._awaiting.clear()

    async def _emit_result(self, result: BulkResult) -> None:
        assert self._emit is not None  # noqa: S101 - set by run()
        await self._emit(result)
