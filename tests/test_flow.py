"""Flow control of bulk jobs: the adaptive window and the credit budget."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from flireo_async import OrderReceipt
from flireo_async._bulk import _flow
from flireo_async._bulk._flow import AdaptiveWindow, CreditBudget


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture(name="clock")
def _clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(
        _flow, "time", SimpleNamespace(monotonic=clock.monotonic)
    )
    return clock


def successes(window: AdaptiveWindow, count: int) -> None:
    for _ in range(count):
        window.on_status(200)


def receipt(
    remaining: int | None, used: int | None = 10, **extra: object
) -> OrderReceipt:
    return OrderReceipt(
        order_id="o-1",
        phone_number="+31851234567",
        credits_used=used,
        remaining_credits=remaining,
        **extra,
    )


# --- AdaptiveWindow ------------------------------------------------------


def test_window_starts_at_four():
    """A job starts with 4 orders in flight, not its whole concurrency."""
    assert 4.0 == AdaptiveWindow(64).limit


def test_window_never_starts_above_its_ceiling():
    """concurrency=2 means at most 2 in flight from the first request on."""
    assert 2.0 == AdaptiveWindow(2).limit


def test_slow_start_doubles_per_window_of_successes():
    """Each full window of successes doubles the window (4, 8, 16, 32)."""
    window = AdaptiveWindow(32)
    seen = [window.limit]
    for _ in range(3):
        successes(window, int(window.limit))
        seen.append(window.limit)

    assert [4.0, 8.0, 16.0, 32.0] == seen


def test_window_never_grows_past_its_ceiling():
    """Successes never push the window above the caller's concurrency."""
    window = AdaptiveWindow(10)
    successes(window, 500)

    assert 10.0 == window.limit


def test_errors_other_than_429_leave_the_window_alone():
    """A 4xx/5xx answer that is not a 429 neither grows nor shrinks it."""
    window = AdaptiveWindow(32)
    for status in (400, 402, 404, 500, 503):
        window.on_status(status)

    assert 4.0 == window.limit


def test_429_halves_the_window(clock):
    """A 429 halves the window."""
    window = AdaptiveWindow(64)
    successes(window, 4 + 8 + 16)  # 32
    window.on_status(429)

    assert 16.0 == window.limit


def test_429s_cut_the_window_at_most_once_per_second(clock):
    """One overload seen in many answers halves the window only once."""
    window = AdaptiveWindow(64)
    successes(window, 4 + 8 + 16)  # 32
    window.on_status(429)
    clock.now += 0.5
    window.on_status(429)
    window.on_status(429)
    after_burst = window.limit
    clock.now += 0.6
    window.on_status(429)

    assert (16.0, 8.0) == (after_burst, window.limit)


def test_window_never_drops_below_one(clock):
    """Even a long storm of 429s leaves one order in flight."""
    window = AdaptiveWindow(16)
    for _ in range(10):
        window.on_status(429)
        clock.now += 1.0

    assert 1.0 == window.limit


def test_after_a_cut_the_window_grows_additively(clock):
    """After a 429, a window's worth of successes adds one place."""
    window = AdaptiveWindow(64)
    successes(window, 4 + 8 + 16)  # 32
    window.on_status(429)  # 16, the new threshold
    successes(window, 16)

    assert 17.0 == pytest.approx(window.limit, abs=0.05)


async def test_acquire_blocks_at_the_limit_and_resumes_on_release():
    """At the limit the producer waits; a release lets the next one go."""
    window = AdaptiveWindow(2)
    await window.acquire()
    await window.acquire()
    third = asyncio.create_task(window.acquire())
    for _ in range(5):
        await asyncio.sleep(0)
    blocked = not third.done()

    window.release()
    await asyncio.wait_for(third, timeout=1)

    assert (True, 2) == (blocked, window.in_flight)


async def test_acquire_resumes_when_the_window_grows():
    """A success that grows the window admits a waiting producer."""
    window = AdaptiveWindow(8)
    for _ in range(4):
        await window.acquire()
    fifth = asyncio.create_task(window.acquire())
    for _ in range(5):
        await asyncio.sleep(0)
    blocked = not fifth.done()

    window.on_status(200)
    await asyncio.wait_for(fifth, timeout=1)

    assert (True, 5) == (blocked, window.in_flight)


async def test_wake_releases_a_waiter_without_freeing_a_place():
    """wake() lets the producer re-check its conditions (e.g. a 402)."""
    window = AdaptiveWindow(4)
    waiter = asyncio.create_task(window.changed())
    await asyncio.sleep(0)
    window.wake()
    await asyncio.wait_for(waiter, timeout=1)

    assert 0 == window.in_flight


# --- CreditBudget --------------------------------------------------------


def test_budget_is_unknown_until_a_receipt_arrives():
    """Before any receipt the budget never stops a job."""
    budget = CreditBudget()
    budget.spend()

    assert (None, False) == (budget.orders, budget.exhausted())


def test_budget_counts_orders_in_flight_as_already_charged():
    """40 credits left with 2 others in flight affords 2 more orders."""
    budget = CreditBudget()
    budget.observe(receipt(remaining=40), others_in_flight=2)

    assert (2, 40, False) == (
        budget.orders,
        budget.remaining_credits,
        budget.exhausted(),
    )


def test_spending_the_last_affordable_order_exhausts_the_budget():
    """Once every affordable order is sent, the budget is exhausted."""
    budget = CreditBudget()
    budget.observe(receipt(remaining=20), others_in_flight=0)
    budget.spend()
    still_open = not budget.exhausted()
    budget.spend()

    assert (True, True, 0) == (still_open, budget.exhausted(), budget.orders)


def test_a_balance_below_one_order_exhausts_the_budget():
    """9 credits left with orders at 10 each affords nothing."""
    budget = CreditBudget()
    budget.observe(receipt(remaining=9), others_in_flight=0)

    assert (0, True) == (budget.orders, budget.exhausted())


def test_more_in_flight_than_affordable_never_goes_negative():
    """The affordable count floors at zero."""
    budget = CreditBudget()
    budget.observe(receipt(remaining=20), others_in_flight=7)

    assert 0 == budget.orders


def test_reconciled_receipts_are_ignored():
    """A receipt found by reconciliation carries no balance to learn from."""
    budget = CreditBudget()
    budget.observe(receipt(remaining=100), others_in_flight=0)
    budget.observe(
        receipt(remaining=None, used=None, reconciled=True),
        others_in_flight=0,
    )

    assert (10, 100) == (budget.orders, budget.remaining_credits)


def test_a_receipt_that_charged_nothing_is_ignored():
    """credits_used=0 cannot tell how many orders the balance affords."""
    budget = CreditBudget()
    budget.observe(receipt(remaining=100, used=0), others_in_flight=0)

    assert (None, False) == (budget.orders, budget.exhausted())


def test_a_fresh_receipt_replaces_the_old_estimate():
    """The newest balance wins over what was counted down locally."""
    budget = CreditBudget()
    budget.observe(receipt(remaining=20), others_in_flight=0)
    budget.spend()
    budget.spend()
    budget.observe(receipt(remaining=50), others_in_flight=1)

    assert (4, False) == (budget.orders, budget.exhausted())
