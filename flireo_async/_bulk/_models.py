"""The values of a bulk-order job: what goes in, what comes out."""

from __future__ import annotations

import enum

import attrs

from .._models import NumberType, Order, OrderReceipt


__all__ = [
    "BulkProgress",
    "BulkReport",
    "BulkResult",
    "OrderRequest",
    "Outcome",
]


@attrs.frozen(kw_only=True)
class OrderRequest:
    """
    One number to order in a bulk job.

    Attributes:
        phone_number: E.164 number from a search.
        number_type: ``"national"`` (default), ``"mobile"`` or ``"local"``.
        verification_group_id: Required for local numbers.
    """

    phone_number: str
    number_type: NumberType | str = NumberType.NATIONAL
    verification_group_id: str | None = None


class Outcome(enum.StrEnum):
    """How one item of a bulk job ended."""

    #: The order was placed (and, without ``wait``, that is the end).
    ORDERED = "ordered"
    #: The order was placed and reached ``success``.
    SUCCEEDED = "succeeded"
    #: Not ordered, or the order failed; ``error``/``reason`` say why.
    FAILED = "failed"
    #: Never attempted (credits ran out, a duplicate in the input).
    SKIPPED = "skipped"


@attrs.frozen(kw_only=True)
class BulkResult:
    """
    The outcome of one input item.

    Attributes:
        index: Position in the input (0-based).
        request: The input item.
        outcome: See [`Outcome`][flireo_async.Outcome].
        receipt: The order's receipt, when one was placed.
        order: The order's final state, with ``wait=True``.
        error: The typed error of a failed item.
        reason: Why an item was skipped or failed without an error.
        resumed: Settled by an earlier run of the same journal (its
            credits were counted by that run, not this one).
        duplicate_of: For a duplicate in the input, the index of the
            item it repeats.
    """

    index: int
    request: OrderRequest
    outcome: Outcome
    receipt: OrderReceipt | None = None
    order: Order | None = None
    error: Exception | None = None
    reason: str | None = None
    resumed: bool = False
    duplicate_of: int | None = None


@attrs.frozen(kw_only=True)
class BulkProgress:
    """
    A snapshot for ``on_progress`` callbacks.

    Attributes:
        completed: Items with an outcome so far.
        ordered: Of those, ordered or succeeded.
        failed: Of those, failed.
        skipped: Of those, skipped.
        in_flight: Orders being placed right now.
        concurrency: The adaptive window's current size.
        resumed: Of those completed, settled by an earlier run of the
            same journal.
    """

    completed: int
    ordered: int
    failed: int
    skipped: int
    in_flight: int
    concurrency: int
    resumed: int = 0


@attrs.frozen(kw_only=True)
class BulkReport:
    """
    Everything a bulk job did, in input order.

    Attributes:
        results: One [`BulkResult`][flireo_async.BulkResult] per input item, in
            input order.
        elapsed: Wall-clock seconds the job took.
        credits_used: Credits the answers reported charged (orders found
            by reconciliation report none and count as 0 here).
    """

    results: tuple[BulkResult, ...]
    elapsed: float
    credits_used: int

    def count(self, outcome: Outcome) -> int:
        """How many items ended in *outcome*."""
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def ordered(self) -> int:
        """Items placed (whether or not waited for), succeeded included."""
        return self.count(Outcome.ORDERED) + self.count(Outcome.SUCCEEDED)

    @property
    def succeeded(self) -> int:
        """Items whose order reached ``success`` (``wait=True``)."""
        return self.count(Outcome.SUCCEEDED)

    @property
    def failed(self) -> int:
        """Items that failed."""
        return self.count(Outcome.FAILED)

    @property
    def skipped(self) -> int:
        """Items never attempted."""
        return self.count(Outcome.SKIPPED)

    @property
    def rate(self) -> float:
        """Orders placed per second of the job."""
        return self.ordered / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def ok(self) -> bool:
        """Whether no item failed."""
        return self.failed == 0
