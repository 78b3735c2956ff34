"""
The bulk engine: many orders, concurrently, each exactly once — for any
API, through a `Placer`.

Strategy: one producer walks the input lazily and starts a placement
only when the adaptive window has room, so a 100,000-item job holds the
state of its window, not of its input.  The engine knows no API: a
placer validates an item, places a batch of them (one number per Flireo
order, up to a thousand per Telnyx order) and looks numbers up after an
ambiguous failure.  The journal (when given) makes every intent durable
before its POST.  Results flow through a bounded queue, which is what
pushes back on the producer when the consumer of the results is slow.

What makes a result final (API.md §6): ``failed`` only when the order
certainly does not exist and retrying cannot help.  A transient failure
of an order that certainly was not placed, and an outcome that could not
be told, are held back and tried again in later passes (with backoff,
bounded by ``max_passes`` and the job's ``deadline``); only what outlasts
them fails.  A job that cannot make progress — the server unreachable
several times in a row, or the key refused — stops at once and reports
the items it never tried as skipped, with the reason.

Flow control (``_flow``): an AIMD window with slow start, and a credit
budget read from each receipt's ``remaining_credits``.  A 402 — or a
balance that affords no further order — stops new submissions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from .._core._ratelimit import RateGate
from .._core._telemetry import BulkMetrics, BulkTrace
from .._models import OrderReceipt, OrderStatus
from ..exceptions import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    FlireoError,
    InsufficientCreditsError,
    OrderOutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from ._flow import AdaptiveWindow, CreditBudget
from ._journal import Journal, JournalEntry
from ._models import (
    BulkProgress,
    BulkReport,
    BulkResult,
    OrderRequest,
    Outcome,
)
from ._seen import SeenIndex


if TYPE_CHECKING:
    from .._core._base import BaseClient

__all__ = [
    "BulkEngine",
    "Doubt",
    "Pending",
    "Placer",
    "Waiter",
    "collect_report",
]

_DONE = object()
# Connection failures in a row that mean "the server is not there".
_UNREACHABLE = 3
# Failures that say nothing about the order itself: one more try may
# well place it (the order certainly does not exist when they surface).
_TRANSIENT = (TransportError, ServerError, RateLimitError)
_REFUSED_KEY = (AuthenticationError, PermissionDeniedError)


@attrs.frozen(kw_only=True)
class Doubt:
    """
    A number an earlier attempt may have ordered.

    Attributes:
        phone_number: The number.
        key: The idempotency key or reference that attempt carried.
        since: When that attempt started (``None``: unknown).
    """

    phone_number: str
    key: str | None
    since: datetime | None


@attrs.define(kw_only=True)
class Pending:
    """One input item on its way to an outcome (engine-internal)."""

    index: int
    request: OrderRequest
    prepared: Any
    key: str | None = None
    in_doubt: bool = False
    unknown: bool = False
    since: datetime | None = None
    error: FlireoError | None = None


class Placer(Protocol):
    """What an API brings to the engine: one value, no hooks."""

    #: The API's name in traces and metrics (``flireo``, ``telnyx``).
    api: str
    #: Items per placement (1 for Flireo, many for Telnyx).
    batch_size: int

    def request_of(self, item: Any) -> OrderRequest:
        """The [`OrderRequest`][flireo_async.OrderRequest] an input item
        reports as."""
        ...

    def prepare(self, item: Any) -> Any:
        """Validate an item; raise ``FlireoError`` if it cannot be sent."""
        ...

    def new_key(self) -> str:
        """A fresh idempotency key or reference for one placement."""
        ...

    async def place(
        self, batch: Sequence[Pending], key: str
    ) -> Sequence[OrderReceipt]:
        """Place *batch* exactly once; one receipt per item, in order."""
        ...

    async def reconcile(
        self, doubts: Sequence[Doubt]
    ) -> dict[str, OrderReceipt]:
        """Look up numbers in doubt: number → receipt of those placed."""
        ...


class Waiter(Protocol):
    """Settles placed orders to a final status (``wait=True``)."""

    def expect(
        self,
        index: int,
        request: OrderRequest,
        receipt: OrderReceipt,
        *,
        since: datetime | None = None,
        resumed: bool = False,
    ) -> None:
        """Wait for *receipt*'s order too."""
        ...

    async def run(
        self,
        placed_all: asyncio.Event,
        emit: Callable[[BulkResult], Awaitable[Any]],
        journal: Journal | None,
    ) -> None:
        """Poll until every expected order is final or time runs out."""
        ...


