"""
A bulk job you can trust with money (API.md §6, §9): transient failures
get later passes, one running job per journal, early stop against a dead
server or a refused key, honest resume accounting, Telnyx on the same
engine.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import SandboxProcess, done_records

import flireo_async as flireo
from flireo_async import Outcome
from flireo_async._bulk._journal import read_journal
from flireo_async.telnyx import TelnyxClient
from flireo_async.testing.sandbox import Faults, Sandbox, TelnyxSandbox


FAST = flireo.RetryPolicy(initial_delay=0.01, max_delay=0.05)


@asynccontextmanager
async def running(
    retry: flireo.RetryPolicy = FAST, **config: Any
) -> AsyncIterator[tuple[Sandbox, flireo.FlireoClient]]:
    async with (
        Sandbox(**config) as sb,
        flireo.FlireoClient(
            sb.api_key, base_url=sb.base_url, retry=retry
        ) as client,
    ):
        yield sb, client


def orders_of(numbers: Iterable[str]) -> list[flireo.OrderRequest]:
    return [flireo.OrderRequest(phone_number=n) for n in numbers]


# -- transient failures get later passes --


@pytest.mark.parametrize("seed", range(10))
async def test_the_fault_mix_ends_with_every_item_ordered(seed: int) -> None:
    """10% 500s before committing, 30% drops after: 300 ordered, every
    seed, with the default retry policy (three attempts per call)."""
    faults = Faults(
        error_rate=0.1, drop_after_commit_rate=0.3, apply_to={"orders"}
    )
    async with running(credits=10_000, seed=seed, faults=faults) as (
        sb,
        client,
    ):
        numbers = sb.available_numbers(limit=300)
        report = await client.bulk_order(orders_of(numbers), concurrency=16)

    assert [Outcome.ORDERED] * 300 == [r.outcome for r in report.results]
    assert dict.fromkeys(numbers, 1) == sb.order_counts()


async def test_an_item_failing_every_pass_ends_failed_with_its_error() -> None:
    """Passes are bounded: a number whose POST always fails with a 5xx
    ends failed with that error once max_passes are spent."""
    faults = Faults(error_rate=1.0, apply_to={"orders"})
    async with running(credits=10_000, faults=faults) as (sb, client):
        numbers = sb.available_numbers(limit=2)
        started = time.monotonic()
        report = await client.bulk_order(
            orders_of(numbers), max_passes=3, concurrency=2
        )

    assert [Outcome.FAILED] * 2 == [r.outcome for r in report.results]
    assert all(isinstance(r.error, flireo.ServerError) for r in report.results)
    # Three passes of up to three sends each, nothing more.
    posts = [r for r in sb.request_log if r.route == "order_number"]
    assert len(posts) == 2 * 3 * 3
    assert time.monotonic() - started < 10
    assert {} == sb.order_counts()


async def test_refusals_are_not_retried_in_later_passes() -> None:
    async with running(credits=10_000) as (sb, client):
        number = sb.available_numbers(limit=1)[0]
        await client.phone_numbers.order(number)
        report = await client.bulk_order(orders_of([number]))

    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert isinstance(result.error, flireo.AlreadyInUseError)
    posts = [r for r in sb.request_log if r.route == "order_number"]
    assert len(posts) == 2


# -- early stop --


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_job_against_a_closed_port_stops_within_seconds() -> None:
    numbers = [f"+318500{i:05d}" for i in range(1000)]
    async with flireo.FlireoClient(
        "fl_test_x", base_url=f"http://127.0.0.1:{_closed_port()}", retry=FAST
    ) as client:
        started = time.monotonic()
        report = await client.bulk_order(orders_of(numbers), concurrency=16)
        took = time.monotonic() - started

    assert took < 5
    failed = [r for r in report.results if r.outcome is Outcome.FAILED]
    skipped = [r for r in report.results if r.outcome is Outcome.SKIPPED]
    assert 1 <= len(failed) <= 16
    assert all(isinstance(r.error, flireo.ConnectError) for r in failed)
    assert len(skipped) == 1000 - len(failed)
    assert all("unreachable" in (r.reason or "") for r in skipped)


async def test_a_refused_key_stops_the_job_at_once() -> None:
    async with Sandbox() as sb:
        numbers = sb.available_numbers(limit=200)
        async with flireo.FlireoClient(
            "fl_test_wrong_key", base_url=sb.base_url, retry=FAST
        ) as client:
            report = await client.bulk_order(orders_of(numbers))

    failed = [r for r in report.results if r.outcome is Outcome.FAILED]
    skipped = [r for r in report.results if r.outcome is Outcome.SKIPPED]
    assert 1 <= len(failed) <= 16
    assert all(isinstance(r.error, flireo.AuthenticationError) for r in failed)
    assert len(skipped) == 200 - len(failed)
    assert all("key was refused" in (r.reason or "") for r in skipped)
    posts = [r for r in sb.request_log if r.route == "order_number"]
    assert len(posts) == len(failed)


# -- resume accounting --


async def test_a_resumed_run_reports_resumed_and_no_new_credits(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "run.jsonl"
    progress: list[flireo.BulkProgress] = []
    async with running(credits=10_000) as (sb, client):
        numbers = sb.available_numbers(limit=50)
        first = await client.bulk_order(orders_of(numbers), journal=journal)
        second = await client.bulk_order(
            orders_of(numbers), journal=journal, on_progress=progress.append
        )
        posts = [r for r in sb.request_log if r.route == "order_number"]

    assert first.credits_used == 500
    assert not any(r.resumed for r in first.results)
    assert second.credits_used == 0
    assert all(r.resumed for r in second.results)
    assert [Outcome.ORDERED] * 50 == [r.outcome for r in second.results]
    assert progress[-1].resumed == 50
    assert len(posts) == 50


# -- one running job per journal --


async def test_a_second_job_on_a_journal_in_use_is_refused_before_sending(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "run.jsonl"
    slow = Faults(latency=(0.05, 0.05), apply_to={"orders"})
    async with running(credits=10_000, faults=slow) as (sb, client):
        numbers = sb.available_numbers(limit=40)
        first = asyncio.create_task(
            client.bulk_order(orders_of(numbers), journal=journal)
        )
        # Wait for the first job to hold the journal (it writes intents
        # only while it holds it).
        while not journal.exists() or not journal.read_bytes():
            await asyncio.sleep(0.01)
        posts_before = len(sb.request_log)
        with pytest.raises(flireo.JournalInUseError):
            await client.bulk_order(orders_of(numbers), journal=journal)
        report = await first

    assert report.ordered == 40
    assert dict.fromkeys(numbers, 1) == sb.order_counts()
    states = {e.state for e in read_journal(journal).values()}
    assert states == {"done"}
    assert posts_before <= len(sb.request_log)


HOLDER = textwrap.dedent(
    """
    import fcntl, sys, time
    fh = open(sys.argv[1], "ab")
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.read()
    """
)


async def test_a_journal_held_by_another_process_is_refused(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "run.jsonl"
    journal.write_bytes(b"")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(journal)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        async with running(credits=100) as (sb, client):
            numbers = sb.available_numbers(limit=3)
            with pytest.raises(flireo.JournalInUseError, match="in use"):
                await client.bulk_order(orders_of(numbers), journal=journal)
            assert [] == [
                r for r in sb.request_log if r.route == "order_number"
            ]
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    assert journal.read_bytes() == b""


TWO_JOBS_DRIVER = textwrap.dedent(
    """
    import asyncio, json, sys
    import flireo_async as flireo

    async def main(base_url, key, numbers, journal):
        retry = flireo.RetryPolicy(initial_delay=0.01, max_delay=0.05)
        async with flireo.FlireoClient(
            key, base_url=base_url, retry=retry
        ) as client:
            try:
                report = await client.bulk_order(
                    [flireo.OrderRequest(phone_number=n)
                     for n in numbers.split(",")],
                    journal=journal, concurrency=4,
                )
            except flireo.JournalInUseError as exc:
                print(json.dumps({"refused": str(exc)}))
                return
        print(json.dumps({"ordered": report.ordered,
                          "resumed": sum(r.resumed for r in report.results)}))

    asyncio.run(main(*sys.argv[1:]))
    """
)


def test_two_processes_on_one_journal(
    tmp_path: Path, sandbox_process: Callable[..., SandboxProcess]
) -> None:
    """Started together, one job runs and the other is refused before
    sending; a resume then finds every number ordered, once."""
    box = sandbox_process(
        "--credits",
        "100000",
        "--latency",
        "0.02",
        "0.04",
        "--apply-to",
        "orders",
    )
    url, key = box.url, box.api_key
    numbers = box.inspect("available-numbers?limit=60")["data"]
    driver = tmp_path / "driver.py"
    driver.write_text(TWO_JOBS_DRIVER)
    journal = tmp_path / "run.jsonl"
    command = [
        sys.executable,
        str(driver),
        url,
        key,
        ",".join(numbers),
        str(journal),
    ]
    jobs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    answers = [json.loads(job.communicate(timeout=60)[0]) for job in jobs]
    resumed = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=True
    )
    counts = box.inspect("order-counts")["data"]

    refused = [a for a in answers if "refused" in a]
    ran = [a for a in answers if "ordered" in a]
    # Either the second was refused, or it started after the first was
    # done and resumed everything; never both running.
    assert len(ran) >= 1
    assert ran[0]["ordered"] == 60
    assert len(refused) + len(ran) == 2
    if len(ran) == 2:
        assert sorted(a["resumed"] for a in ran) == [0, 60]
    assert json.loads(resumed.stdout) == {"ordered": 60, "resumed": 60}
    assert dict.fromkeys(numbers, 1) == counts
    assert {e.state for e in read_journal(journal).values()} == {"done"}


# -- Telnyx on the same engine --


async def test_telnyx_bulk_journal_resumes_without_reordering(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "telnyx.jsonl"
    async with TelnyxSandbox() as sb:
        async with TelnyxClient(
            sb.api_key, base_url=sb.base_url, retry=FAST
        ) as telnyx:
            found = await telnyx.available_phone_numbers.search(
                country_code="NL", limit=30
            )
            numbers = [n.phone_number for n in found]
            first = await telnyx.bulk_order(
                numbers, numbers_per_order=7, journal=journal
            )
            second = await telnyx.bulk_order(
                numbers, numbers_per_order=7, journal=journal
            )
        orders = [
            r for r in sb.request_log if r.route == "create_number_order"
        ]

    assert first.ordered == 30
    assert not any(r.resumed for r in first.results)
    assert all(r.resumed for r in second.results)
    assert second.ordered == 30
    assert len(orders) == 5  # ceil(30 / 7)
    references = {e.idempotency_key for e in read_journal(journal).values()}
    assert len(references) == 5
    assert all(k and k.startswith("flireo-async:") for k in references)


TELNYX_DRIVER = textwrap.dedent(
    """
    import asyncio, json, sys
    import flireo_async as flireo
    from flireo_async.telnyx import TelnyxClient

    async def main(base_url, key, numbers, journal):
        retry = flireo.RetryPolicy(initial_delay=0.01, max_delay=0.05)
        async with TelnyxClient(key, base_url=base_url, retry=retry) as t:
            if numbers == "search":
                found = await t.available_phone_numbers.search(
                    country_code="NL", limit=100
                )
                print(",".join(n.phone_number for n in found))
                return
            report = await t.bulk_order(
                numbers.split(","), numbers_per_order=5, concurrency=2,
                journal=journal,
            )
        print(json.dumps([[r.request.phone_number, str(r.outcome),
                           r.resumed] for r in report.results]))

    asyncio.run(main(*sys.argv[1:]))
    """
)


def test_telnyx_bulk_killed_mid_run_orders_every_number_once(
    tmp_path: Path, sandbox_process: Callable[..., SandboxProcess]
) -> None:
    box = sandbox_process(
        "--telnyx",
        "--credits",
        "100000",
        "--latency",
        "0.05",
        "0.1",
        "--apply-to",
        "orders",
    )
    url, key = box.url, box.api_key
    driver = tmp_path / "driver.py"
    driver.write_text(TELNYX_DRIVER)
    # Telnyx sells only numbers a search has shown.
    numbers = (
        subprocess.run(
            [sys.executable, str(driver), url, key, "search", "-"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        .stdout.strip()
        .split(",")
    )
    assert len(numbers) == 100
    journal = tmp_path / "telnyx.jsonl"
    command = [
        sys.executable,
        str(driver),
        url,
        key,
        ",".join(numbers),
        str(journal),
    ]
    first = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for_done_records(journal, first, at_least=10)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=5) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=5)
    second = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=True
    )
    counts = box.inspect("order-counts")["data"]

    results = json.loads(second.stdout)
    assert [n for n, _, _ in results] == numbers
    assert {outcome for _, outcome, _ in results} == {"ordered"}
    assert any(resumed for _, _, resumed in results)
    assert dict.fromkeys(numbers, 1) == counts


def _wait_for_done_records(
    journal: Path, job: subprocess.Popen[bytes], *, at_least: int
) -> None:
    deadline = time.monotonic() + 30
    while done_records(journal) < at_least and job.poll() is None:
        assert time.monotonic() < deadline, "the job never got going"
        time.sleep(0.02)


# -- waiting survives odd answers ---------------------------------------------


async def test_waiting_when_the_server_answers_with_another_order() -> None:
    """GET /orders/A answered with order B settles nothing and raises
    nothing: A ends ordered, with the reason it is not final."""
    from flireo_async.testing import MockTransport

    placed = {
        "message": "ok",
        "data": {
            "order_id": "order-a",
            "phone_number": "+31851234567",
            "number_type": "national",
            "status": "pending",
            "credits_used": 10,
            "remaining_credits": 990,
        },
    }
    other = {
        "data": {
            "id": "order-b",
            "phone_number": "+31859999999",
            "status": "success",
            "number_type": "national",
            "ordered_at": "2025-01-15T10:30:00Z",
        }
    }

    def answer(request: flireo.Request) -> flireo.Response:
        body = placed if request.method == "POST" else other
        return flireo.Response(status=200, body=json.dumps(body).encode())

    async with flireo.FlireoClient(
        "fl_test_x",
        base_url="https://api.example.test",
        transport=MockTransport(answer),
        retry=FAST,
    ) as client:
        report = await client.bulk_order(
            orders_of(["+31851234567"]), wait=True, wait_timeout=0.3
        )

    (result,) = report.results
    assert result.outcome is Outcome.ORDERED
    assert result.receipt is not None
    assert result.receipt.order_id == "order-a"
    assert "still pending" in (result.reason or "")


async def test_an_unknown_outcome_found_absent_later_is_sent_once_more() -> (
    None
):
    """Pass 1: the POST fails ambiguously and the list is unreadable, so
    the outcome is unknown.  Pass 2 finds the list empty and re-sends
    exactly once; the item gets exactly one result."""
    from flireo_async.testing import MockTransport

    calls = {"POST": 0, "GET": 0}
    placed = {
        "message": "ok",
        "data": {
            "order_id": "order-a",
            "phone_number": "+31851234567",
            "number_type": "national",
            "status": "pending",
            "credits_used": 10,
            "remaining_credits": 990,
        },
    }
    empty = {"data": [], "meta": {"total": 0, "limit": 100, "offset": 0}}
    busy = {"error": {"code": "internal_error", "message": "busy"}}

    def answer(request: flireo.Request) -> flireo.Response:
        calls[request.method] += 1
        if request.method == "POST":
            status, body = (503, busy) if calls["POST"] == 1 else (201, placed)
        else:
            # The list fails for the whole first reconciliation (three
            # attempts), then answers.
            status, body = (500, busy) if calls["GET"] <= 3 else (200, empty)
        return flireo.Response(status=status, body=json.dumps(body).encode())

    async with flireo.FlireoClient(
        "fl_test_x",
        base_url="https://api.example.test",
        transport=MockTransport(answer),
        retry=FAST,
    ) as client:
        report = await client.bulk_order(orders_of(["+31851234567"]))

    (result,) = report.results
    assert result.outcome is Outcome.ORDERED
    assert calls["POST"] == 2


async def test_telnyx_intents_in_doubt_are_found_by_reference(
    tmp_path: Path,
) -> None:
    """An earlier run's intent whose order exists is reported (resumed,
    reconciled), not ordered again; bad items fail alone."""
    journal = tmp_path / "telnyx.jsonl"
    async with TelnyxSandbox() as sb:
        async with TelnyxClient(
            sb.api_key, base_url=sb.base_url, retry=FAST
        ) as telnyx:
            found = await telnyx.available_phone_numbers.search(
                country_code="NL", limit=4
            )
            numbers = [n.phone_number for n in found]
            reference = "flireo-async:earlier-run"
            await telnyx.number_orders.create(
                phone_numbers=numbers[:2], customer_reference=reference
            )
            # The earlier run crashed after its POST: intents only.
            journal.write_text(
                "".join(
                    json.dumps(
                        {
                            "t": "intent",
                            "n": n,
                            "k": reference,
                            "ts": "2025-01-01T00:00:00+00:00",
                        }
                    )
                    + "\n"
                    for n in numbers[:2]
                )
            )
            report = await telnyx.bulk_order(
                [*numbers, 7, {"phone_number": numbers[3], "x": "y"}],
                numbers_per_order=10,
                journal=journal,
            )
        creates = [
            r for r in sb.request_log if r.route == "create_number_order"
        ]

    outcomes = [r.outcome for r in report.results]
    assert outcomes[:4] == [Outcome.ORDERED] * 4
    assert [r.resumed for r in report.results[:4]] == [
        True,
        True,
        False,
        False,
    ]
    assert all(
        r.receipt is not None and r.receipt.reconciled
        for r in report.results[:2]
    )
    assert outcomes[4:] == [Outcome.FAILED, Outcome.SKIPPED]
    assert isinstance(report.results[4].error, flireo.ValidationError)
    # The first create was ours above; the job sent one more, not two.
    assert len(creates) == 2
