"""kill -9 in the middle of a bulk job: the re-run orders each number once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SandboxProcess, done_records

from flireo_async._bulk._journal import read_journal


DRIVER = """
import asyncio
import json
import sys
from pathlib import Path

import flireo_async as flireo


async def main(base_url: str, numbers_file: str, journal: str) -> None:
    numbers = Path(numbers_file).read_text().split()
    retry = flireo.RetryPolicy(initial_delay=0.01, max_delay=0.05)
    async with flireo.FlireoClient(
        "fl_test_sandbox", base_url=base_url, retry=retry
    ) as client:
        report = await client.bulk_order(
            [flireo.OrderRequest(phone_number=n) for n in numbers],
            journal=journal,
            concurrency=8,
        )
    print(json.dumps([
        {
            "index": r.index,
            "phone_number": r.request.phone_number,
            "outcome": str(r.outcome),
            "resumed": r.resumed,
            "error": None if r.error is None else repr(r.error),
        }
        for r in report.results
    ]))


asyncio.run(main(*sys.argv[1:]))
"""

COUNT = 200


@pytest.fixture(name="sandbox")
def _sandbox(sandbox_process: Callable[..., SandboxProcess]) -> SandboxProcess:
    """A sandbox in its own process, with 50–100 ms latency per order."""
    return sandbox_process(
        "--credits",
        "100000",
        "--latency",
        "0.05",
        "0.1",
        "--apply-to",
        "orders",
        # Orders stay pending, so a resumed item's outcome cannot
        # depend on how long the re-run took to start.
        "--order-completion-delay",
        "60",
    )


def test_a_job_killed_mid_run_resumes_without_ordering_twice(
    tmp_path: Path, sandbox: SandboxProcess
) -> None:
    """After SIGKILL, re-running with the journal orders every number once."""
    numbers = sandbox.inspect(f"available-numbers?limit={COUNT}")["data"]
    numbers_file = tmp_path / "numbers.txt"
    numbers_file.write_text("\n".join(numbers))
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    journal = tmp_path / "run.jsonl"
    command = [
        sys.executable,
        str(driver),
        sandbox.url,
        str(numbers_file),
        str(journal),
    ]

    first = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while done_records(journal) < 20 and first.poll() is None:
            assert time.monotonic() < deadline, "the job never got going"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first_code = first.wait(timeout=5)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=5)
    done_at_kill = done_records(journal)
    in_doubt = [
        n for n, e in read_journal(journal).items() if e.state == "intent"
    ]

    second = subprocess.run(
        command, capture_output=True, text=True, timeout=20, check=False
    )
    results = json.loads(second.stdout)
    counts = sandbox.inspect("order-counts")["data"]

    assert -signal.SIGKILL == first_code
    assert 20 <= done_at_kill < COUNT
    assert 1 <= len(in_doubt) <= 8
    assert 0 == second.returncode, second.stderr
    assert list(range(COUNT)) == [r["index"] for r in results]
    assert numbers == [r["phone_number"] for r in results]
    assert [("ordered", None)] * COUNT == [
        (r["outcome"], r["error"]) for r in results
    ]
    resumed = sum(r["resumed"] for r in results)
    assert done_at_kill <= resumed < COUNT
    assert dict.fromkeys(numbers, 1) == counts