class BulkEngine:
    """
    One run of a bulk job; see ``FlireoClient.bulk_order``.

    Args:
        client: The client whose answers feed the adaptive window.
        placer: The API's placer.
        concurrency: Most placements in flight.
        journal: Path of the job's journal, or ``None``.
        waiter: Settles orders to a final status, or ``None``.
        rate_limit: Ceiling of placements per second.
        on_progress: Called with a [`BulkProgress`][flireo_async.BulkProgress]
            per result.
        max_passes: Passes over transiently failed items, the first
            included.
        deadline: Seconds after which no further pass starts.
        max_concurrency: The largest *concurrency* accepted.

    Raises:
        ConfigurationError: An argument out of range.
    """

    def __init__(
        self,
        client: BaseClient,
        placer: Placer,
        *,
        concurrency: int,
        journal: str | Path | None,
        waiter: Waiter | None = None,
        rate_limit: float | None = None,
        on_progress: Callable[[BulkProgress], Any] | None = None,
        max_passes: int = 5,
        deadline: float | None = None,
        max_concurrency: int = 1000,
    ) -> None:
        if not 1 <= concurrency <= max_concurrency:
            msg = (
                f"concurrency must be between 1 and {max_concurrency}, "
                f"got {concurrency}"
            )
            raise ConfigurationError(msg)
        if not 1 <= max_passes <= 100:
            msg = f"max_passes must be between 1 and 100, got {max_passes}"
            raise ConfigurationError(msg)
        if deadline is not None and not deadline > 0:
            msg = "deadline must be a positive number of seconds or None"
            raise ConfigurationError(msg)
        self._client = client
        self._placer = placer
        self._window = AdaptiveWindow(concurrency)
        self._budget = CreditBudget()
        self._journal_path = journal
        self._journal: Journal | None = None
        self._waiter = waiter
        self._gate = RateGate(rate_limit, max_wait=0) if rate_limit else None
        self._on_progress = on_progress
        self._max_passes = max_passes
        self._deadline = deadline
        self._queue: asyncio.Queue[Any] = asyncio.Queue(
            maxsize=max(64, concurrency * 2)
        )
        self._stop_reason: str | None = None
        self._connect_failures = 0
        self._retry: list[Pending] = []
        self._batch: list[Pending] = []
        self._placed_all = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = datetime.now(UTC)
        self._counts = dict.fromkeys(Outcome, 0)
        self._completed = 0
        self._resumed = 0
        self._clock = time.monotonic()
        self._trace = BulkTrace(f"{placer.api}.bulk_order")
        self._metrics = BulkMetrics(placer.api)

    # -- the consumer side -------------------------------------------------

    async def results(
        self, items: Iterable[Any] | AsyncIterable[Any]
    ) -> AsyncIterator[BulkResult]:
        """
        Run the job, yielding each result as it is settled.

        Raises:
            JournalInUseError: Another running job holds the journal
                (raised before anything is sent).
            ConfigurationError: The journal cannot be read or written.
        """
        runner: asyncio.Task[None] | None = None
        waiter: asyncio.Task[None] | None = None
        failure: BaseException | None = None
        if self._journal_path is not None:
            try:
                self._journal = Journal(self._journal_path)
            except FlireoError as exc:
                self._trace.finish({}, exc)
                raise
        try:
            with (
                self._client.listen(self._window.on_status),
                self._client.listen(self._metrics.status),
            ):
                trace = self._trace
                runner = asyncio.create_task(trace.within(self._run(items)))
                if self._waiter is not None:
                    waiter = asyncio.create_task(
                        trace.within(self._wait_for_final())
                    )
                while True:
                    item = await self._queue.get()
                    if item is _DONE:
                        break
                    result = _result(item)
                    self._count(result)
                    yield result
        except BaseException as exc:
            failure = exc
            raise
        finally:
            pending = [t for t in (runner, waiter) if t is not None]
            pending += list(self._tasks)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            counts = {str(o): n for o, n in self._counts.items()}
            self._trace.finish({**counts, "resumed": self._resumed}, failure)
            if self._journal is not None:
                await self._journal.aclose()

    def _count(self, result: BulkResult) -> None:
        # O(1) per result: the counts are kept, never recounted.
        counts = self._counts
        counts[result.outcome] += 1
        self._completed += 1
        if result.resumed:
            self._resumed += 1
        if self._metrics.on:
            self._metrics.result(
                result.outcome,
                self._window.in_flight,
                (counts[Outcome.ORDERED] + counts[Outcome.SUCCEEDED])
                / max(time.monotonic() - self._clock, 1e-9),
            )
        if self._on_progress is not None:
            self._on_progress(
                BulkProgress(
                    completed=self._completed,
                    ordered=counts[Outcome.ORDERED]
                    + counts[Outcome.SUCCEEDED],
                    failed=counts[Outcome.FAILED],
                    skipped=counts[Outcome.SKIPPED],
                    in_flight=self._window.in_flight,
                    concurrency=int(self._window.limit),
                    resumed=self._resumed,
                )
            )

    async def _emit(self, result: BulkResult) -> None:
        await self._queue.put(result)

    async def _wait_for_final(self) -> None:
        assert self._waiter is not None  # noqa: S101 - set with the task
        try:
            await self._waiter.run(self._placed_all, self._emit, self._journal)
            await self._queue.put(_DONE)
        except Exception as exc:
            # Raised in the consumer's task, where the caller can see it.
            await self._queue.put(exc)

    # -- the producer --------------------------------------------------------

    async def _run(self, items: Iterable[Any] | AsyncIterable[Any]) -> None:
        try:
            previous = self._journal.previous if self._journal else {}
            settled = await self._reconcile_previous(previous)
            seen = SeenIndex()
            index = 0
            async for item in _aiter(items):
                await self._first_look(index, item, seen, previous, settled)
                index += 1
            await self._finish_pass()
            await self._later_passes()
            self._placed_all.set()
            if self._waiter is None:
                await self._queue.put(_DONE)
        except Exception as exc:
            # Raised in the consumer's task, where the caller can see it.
            await self._queue.put(exc)

    async def _reconcile_previous(
        self, previous: dict[str, JournalEntry]
    ) -> dict[str, OrderReceipt]:
        doubts = [
            Doubt(phone_number=n, key=e.idempotency_key, since=e.since)
            for n, e in previous.items()
            if e.state == "intent"
        ]
        if not doubts:
            return {}
        try:
            found = await self._placer.reconcile(doubts)
        except FlireoError:
            # Nothing in doubt may be re-sent while the list is
            # unreadable; later passes look again.
            for doubt in doubts:
                previous[doubt.phone_number].state = "unknown"
            return {}
        for number, receipt in found.items():
            if self._journal is not None:
                self._journal.record_done(
                    number, receipt.order_id, str(receipt.status), None
                )
        return found

    async def _first_look(
        self,
        index: int,
        item: Any,
        seen: SeenIndex,
        previous: dict[str, JournalEntry],
        settled: dict[str, OrderReceipt],
    ) -> None:
        request = self._placer.request_of(item)
        number = request.phone_number
        first = seen.first(number, index)
        if first != index:
            await self._emit(
                BulkResult(
                    index=index,
                    request=request,
                    outcome=Outcome.SKIPPED,
                    reason=f"duplicate of item {first}",
                    duplicate_of=first,
                )
            )
            return
        entry = previous.get(number)
        if number in settled:
            await self._resume(index, request, settled[number], None, True)
            return
        if entry is not None and entry.state in ("done", "final"):
            await self._resume_entry(index, request, entry)
            return
        try:
            prepared = self._placer.prepare(item)
        except FlireoError as exc:
            # Bad input takes no window place and no credit budget.
            await self._emit(_failed(index, request, exc))
            return
        pending = Pending(
            index=index,
            request=request,
            prepared=prepared,
            key=entry.idempotency_key if entry else None,
            in_doubt=entry is not None
            and entry.state in ("intent", "unknown"),
            since=entry.since if entry else None,
        )
        if entry is not None and entry.state == "unknown":
            # An earlier run may have ordered it and the list could not
            # be read: never sent again before a later pass looks.
            pending.unknown = True
            self._retry.append(pending)
            return
        await self._add(pending)

    async def _add(self, pending: Pending) -> None:
        if self._stop_reason is not None:
            await self._emit(_skipped(pending, self._stop_reason))
            return
        self._batch.append(pending)
        if len(self._batch) >= self._placer.batch_size:
            await self._dispatch()

    async def _finish_pass(self) -> None:
        if self._batch:
            await self._dispatch()
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def _later_passes(self) -> None:
        policy = self._client.retry_policy
        started = time.monotonic()
        for number in range(1, self._max_passes):
            if not self._retry or self._stop_reason is not None:
                break
            delay = policy.backoff_delay(number - 1)
            if self._deadline is not None and (
                time.monotonic() + delay - started > self._deadline
            ):
                break
            await asyncio.sleep(delay)
            held, self._retry = self._retry, []
            unknown = [p for p in held if p.unknown]
            absent = [p for p in held if not p.unknown]
            await self._settle_unknown(unknown)
            for pending in absent:
                await self._add(pending)
            await self._finish_pass()
        # What outlasted every pass (or a stop) ends failed, with the
        # last error it met.
        for pending in self._retry:
            error = pending.error or OrderOutcomeUnknownError(
                f"whether {pending.request.phone_number} was ordered by an "
                f"earlier run cannot be told: the order list is unreadable",
                phone_number=pending.request.phone_number,
                idempotency_key=pending.key or "",
            )
            await self._emit(_failed(pending.index, pending.request, error))
        self._retry = []

    async def _settle_unknown(self, unknown: list[Pending]) -> None:
        if not unknown:
            return
        doubts = [
            Doubt(
                phone_number=p.request.phone_number, key=p.key, since=p.since
            )
            for p in unknown
        ]
        try:
            found = await self._placer.reconcile(doubts)
        except FlireoError:
            self._retry.extend(unknown)
            return
        for pending in unknown:
            receipt = found.get(pending.request.phone_number)
            if receipt is None:
                # Certainly absent now: sent again, still marked in doubt
                # so a conflict on the re-send is looked up, not trusted.
                pending.unknown = False
                await self._add(pending)
            else:
                await self._placed(pending, receipt)

    # -- placing -------------------------------------------------------------

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

    async def _dispatch(self) -> None:
        batch, self._batch = self._batch, []
        await self._admit()
        if self._stop_reason is not None:
            for pending in batch:
                await self._emit(_skipped(pending, self._stop_reason))
            return
        # One item keeps its earlier key (the server may know it); a
        # batch is a new order under a new reference.
        key = (
            batch[0].key
            if len(batch) == 1 and batch[0].key
            else self._placer.new_key()
        )
        task = asyncio.create_task(self._work(batch, key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _work(self, batch: list[Pending], key: str) -> None:
        try:
            if self._gate is not None:
                await self._gate.admit()
            if self._journal is not None:
                # Durable before the POST leaves; a journal that cannot
                # be written stops the job (raised to the consumer).
                for pending in batch:
                    intent = self._journal.record_intent(
                        pending.request.phone_number, key
                    )
                await intent
            for pending in batch:
                pending.key = key
                pending.since = pending.since or datetime.now(UTC)
            try:
                receipts = await self._placer.place(batch, key)
            except FlireoError as exc:
                await self._refused(batch, exc)
            else:
                self._connect_failures = 0
                for pending, receipt in zip(batch, receipts, strict=True):
                    await self._placed(pending, receipt)
        except Exception as exc:
            await self._queue.put(exc)
        finally:
            self._window.release()

    async def _placed(self, pending: Pending, receipt: OrderReceipt) -> None:
        number = pending.request.phone_number
        self._budget.observe(receipt, max(0, self._window.in_flight - 1))
        if self._journal is not None:
            self._journal.record_done(
                number,
                receipt.order_id,
                str(receipt.status),
                receipt.credits_used,
            )
        if self._waiter is not None:
            self._waiter.expect(pending.index, pending.request, receipt)
            return
        await self._emit(
            BulkResult(
                index=pending.index,
                request=pending.request,
                outcome=Outcome.ORDERED,
                receipt=receipt,
            )
        )

    async def _refused(self, batch: list[Pending], error: FlireoError) -> None:
        if isinstance(error, ConnectError):
            self._connect_failures += 1
            if self._connect_failures >= _UNREACHABLE:
                self._stop(f"stopped: the server is unreachable ({error})")
        else:
            self._connect_failures = 0
        if isinstance(error, OrderOutcomeUnknownError):
            # Left as an intent in the journal: a later pass (or run)
            # looks it up before anything is sent again.
            for pending in batch:
                pending.unknown, pending.error = True, error
            self._retry.extend(batch)
            return
        if not isinstance(error, InsufficientCreditsError):
            # Refused, so not charged: the budget gets its place back.
            self._budget.refund()
        for pending in batch:
            if self._journal is not None:
                self._journal.record_fail(
                    pending.request.phone_number, type(error).__name__
                )
        if isinstance(error, _TRANSIENT):
            for pending in batch:
                pending.error = error
            self._retry.extend(batch)
            return
        if isinstance(error, InsufficientCreditsError):
            self._stop("stopped: insufficient credits")
        elif isinstance(error, _REFUSED_KEY):
            self._stop(f"stopped: the API key was refused ({error})")
        for pending in batch:
            await self._emit(_failed(pending.index, pending.request, error))

    def _stop(self, reason: str) -> None:
        if self._stop_reason is None:
            self._stop_reason = reason
        self._window.wake()

    # -- resumed items --------------------------------------------------------

    async def _resume_entry(
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
        final_status = entry.status if entry.state == "final" else None
        await self._resume(
            index, request, receipt, entry.since, False, final_status
        )

    async def _resume(
        self,
        index: int,
        request: OrderRequest,
        receipt: OrderReceipt,
        since: datetime | None,
        reconciled: bool,
        final_status: str | None = None,
    ) -> None:
        if reconciled:
            receipt = attrs.evolve(receipt, reconciled=True)
        if self._waiter is not None and final_status is None:
            self._waiter.expect(
                index, request, receipt, since=since, resumed=True
            )
            return
        outcome = Outcome.ORDERED
        if final_status is not None:
            ok = final_status == OrderStatus.SUCCESS
            outcome = Outcome.SUCCEEDED if ok else Outcome.FAILED
        await self._emit(
            BulkResult(
                index=index,
                request=request,
                outcome=outcome,
                receipt=receipt,
                reason=None if outcome != Outcome.FAILED else "order failed",
                resumed=True,
            )
        )


def _result(item: BulkResult | BaseException) -> BulkResult:
    # What a task of the job failed with is raised in the consumer's task.
    if isinstance(item, BaseException):
        raise item
    return item


def _failed(index: int, request: OrderRequest, error: Exception) -> BulkResult:
    return BulkResult(
        index=index, request=request, outcome=Outcome.FAILED, error=error
    )


def _skipped(pending: Pending, reason: str) -> BulkResult:
    return BulkResult(
        index=pending.index,
        request=pending.request,
        outcome=Outcome.SKIPPED,
        reason=reason,
    )


async def _aiter(
    items: Iterable[Any] | AsyncIterable[Any],
) -> AsyncIterator[Any]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


async def collect_report(results: AsyncIterator[BulkResult]) -> BulkReport:
    """
    Run a job to its end and report it in input order.

    Args:
        results: What `BulkEngine.results()` yields.

    Returns:
        The [`BulkReport`][flireo_async.BulkReport]; its ``credits_used``
        counts what this run
        charged (resumed items were paid for by the run that placed them).
    """
    started = time.monotonic()
    settled = sorted([r async for r in results], key=lambda r: r.index)
    return BulkReport(
        results=tuple(settled),
        elapsed=time.monotonic() - started,
        credits_used=sum(
            r.receipt.credits_used
            for r in settled
            if r.receipt and r.receipt.credits_used and not r.resumed
        ),
    )
