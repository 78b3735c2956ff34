"""
Bulk ordering from Telnyx: many numbers per order, several orders at once.

Telnyx takes many numbers in one ``POST /number_orders``, so the job cuts
the input into orders of ``numbers_per_order`` and places them through
the same exactly-once ``create`` (one ``customer_reference`` per order)
and the same adaptive window as ``FlireoClient.bulk_order``.  Every input
number still gets exactly one outcome, in input order.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._bulk_models import (
    BulkProgress,
    BulkReport,
    BulkResult,
    OrderRequest,
    Outcome,
)
from .._flow import AdaptiveWindow
from .._models import OrderReceipt
from .._validation import check_e164
from ..exceptions import ConfigurationError, FlireoError
from ._models import NumberOrder


if TYPE_CHECKING:
    from ._client import TelnyxClient

__all__ = ["telnyx_bulk_order"]

_Item = tuple[int, OrderRequest, dict[str, str]]


def _entry(item: str | Mapping[str, str]) -> dict[str, str]:
    return {"phone_number": item} if isinstance(item, str) else dict(item)


async def telnyx_bulk_order(
    client: TelnyxClient,
    numbers: Iterable[str | Mapping[str, str]],
    *,
    numbers_per_order: int,
    concurrency: int,
    order_options: Mapping[str, str | None],
    on_progress: Callable[[BulkProgress], Any] | None,
) -> BulkReport:
    """The engine behind ``TelnyxClient.bulk_order``."""
    if not 1 <= numbers_per_order <= 1000:
        msg = "numbers_per_order must be between 1 and 1000"
        raise ConfigurationError(msg)
    if not 1 <= concurrency <= 100:
        msg = "concurrency must be between 1 and 100"
        raise ConfigurationError(msg)
    started = time.monotonic()
    results: list[BulkResult] = []
    seen: dict[str, int] = {}
    batch: list[_Item] = []
    window = AdaptiveWindow(concurrency)
    tasks: set[asyncio.Task[None]] = set()
    run_id = uuid.uuid4().hex[:12]

    def settle(result: BulkResult) -> None:
        results.append(result)
        if on_progress is not None:
            counts = {o: 0 for o in Outcome}
            for r in results:
                counts[r.outcome] += 1
            on_progress(
                BulkProgress(
                    completed=len(results),
                    ordered=counts[Outcome.ORDERED],
                    failed=counts[Outcome.FAILED],
                    skipped=counts[Outcome.SKIPPED],
                    in_flight=window.in_flight,
                    concurrency=int(window.limit),
                )
            )

    async def place(items: list[_Item], number: int) -> None:
        try:
            order = await client.number_orders.create(
                phone_numbers=[entry for _, _, entry in items],
                customer_reference=f"flireo-async:{run_id}:{number}",
                **order_options,
            )
        except FlireoError as exc:
            for index, request, _ in items:
                settle(
                    BulkResult(
                        index=index,
                        request=request,
                        outcome=Outcome.FAILED,
                        error=exc,
                    )
                )
        else:
            for index, request, _ in items:
                settle(
                    BulkResult(
                        index=index,
                        request=request,
                        outcome=Outcome.ORDERED,
                        receipt=_receipt(order, request.phone_number),
                    )
                )
        finally:
            window.release()

    async def flush(number: int) -> None:
        items = list(batch)
        batch.clear()
        await window.acquire()
        task = asyncio.create_task(place(items, number))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    client._listeners.append(window.on_status)
    orders = 0
    try:
        for index, item in enumerate(numbers):
            entry = _entry(item)
            number = str(entry.get("phone_number"))
            request = OrderRequest(phone_number=number, number_type="")
            try:
                check_e164("phone_number", entry.get("phone_number"))
            except FlireoError as exc:
                settle(
                    BulkResult(
                        index=index,
                        request=request,
                        outcome=Outcome.FAILED,
                        error=exc,
                    )
                )
                continue
            first = seen.setdefault(number, index)
            if first != index:
                settle(
                    BulkResult(
                        index=index,
                        request=request,
                        outcome=Outcome.SKIPPED,
                        reason=f"duplicate of item {first}",
                    )
                )
                continue
            batch.append((index, request, entry))
            if len(batch) >= numbers_per_order:
                await flush(orders)
                orders += 1
        if batch:
            await flush(orders)
        while tasks:
            await asyncio.gather(*list(tasks))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        client._listeners.remove(window.on_status)
    results.sort(key=lambda r: r.index)
    return BulkReport(
        results=tuple(results),
        elapsed=time.monotonic() - started,
        credits_used=0,
    )


def _receipt(order: NumberOrder, phone_number: str) -> OrderReceipt:
    status = order.status
    kind = None
    for number in order.phone_numbers:
        if number.phone_number == phone_number:
            status = number.status or status
            kind = number.phone_number_type
            break
    return OrderReceipt(
        order_id=order.id,
        phone_number=phone_number,
        number_type=kind,
        status=status,
        reconciled=order.reconciled,
    )
