"""
Flow control for bulk jobs: how many orders may be in flight, and how
many the account can still pay for.

Strategy: the window starts small and doubles per round trip (slow
start) until it reaches the caller's ``concurrency``, so the first few
answers — rate-limit headers, ``remaining_credits`` — arrive before a
storm of requests is committed.  A 429, even one the retry layer
absorbs, halves it (at most once a second, since one overload shows up
in many answers); after that it grows by one per window of successes
(AIMD).  The credit budget turns each receipt's ``remaining_credits``
into "orders still affordable", counting everything in flight as already
charged, so a job that can afford five orders sends five POSTs, not a
window's worth of 402s.
"""

from __future__ import annotations

import asyncio
import time

from .._models import OrderReceipt


__all__ = ["AdaptiveWindow", "CreditBudget"]

_SLOW_START = 4.0


class AdaptiveWindow:
    """
    An AIMD concurrency limit with one acquirer (the job's producer).

    Args:
        ceiling: The most the window may ever allow.
    """

    def __init__(self, ceiling: int) -> None:
        self.ceiling = ceiling
        self.limit = min(float(ceiling), _SLOW_START)
        self._threshold = float(ceiling)
        self.in_flight = 0
        self._changed = asyncio.Event()
        self._last_cut = 0.0

    async def acquire(self) -> None:
        """Wait for room in the window, then take a place."""
        while self.in_flight >= int(self.limit):
            await self.changed()
        self.in_flight += 1

    async def changed(self) -> None:
        """Wait until a place is released or the window grows."""
        self._changed.clear()
        await self._changed.wait()

    def release(self) -> None:
        """Give a place back."""
        self.in_flight -= 1
        self._changed.set()

    def wake(self) -> None:
        """Wake the acquirer to re-check its conditions."""
        self._changed.set()

    def on_status(self, status: int) -> None:
        """Adapt to one answer's status."""
        if status == 429:
            now = time.monotonic()
            if now - self._last_cut >= 1.0:
                self.limit = max(1.0, self.limit / 2)
                self._threshold = self.limit
                self._last_cut = now
        elif status < 400 and self.limit < self.ceiling:
            step = 1.0 if self.limit < self._threshold else 1 / self.limit
            self.limit = min(float(self.ceiling), self.limit + step)
            self._changed.set()


class CreditBudget:
    """Orders the account can still pay for, as the last receipt says."""

    def __init__(self) -> None:
        self.orders: int | None = None
        self.remaining_credits: int | None = None

    def observe(self, receipt: OrderReceipt, others_in_flight: int) -> None:
        """Fold in a fresh receipt (reconciled ones carry no balance)."""
        if receipt.remaining_credits is None or not receipt.credits_used:
            return
        self.remaining_credits = receipt.remaining_credits
        affordable = receipt.remaining_credits // receipt.credits_used
        # Orders still in flight may not be in this balance yet.
        self.orders = max(0, affordable - others_in_flight)

    def exhausted(self) -> bool:
        """Whether the last balance affords no further order."""
        return self.orders is not None and self.orders <= 0

    def spend(self) -> None:
        """Count one order sent."""
        if self.orders is not None:
            self.orders -= 1

    def refund(self) -> None:
        """Give back the place of an order the server refused uncharged."""
        if self.orders is not None:
            self.orders += 1
