"""Bulk ordering against an in-process sandbox: exactly once, in order."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import aclosing, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

import flireo_async as flireo
from flireo_async import Outcome
from flireo_async._bulk._journal import read_journal
from flireo_async.testing.sandbox import Faults, Sandbox


FAST = flireo.RetryPolicy(initial_delay=0.01, max_delay=0.05)
ORDER_COST = 10


@asynccontextmanager
async def running(
    retry: flireo.RetryPolicy = FAST, **config: Any
) -> AsyncIterator[tuple[Sandbox, flireo.FlireoClient]]:
    """A started sandbox and a client for it; both closed afterwards."""
    async with (
        Sandbox(**config) as sb,
        flireo.FlireoClient(
            sb.api_key, base_url=sb.base_url, retry=retry
        ) as client,
    ):
        yield sb, client


def orders_of(numbers: Iterable[str]) -> list[flireo.OrderRequest]:
    return [flireo.OrderRequest(phone_number=n) for n in numbers]


def order_posts(sb: Sandbox) -> int:
    """How many order POSTs the sandbox answered (or dropped)."""
    return sum(1 for r in sb.request_log if r.route == "order_number")


def outcomes(report: flireo.BulkReport) -> list[Outcome]:
    return [r.outcome for r in report.results]


def intent_line(number: str, key: str) -> bytes:
    """An intent record as the Journal writes it (one JSON line)."""
    now = datetime.now(UTC).isoformat()
    record = {"t": "intent", "n": number, "k": key, "ts": now}
    return orjson.dumps(record) + b"\n"


# --- (1) the acceptance test ----------------------------------------------


async def test_300_orders_through_faults_each_exactly_once():
    """Drops, 5xx and 429s on every order POST: 300 ordered, none twice."""
    faults = Faults(
        drop_after_commit_rate=0.3,
        error_rate=0.1,
        rate_limit_burst_rate=0.1,
        burst_retry_after=0,
        apply_to={"orders"},
    )
    # Enough attempts that no item runs out of them at these fault rates;
    # with the default three, a few items end FAILED (correctly reported).
    retry = flireo.RetryPolicy(
        max_attempts=10, initial_delay=0.01, max_delay=0.05
    )
    async with running(retry, credits=10_000, seed=7, faults=faults) as (
        sb,
        client,
    ):
        numbers = sb.available_numbers(limit=300)
        report = await client.bulk_order(orders_of(numbers), concurrency=16)

    reconciled = [
        r for r in report.results if r.receipt and r.receipt.reconciled
    ]
    log = sb.request_log
    faults_seen = Counter(r.fault for r in log if r.fault)
    assert list(range(300)) == [r.index for r in report.results]
    assert [Outcome.ORDERED] * 300 == outcomes(report)
    assert dict.fromkeys(numbers, 1) == sb.order_counts()
    assert 300 == report.ordered
    assert faults_seen["drop_after_commit"] == len(reconciled)
    assert 0 < len(reconciled) < 300
    assert faults_seen["rate_limit_burst"] > 0
    assert sum(n for k, n in faults_seen.items() if k.startswith("error")) > 0
    assert 10_000 - sb.credits == (
        report.credits_used + ORDER_COST * len(reconciled)
    )
    assert ORDER_COST * (300 - len(reconciled)) == report.credits_used


# --- (2) one result per input, in input order ------------------------------


async def test_results_come_back_in_input_order_one_per_item():
    """report.results[i] is about input item i, whatever finished first."""
    faults = Faults(latency=(0.0, 0.03), apply_to={"orders"})
    async with running(credits=10_000, faults=faults) as (sb, client):
        numbers = sb.available_numbers(limit=30)
        requests = orders_of(numbers)
        requests.insert(7, flireo.OrderRequest(phone_number="+31-bad"))
        requests.insert(12, requests[3])
        report = await client.bulk_order(requests, concurrency=8)

    assert list(range(32)) == [r.index for r in report.results]
    assert requests == [r.request for r in report.results]
    assert (30, 1, 1) == (report.ordered, report.failed, report.skipped)


async def test_an_empty_input_gives_an_empty_report():
    """Ordering nothing sends nothing and reports nothing."""
    async with running() as (sb, client):
        report = await client.bulk_order([])

    assert ((), 0, 0) == (report.results, report.credits_used, order_posts(sb))


async def test_concurrency_out_of_range_is_refused():
    """concurrency=0 is a ConfigurationError before anything is sent."""
    async with running() as (sb, client):
        with pytest.raises(flireo.ConfigurationError, match="concurrency"):
            await client.bulk_order(orders_of(["+31851234567"]), concurrency=0)

    assert 0 == len(sb.request_log)


# --- (3) duplicates in the input --------------------------------------------


async def test_a_duplicate_is_skipped_naming_the_first_item():
    """A number listed twice is ordered once; the repeat says which item."""
    async with running(credits=1000) as (sb, client):
        a, b, c = sb.available_numbers(limit=3)
        report = await client.bulk_order(orders_of([a, b, a, c, b, a]))

    skipped = {
        r.index: r.reason
        for r in report.results
        if r.outcome == Outcome.SKIPPED
    }
    assert [
        Outcome.ORDERED,
        Outcome.ORDERED,
        Outcome.SKIPPED,
        Outcome.ORDERED,
        Outcome.SKIPPED,
        Outcome.SKIPPED,
    ] == outcomes(report)
    assert {2: ["0"], 4: ["1"], 5: ["0"]} == {
        i: re.findall(r"\d+", reason) for i, reason in skipped.items()
    }
    assert all("duplicate" in reason for reason in skipped.values())
    assert (3, {a: 1, b: 1, c: 1}) == (order_posts(sb), sb.order_counts())


# --- (4) invalid items -------------------------------------------------------


async def test_invalid_items_fail_with_validation_error_and_are_not_sent():
    """Bad input fails its own item with ValidationError; the rest go on."""
    async with running(credits=1000) as (sb, client):
        good = sb.available_numbers(limit=3)
        requests = [
            flireo.OrderRequest(phone_number=good[0]),
            flireo.OrderRequest(phone_number="0851234567"),
            flireo.OrderRequest(phone_number="+31 85 123 4567"),
            flireo.OrderRequest(phone_number=good[1]),
            flireo.OrderRequest(
                phone_number="+31201234567", number_type="local"
            ),
            flireo.OrderRequest(
                phone_number="+31851234567", number_type="landline"
            ),
            flireo.OrderRequest(phone_number=good[2]),
        ]
        report = await client.bulk_order(requests)

    failed = [r for r in report.results if r.outcome == Outcome.FAILED]
    assert [1, 2, 4, 5] == [r.index for r in failed]
    assert all(isinstance(r.error, flireo.ValidationError) for r in failed)
    assert [
        "phone_number",
        "phone_number",
        "verification_group_id",
        "number_type",
    ] == [r.error.field for r in failed]
    assert [0, 3, 6] == [
        r.index for r in report.results if r.outcome == Outcome.ORDERED
    ]
    assert (3, dict.fromkeys(good, 1)) == (
        order_posts(sb),
        sb.order_counts(),
    )


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("085-not-e164-", id="invalid-input"),
        pytest.param("+3185999999", id="number-not-offered"),
    ],
)
async def test_items_that_cost_nothing_do_not_use_up_the_credit_budget(bad):
    """Items that failed without being charged leave the credits usable."""
    # 50 credits pay for 5 orders; 4 items that fail without a charge
    # (rejected before sending, or by the server) must not make the job
    # skip the 4 good items after them as "insufficient credits".
    async with running(credits=50) as (sb, client):
        good = sb.available_numbers(limit=5)
        bad_numbers = [f"{bad}{i}" for i in range(4)]
        offered = set(sb.available_numbers(limit=2000))
        requests = orders_of([good[0], *bad_numbers, *good[1:]])
        report = await client.bulk_order(requests, concurrency=1)

    assert set() == offered & set(bad_numbers)
    assert [Outcome.ORDERED] + [Outcome.FAILED] * 4 + [
        Outcome.ORDERED
    ] * 4 == outcomes(report)
    assert (0, dict.fromkeys(good, 1)) == (sb.credits, sb.order_counts())


# --- (5) and (6) credits -----------------------------------------------------


async def test_credits_for_five_orders_place_five_and_skip_the_rest():
    """A job that can pay for 5 orders sends about 5 POSTs, not 40 402s."""
    async with running(credits=50) as (sb, client):
        numbers = sb.available_numbers(limit=40)
        report = await client.bulk_order(orders_of(numbers), concurrency=16)

    skipped = [r for r in report.results if r.outcome == Outcome.SKIPPED]
    assert (5, 0, 35) == (report.ordered, report.failed, report.skipped)
    assert all("insufficient credits" in r.reason for r in skipped)
    assert order_posts(sb) <= 5 + 3
    assert (0, 5) == (sb.credits, len(sb.order_counts()))
    assert 50 == report.credits_used


async def test_a_402_mid_job_stops_new_submissions():
    """When credits run out while receipts said plenty, nothing new leaves."""
    faults = Faults(latency=(0.005, 0.015), apply_to={"orders"})
    async with running(credits=100_000, faults=faults) as (sb, client):
        numbers = sb.available_numbers(limit=80)

        def drain(progress: flireo.BulkProgress) -> None:
            # The account is emptied behind the job's back: the receipts
            # so far said ~99,900 credits were left.
            if progress.completed == 10:
                sb.set_credits(0)

        report = await client.bulk_order(
            orders_of(numbers), concurrency=8, on_progress=drain
        )

    by_outcome: dict[Outcome, list[int]] = {o: [] for o in Outcome}
    for r in report.results:
        by_outcome[r.outcome].append(r.index)
    ordered = by_outcome[Outcome.ORDERED]
    failed = [r for r in report.results if r.outcome == Outcome.FAILED]
    skipped = [r for r in report.results if r.outcome == Outcome.SKIPPED]
    posted = ordered + [r.index for r in failed]
    assert 80 == len(posted) + len(skipped)
    assert 1 <= len(failed) <= 8
    assert all(
        isinstance(r.error, flireo.InsufficientCreditsError) for r in failed
    )
    assert all("insufficient credits" in r.reason for r in skipped)
    # Items go out in input order: nothing after the stop was POSTed.
    assert max(posted) < min(r.index for r in skipped)
    assert len(posted) == order_posts(sb)
    assert {numbers[i]: 1 for i in ordered} == sb.order_counts()


# --- (7) waiting for final statuses -----------------------------------------


async def test_wait_reports_succeeded_and_failed_orders():
    """wait=True ends each item SUCCEEDED or FAILED as the sandbox did."""
    async with running(
        credits=10_000,
        order_completion_delay=0.05,
        order_failure_rate=0.25,
        seed=3,
    ) as (sb, client):
        numbers = sb.available_numbers(limit=30)
        report = await client.bulk_order(
            orders_of(numbers), concurrency=8, wait=True, wait_timeout=10
        )
        final = {n: sb.orders_for(n)[-1] for n in numbers}

    expected = {
        n: Outcome.SUCCEEDED if o["status"] == "success" else Outcome.FAILED
        for n, o in final.items()
    }
    failed = [r for r in report.results if r.outcome == Outcome.FAILED]
    assert expected == {
        r.request.phone_number: r.outcome for r in report.results
    }
    assert 0 < len(failed) < 30
    assert all(r.reason for r in failed)
    assert all(r.order is not None for r in report.results)
    assert [final[r.request.phone_number]["id"] for r in report.results] == [
        r.order.id for r in report.results
    ]
    assert [r.receipt.order_id for r in report.results] == [
        r.order.id for r in report.results
    ]
    assert {"success", "failed"} == {
        str(r.order.status) for r in report.results
    }


# --- (8) bulk_order_iter -----------------------------------------------------


async def test_iter_yields_results_before_the_job_is_done():
    """The first result arrives while most orders are still to be placed."""
    faults = Faults(latency=(0.02, 0.02), apply_to={"orders"})
    async with running(credits=10_000, faults=faults) as (sb, client):
        numbers = sb.available_numbers(limit=40)
        placed_at_first: int | None = None
        indices = []
        async for result in client.bulk_order_iter(
            orders_of(numbers), concurrency=4
        ):
            if placed_at_first is None:
                placed_at_first = len(sb.order_counts())
            indices.append(result.index)

    assert placed_at_first is not None
    assert placed_at_first < 40
    assert list(range(40)) == sorted(indices)


def bulk_tasks() -> list[asyncio.Task[Any]]:
    return [
        t
        for t in asyncio.all_tasks()
        if "BulkJob" in getattr(t.get_coro(), "__qualname__", "")
    ]


async def test_breaking_out_of_iter_cancels_cleanly_and_resumes(tmp_path):
    """Stopping early leaves no task behind; a re-run orders the rest once."""
    journal = tmp_path / "run.jsonl"
    async with running(credits=10_000) as (sb, client):
        numbers = sb.available_numbers(limit=40)
        async with aclosing(
            client.bulk_order_iter(
                orders_of(numbers), concurrency=8, journal=journal
            )
        ) as results:
            async for result in results:
                first = result
                break
        left_behind = bulk_tasks()
        placed_before = len(sb.order_counts())
        report = await client.bulk_order(
            orders_of(numbers), concurrency=8, journal=journal
        )

    assert ([], Outcome.ORDERED) == (left_behind, first.outcome)
    assert placed_before < 40
    assert [Outcome.ORDERED] * 40 == outcomes(report)
    assert report.results[first.index].resumed
    assert dict.fromkeys(numbers, 1) == sb.order_counts()


async def test_an_async_iterable_input_is_consumed_lazily():
    """Requests may come from an async generator, read as the job goes."""
    async with running(credits=10_000) as (sb, client):
        numbers = sb.available_numbers(limit=25)

        async def requests() -> AsyncIterator[flireo.OrderRequest]:
            for number in numbers:
                await asyncio.sleep(0)
                yield flireo.OrderRequest(phone_number=number)

        report = await client.bulk_order(requests(), concurrency=4)

    assert [Outcome.ORDERED] * 25 == outcomes(report)
    assert numbers == [r.request.phone_number for r in report.results]
    assert dict.fromkeys(numbers, 1) == sb.order_counts()


async def test_an_error_in_the_input_reaches_the_caller():
    """An exception raised by the input iterable is raised by bulk_order."""

    def requests() -> Iterable[flireo.OrderRequest]:
        yield flireo.OrderRequest(phone_number="+31850006949")
        raise LookupError("the CSV went away")

    async with running(credits=1000) as (_, client):
        with pytest.raises(LookupError, match="CSV went away"):
            await client.bulk_order(requests())
        left_behind = bulk_tasks()

    assert [] == left_behind


# --- (9) the adaptive window under a server rate limit ----------------------


async def test_the_window_adapts_to_a_rate_limit_with_few_429s():
    """50 requests/s allowed: 120 orders complete with few 429 answers."""
    async with running(credits=10_000, rate_limit=50, rate_window=1.0) as (
        sb,
        client,
    ):
        numbers = sb.available_numbers(limit=120)
        report = await client.bulk_order(orders_of(numbers), concurrency=16)

    statuses = [r.status for r in sb.request_log]
    assert [Outcome.ORDERED] * 120 == outcomes(report)
    assert dict.fromkeys(numbers, 1) == sb.order_counts()
    assert statuses.count(429) <= 0.05 * len(statuses)


# --- (10) resuming from a journal --------------------------------------------


async def test_a_rerun_with_the_same_journal_sends_nothing(tmp_path):
    """Re-running a finished job reports every item resumed, 0 new POSTs."""
    journal = tmp_path / "run.jsonl"
    async with running(credits=10_000) as (sb, client):
        numbers = sb.available_numbers(limit=20)
        first = await client.bulk_order(orders_of(numbers), journal=journal)
        posts_after_first = order_posts(sb)
        second = await client.bulk_order(orders_of(numbers), journal=journal)

    assert [Outcome.ORDERED] * 20 == outcomes(first)
    assert [Outcome.ORDERED] * 20 == outcomes(second)
    assert [True] * 20 == [r.resumed for r in second.results]
    assert (20, 20) == (posts_after_first, order_posts(sb))
    assert [r.receipt.order_id for r in first.results] == [
        r.receipt.order_id for r in second.results
    ]
    assert (200, 0) == (first.credits_used, second.credits_used)


async def test_intents_in_doubt_are_reconciled_or_resent_once(tmp_path):
    """An intent left by a crash: found → not re-sent; absent → sent once."""
    journal = tmp_path / "run.jsonl"
    async with running(credits=10_000) as (sb, client):
        landed, lost, fresh = sb.available_numbers(limit=3)
        # The crashed run's POST for `landed` reached the server.
        receipt = await client.phone_numbers.order(landed)
        journal.write_bytes(
            intent_line(landed, "key-landed") + intent_line(lost, "key-lost")
        )
        posts_before = order_posts(sb)
        report = await client.bulk_order(
            orders_of([landed, lost, fresh]), journal=journal
        )
        posts = order_posts(sb) - posts_before

    got_landed, got_lost, got_fresh = report.results
    assert [Outcome.ORDERED] * 3 == outcomes(report)
    assert (True, receipt.order_id) == (
        got_landed.resumed,
        got_landed.receipt.order_id,
    )
    assert (False, False) == (got_lost.resumed, got_fresh.resumed)
    assert 2 == posts
    assert {landed: 1, lost: 1, fresh: 1} == sb.order_counts()
    assert {landed: "done", lost: "done", fresh: "done"} == {
        n: e.state for n, e in read_journal(journal).items()
    }


async def test_where_a_crash_hit_does_not_change_a_resumed_outcome(
    tmp_path,
):
    """Without wait, a resumed order is ORDERED wherever the crash hit."""
    # Both orders exist and have succeeded at the server.  The crashed run
    # journaled `done` for one and only the intent for the other (it died
    # before the answer).  The re-run, without wait=True, must report them
    # alike, as a fresh item would be: ORDERED.
    journal = tmp_path / "run.jsonl"
    async with running(credits=1000, order_completion_delay=0.0) as (
        sb,
        client,
    ):
        journaled, in_doubt = sb.available_numbers(limit=2)
        first = await client.phone_numbers.order(journaled)
        await client.phone_numbers.order(in_doubt)
        done = {
            "t": "done",
            "n": journaled,
            "o": first.order_id,
            "s": "pending",
            "c": 10,
        }
        journal.write_bytes(
            intent_line(journaled, "key-1")
            + orjson.dumps(done)
            + b"\n"
            + intent_line(in_doubt, "key-2")
        )
        posts_before = order_posts(sb)
        report = await client.bulk_order(
            orders_of([journaled, in_doubt]), journal=journal
        )

    assert 0 == order_posts(sb) - posts_before
    assert [(Outcome.ORDERED, True)] * 2 == [
        (r.outcome, r.resumed) for r in report.results
    ]


async def test_a_torn_last_journal_line_is_ignored(tmp_path):
    """A journal cut mid-line by a crash still resumes what it recorded."""
    journal = tmp_path / "run.jsonl"
    async with running(credits=10_000) as (sb, client):
        numbers = sb.available_numbers(limit=10)
        await client.bulk_order(orders_of(numbers[:5]), journal=journal)
        with journal.open("ab") as fh:
            fh.write(b'{"t":"done","n":"' + numbers[7].encode()[:6])
        second = await client.bulk_order(orders_of(numbers), journal=journal)
        third = await client.bulk_order(orders_of(numbers), journal=journal)

    assert [Outcome.ORDERED] * 10 == outcomes(second)
    assert [True] * 5 + [False] * 5 == [r.resumed for r in second.results]
    assert [True] * 10 == [r.resumed for r in third.results]
    assert dict.fromkeys(numbers, 1) == sb.order_counts()
    assert 10 == order_posts(sb)


async def test_an_order_landing_after_the_rerun_looked_is_not_failed(
    tmp_path,
):
    """A crashed run's POST that lands late is reported ordered, not failed."""
    # The crashed run's POST is still on its way when the re-run starts:
    # the order list does not show it yet, so the number is re-sent with
    # the journal's key, and the server answers already_in_use.  That is
    # the answer to a retry (API.md §5), so the order must be reconciled.
    journal = tmp_path / "run.jsonl"
    faults = Faults(latency=(0.3, 0.3), apply_to={"orders"})
    async with running(credits=1000, faults=faults) as (sb, client):
        number = sb.available_numbers(limit=1)[0]
        journal.write_bytes(intent_line(number, "key-crashed"))
        async with flireo.FlireoClient(
            sb.api_key, base_url=sb.base_url, retry=FAST
        ) as crashed_run:
            in_flight = asyncio.create_task(
                crashed_run.phone_numbers.order(number)
            )
            for _ in range(500):
                if sb.summary()["requests"] >= 1:
                    break
                await asyncio.sleep(0.002)
            report = await client.bulk_order(
                orders_of([number]), journal=journal
            )
            landed = await in_flight

    (result,) = report.results
    assert {number: 1} == sb.order_counts()
    assert (Outcome.ORDERED, None) == (result.outcome, result.error)
    assert landed.order_id == result.receipt.order_id


# --- (11) progress -----------------------------------------------------------


async def test_on_progress_is_called_once_per_item_in_order():
    """Progress counts every item once, completed going 1, 2, … n."""
    seen: list[flireo.BulkProgress] = []
    async with running(credits=10_000) as (sb, client):
        numbers = sb.available_numbers(limit=20)
        requests = orders_of(numbers)
        requests += [
            flireo.OrderRequest(phone_number=numbers[0]),
            flireo.OrderRequest(phone_number="not-a-number"),
        ]
        report = await client.bulk_order(
            requests, concurrency=8, on_progress=seen.append
        )

    last = seen[-1]
    assert list(range(1, 23)) == [p.completed for p in seen]
    assert (20, 1, 1) == (last.ordered, last.failed, last.skipped)
    assert (report.ordered, report.failed, report.skipped) == (
        last.ordered,
        last.failed,
        last.skipped,
    )
    assert all(1 <= p.concurrency <= 8 for p in seen)
    assert all(0 <= p.in_flight <= 8 for p in seen)
