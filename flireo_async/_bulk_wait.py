"""
Waiting for a bulk job's orders to succeed or fail (``wait=True``).

A few orders are read one by one; many are settled by walking the order
list newest first, a hundred per request, stopping at orders older than
the oldest one awaited — so a 10,000-order job costs about a hundred
GETs per round, not ten thousand.  Rounds start fast and slow down
(×1.5, up to 2 s); after the last order is placed the wait is bounded
by the job's ``wait_timeout``, and whatever is still pending is reported
as ordered, with the reason.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._bulk_models import BulkResult, OrderRequest, Outcome
from ._journal import Journal
from ._models import Order, OrderReceipt, OrderStatus
from ._ordering import CLOCK_SKEW


if TYPE_CHECKING:
    from ._client import FlireoClient

__all__ = ["Settler"]

_ONE_BY_ONE = 3


class Settler:
    """
    Polls placed orders to a final status and emits their results.

    Args:
        client: The client.
        emit: Hands a settled result to the job's consumer.
        since: When the job started (the order-list walk stops before it).
        timeout: Seconds to keep waiting after the last order is placed.
    """

    def __init__(
        self,
        client: FlireoClient,
        *,
        emit: Callable[[BulkResult], Awaitable[Any]],
        since: datetime,
        timeout: float,
    ) -> None:
        self._client = client
        self._emit = emit
        self._floor = since
        self._timeout = timeout
        self._awaiting: dict[str, tuple[int, OrderRequest, OrderReceipt]] = {}
        self.journal: Journal | None = None

    def expect(
        self,
        index: int,
        request: OrderRequest,
        receipt: OrderReceipt,
        *,
        since: datetime | None = None,
    ) -> None:
        """Await *receipt*'s order (placed at *since*, if it is older)."""
        self._awaiting[receipt.order_id] = (index, request, receipt)
        if since is not None and since < self._floor:
            self._floor = since

    async def run(self, placed_all: asyncio.Event) -> None:
        """Poll until every expected order is final or time runs out."""
        deadline: float | None = None
        interval = 0.2
        while True:
            if self._awaiting:
                await self._poll_round()
            if placed_all.is_set():
                if not self._awaiting:
                    return
                if deadline is None:
                    deadline = time.monotonic() + self._timeout
                elif time.monotonic() >= deadline:
                    await self._give_up()
                    return
            await asyncio.sleep(interval)
            interval = min(interval * 1.5, 2.0)

    async def _poll_round(self) -> None:
        if len(self._awaiting) <= _ONE_BY_ONE:
            for order_id in list(self._awaiting):
                order = await self._client.orders.get(order_id)
                if order.is_final:
                    await self._settle(order)
            return
        floor = self._floor - CLOCK_SKEW
        async for page in self._client.orders.list(page_size=100).pages():
            older = bool(page.items)
            for order in page.items:
                if order.ordered_at is None or order.ordered_at >= floor:
                    older = False
                if order.is_final and order.id in self._awaiting:
                    await self._settle(order)
            if older or not self._awaiting:
                return

    async def _settle(self, order: Order) -> None:
        index, request, receipt = self._awaiting.pop(order.id)
        ok = order.status == OrderStatus.SUCCESS
        if self.journal is not None:
            self.journal.record_done(
                request.phone_number,
                order.id,
                str(order.status),
                None,
                final=True,
            )
        await self._emit(
            BulkResult(
                index=index,
                request=request,
                outcome=Outcome.SUCCEEDED if ok else Outcome.FAILED,
                receipt=receipt,
                order=order,
                reason=None if ok else "the order failed; check its group",
            )
        )

    async def _give_up(self) -> None:
        for index, request, receipt in list(self._awaiting.values()):
            await self._emit(
                BulkResult(
                    index=index,
                    request=request,
                    outcome=Outcome.ORDERED,
                    receipt=receipt,
                    reason=f"still pending after waiting {self._timeout:g}s",
                )
            )
        self._awaiting.clear()
