"""
The bulk-order engine: many orders, concurrently, each exactly once.

Strategy: one producer walks the input lazily and starts a worker per
item only when the adaptive window has room, so a 100,000-item job holds
the state of its window, not of its input.  Workers place orders through
the same exactly-once path as ``phone_numbers.order``; the journal (when
given) makes every intent durable before its POST.  Results flow through
a bounded queue, which is what pushes back on the producer when the
consumer of ``bulk_order_iter`` is slow.

Flow control (``_flow``): an AIMD window with slow start, and a credit
budget read from each receipt's ``remaining_credits``.  A 402 — or a
balance that affords no further order — stops new submissions at once;
items already in flight finish, the rest are reported skipped.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._bulk_models import BulkProgress, BulkResult, OrderRequest, Outcome
from ._bulk_wait import Settler
from ._flow import AdaptiveWindow, CreditBudget
from ._journal import Journal, JournalEntry
from ._models import NumberType, OrderReceipt, OrderStatus
from ._ordering import find_orders, order_body, place_order
from ._ratelimit import RateGate
from .exceptions import (
    ConfigurationError,
    FlireoError,
    InsufficientCreditsError,
    OrderOutcomeUnknownError,
)


if TYPE_CHECKING:
    from ._client import FlireoClient

__all__ = ["BulkJob"]

_DONE = object()


class BulkJob:
    """One run of ``bulk_order``; see ``FlireoClient.bulk_order``."""

    def __init__(
        self,
        client: FlireoClient,
        *,
        concurrency: int,
        journal: str | Path | None,
        wait: bool,
        wait_timeout: float,
        rate_limit: float | None,
        on_progress: Callable[[BulkProgress], Any] | None,
    ) -> None:
        if not 1 <= concurrency <= 1000:
            msg = f"concurrency must be between 1 and 1000, got {concurrency}"
            raise ConfigurationError(msg)
        self._client = client
        self._window = AdaptiveWindow(concurrency)
        self._budget = CreditBudget()
        self._journal_path = journal
        self._journal: Journal | None = None
        self._wait = wait
        self._wait_timeout = wait_timeout
        self._gate = RateGate(rate_limit, max_wait=0) if rate_limit else None
        self._on_progress = on_progress
        self._queue: asyncio.Queue[Any] = asyncio.Queue(
            maxsize=max(64, concurrency * 2)
        )
        self._stop_reason: str | None = None
        self._placed_all = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = datetime.now(UTC)
        self._settler = Settler(
            client,
            emit=self._queue.put,
            since=self._started,
            timeout=wait_timeout,
        )
        self._counts = dict.fromkeys(Outcome, 0)

    # -- the consumer side -------------------------------------------------

    async def results(
        self, requests: Iterable[OrderRequest] | AsyncIterable[OrderRequest]
    ) -> AsyncIterator[BulkResult]:
        """Run the job, yielding each result as it is settled."""
        self._client._listeners.append(self._window.on_status)
        producer: asyncio.Task[None] | None = None
        waiter: asyncio.Task[None] | None = None
        try:
            previous = await self._open_journal()
            self._settler.journal = self._journal
            producer = asyncio.create_task(self._produce(requests, previous))
            if self._wait:
                waiter = asyncio.create_task(self._wait_for_final())
            while True:
                item = await self._queue.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                self._count(item)
                yield item
        finally:
            pending = [t for t in (producer, waiter) if t is not None]
            pending += list(self._tasks)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            self._client._listeners.remove(self._window.on_status)
            if self._journal is not None:
                await self._journal.aclose()

    def _count(self, result: BulkResult) -> None:
        self._counts[result.outcome] += 1
        if self._on_progress is not None:
            c = self._counts
            self._on_progress(
                BulkProgress(
                    completed=sum(c.values()),
                    ordered=c[Outcome.ORDERED] + c[Outcome.SUCCEEDED],
                    failed=c[Outcome.FAILED],
                    skipped=c[Outcome.SKIPPED],
                    in_flight=self._window.in_flight,
                    concurrency=int(self._window.limit),
                )
            )

    # -- journal and reconciliation -----------------------------------------

    async def _wait_for_final(self) -> None:
        try:
            await self._settler.run(self._placed_all)
            await self._queue.put(_DONE)
        except Exception as exc:
            # Raised in the consumer's task, where the caller can see it.
            await self._queue.put(exc)

    async def _open_journal(self) -> dict[str, JournalEntry]:
        if self._journal_path is None:
            return {}
        self._journal = Journal(self._journal_path)
        previous = self._journal.previous
        in_doubt = {n for n, e in previous.items() if e.state == "intent"}
        if not in_doubt:
            return previous
        since = min(
            (
                e.since
                for n, e in previous.items()
                if n in in_doubt and e.since
            ),
            default=self._started,
        )
        try:
            found = await find_orders(self._client, in_doubt, since=since)
        except FlireoError as exc:
            # Nothing in doubt may be re-sent while the list is unreadable.
            for number in in_doubt:
                previous[number].state = "unknown"
                previous[number].status = str(exc)
            return previous
        for number, order in found.items():
            entry = previous[number]
            entry.state, entry.order_id = "done", order.id
            entry.status = str(order.status)
            self._journal.record_done(number, order.id, entry.status, None)
        return previous

    # -- the producer and its workers --------------------------------------

    async def _produce(
        self,
        requests: Iterable[OrderRequest] | AsyncIterable[OrderRequest],
        previous: dict[str, JournalEntry],
    ) -> None:
        try:
            seen: dict[str, int] = {}
            index = 0
            async for request in _aiter(requests):
                await self._dispatch(index, request, seen, previous)
                index += 1
            while self._tasks:
                await asyncio.gather(*list(self._tasks))
            self._placed_all.set()
            if not self._wait:
                await self._queue.put(_DONE)
        except Exception as exc:
            # Raised in the consumer's task, where the caller can see it.
            await self._queue.put(exc)

    async def _dispatch(
        self,
        index: int,
        request: OrderRequest,
        seen: dict[str, int],
        previous: dict[str, JournalEntry],
    ) -> None:
        number = request.phone_number
        first = seen.setdefault(number, index)
        if first != index:
            await self._emit_skip(index, request, f"duplicate of item {first}")
            return
        entry = previous.get(number)
        if entry is not None and entry.state in ("done", "final"):
            await self._resume(index, request, entry)
            return
        if entry is not None and entry.state == "unknown":
            error = OrderOutcomeUnknownError(
                f"an earlier run may have ordered {number} and the order "
                f"list could not be read: {entry.status}",
                phone_number=number,
                idempotency_key=entry.idempotency_key or "",
            )
            await self._queue.put(
                BulkResult(
                    index=index,
                    request=request,
                    outcome=Outcome.FAILED,
                    error=error,
                )
            )
            return
        try:
            order = order_body(
                number, request.number_type, request.verification_group_id
            )
        except FlireoError as exc:
            # Bad input takes no window place and no credit budget.
            await self._queue.put(
                BulkResult(
                    index=index,
                    request=request,
                    outcome=Outcome.FAILED,
                    error=exc,
                )
            )
            return
        await self._admit()
        if self._stop_reason is not None:
            await self._emit_skip(index, request, self._stop_reason)
            return
        # An intent left by an earlier run means that run may have placed
        # the order: an "already in use" answer must then be reconciled.
        in_doubt = entry is not None and entry.state == "intent"
        key = entry.idempotency_key if entry else None
        task = asyncio.create_task(
            self._work(index, request, order, key, in_doubt)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _admit(self) -> None:
        # Hold the next order until the account can pay for it: while
        # orders are in flight their receipts may show credits left.
        while self._stop_reason is None and self._budget.exhausted():
            if self._window.in_flight == 0:
                self._stop_reason = (
                    f"stopped: insufficient credits "
                    f"({self._budget.remaining_credits} left)"
                )
                return
            await self._window.changed()
        if self._stop_reason is None:
            await self._window.acquire()
            self._budget.spend()

    async def _emit_skip(
        self, index: int, request: OrderRequest, reason: str
    ) -> None:
        await self._queue.put(
            BulkResult(
                index=index,
                request=request,
                outcome=Outcome.SKIPPED,
                reason=reason,
            )
        )

    async def _resume(
        self, index: int, request: OrderRequest, entry: JournalEntry
    ) -> None:
        receipt = OrderReceipt(
            order_id=entry.order_id or "",
            phone_number=request.phone_number,
            number_type=request.number_type,
            status=entry.status or OrderStatus.PENDING,
            credits_used=entry.credits_used,
        )
        # Only a "final" record settles the outcome: whether a "done" one
        # was written before the crash must not change what is reported.
        final = entry.state == "final"
        if self._wait and not final:
            self._settler.expect(index, request, receipt, since=entry.since)
            return
        outcome = Outcome.ORDERED
        if final:
            ok = entry.status == OrderStatus.SUCCESS
            outcome = Outcome.SUCCEEDED if ok else Outcome.FAILED
        await self._queue.put(
            BulkResult(
                index=index,
                request=request,
                outcome=outcome,
                receipt=receipt,
                reason=None if outcome != Outcome.FAILED else "order failed",
                resumed=True,
            )
        )

    async def _work(
        self,
        index: int,
        request: OrderRequest,
        order: tuple[dict[str, str], NumberType],
        key: str | None,
        in_doubt: bool,
    ) -> None:
        try:
            result = await self._place(index, request, order, key, in_doubt)
        finally:
            self._window.release()
        if result is not None:
            await self._queue.put(result)

    async def _place(
        self,
        index: int,
        request: OrderRequest,
        order: tuple[dict[str, str], NumberType],
        key: str | None,
        in_doubt: bool,
    ) -> BulkResult | None:
        def failed(error: Exception) -> BulkResult:
            return BulkResult(
                index=index,
                request=request,
                outcome=Outcome.FAILED,
                error=error,
            )

        number = request.phone_number
        body, kind = order
        if self._gate is not None:
            await self._gate.admit()
        key = key or str(uuid.uuid4())
        if self._journal is not None:
            await self._journal.record_intent(number, key)
        try:
            receipt = await place_order(
                self._client,
                path="/v1/phone-numbers",
                body=body,
                phone_number=number,
                number_type=kind,
                verification_group_id=request.verification_group_id,
                idempotency_key=key,
                in_doubt=in_doubt,
            )
        except InsufficientCreditsError as exc:
            self._stop_reason = "stopped: insufficient credits"
            self._window.wake()
            self._journal_fail(number, exc)
            return failed(exc)
        except OrderOutcomeUnknownError as exc:
            # Left as an intent: the next run reconciles it.
            return failed(exc)
        except FlireoError as exc:
            # Refused, so not charged: the budget gets its place back.
            self._budget.refund()
            self._journal_fail(number, exc)
            return failed(exc)
        self._budget.observe(receipt, self._window.in_flight - 1)
        if self._journal is not None:
            self._journal.record_done(
                number,
                receipt.order_id,
                str(receipt.status),
                receipt.credits_used,
            )
        if self._wait:
            self._settler.expect(index, request, receipt)
            return None
        return BulkResult(
            index=index,
            request=request,
            outcome=Outcome.ORDERED,
            receipt=receipt,
        )

    def _journal_fail(self, number: str, error: Exception) -> None:
        if self._journal is not None:
            self._journal.record_fail(number, type(error).__name__)


async def _aiter(
    items: Iterable[OrderRequest] | AsyncIterable[OrderRequest],
) -> AsyncIterator[OrderRequest]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
