"""
API.md §6's promise through interruptions: under faults on every request,
a 3,000-item job killed eleven times (kill -9, SIGTERM, Ctrl-C in turn)
and resumed each time ends with every number ordered exactly once and
every item ordered.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SandboxProcess

from flireo_async._bulk._journal import read_journal


COUNT = 3000
KILLS = 11
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)

DRIVER = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path
    import flireo_async as flireo

    async def main(base_url, numbers_file, journal):
        numbers = Path(numbers_file).read_text().split()
        retry = flireo.RetryPolicy(initial_delay=0.01, max_delay=0.05)
        async with flireo.FlireoClient(
            "fl_test_sandbox", base_url=base_url, retry=retry
        ) as client:
            report = await client.bulk_order(
                [flireo.OrderRequest(phone_number=n) for n in numbers],
                journal=journal, concurrency=32,
            )
        print(json.dumps([
            [r.request.phone_number, str(r.outcome),
             None if r.error is None else repr(r.error)]
            for r in report.results
        ]))

    asyncio.run(main(*sys.argv[1:]))
    """
)


@pytest.fixture(name="sandbox")
def _sandbox(sandbox_process: Callable[..., SandboxProcess]) -> SandboxProcess:
    """A sandbox process failing 10% of requests with a 5xx, 5% with an
    HTML 502, and dropping 30% of order POSTs after committing them."""
    return sandbox_process(
        "--credits",
        "1000000",
        "--seed",
        "11",
        "--error-rate",
        "0.1",
        "--html-error-rate",
        "0.05",
        "--drop-after-commit-rate",
        "0.3",
        "--latency",
        "0.005",
        "0.02",
        "--apply-to",
        "all",
        "--order-completion-delay",
        "3600",
        "--request-log-limit",
        "1000",
        "--inventory-size",
        "4000",
    )


def _settled(journal: Path) -> int:
    """Numbers the journal records as placed (its own reading of it)."""
    return sum(
        e.state in ("done", "final") for e in read_journal(journal).values()
    )


def test_a_job_interrupted_eleven_times_orders_everything_once(
    tmp_path: Path, sandbox: SandboxProcess
) -> None:
    numbers = sandbox.inspect(f"available-numbers?limit={COUNT}")["data"]
    assert len(numbers) == COUNT
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
    step = COUNT // (KILLS + 2)
    codes = []
    for kill in range(KILLS):
        target = _settled(journal) + step
        job = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while _settled(journal) < target and job.poll() is None:
                assert time.monotonic() < deadline, "the job stalled"
                time.sleep(0.05)
            job.send_signal(SIGNALS[kill % len(SIGNALS)])
            codes.append(job.wait(timeout=20))
        finally:
            if job.poll() is None:
                job.kill()
                job.wait(timeout=5)

    final = subprocess.run(
        command, capture_output=True, text=True, timeout=240, check=False
    )
    counts = sandbox.inspect("order-counts")["data"]

    assert final.returncode == 0, final.stderr[-2000:]
    # Every interruption hit a running job (none had finished by itself).
    assert all(code != 0 for code in codes), codes
    results = json.loads(final.stdout)
    assert [n for n, _, _ in results] == numbers
    assert [("ordered", None)] * COUNT == [(o, e) for _, o, e in results]
    assert dict.fromkeys(numbers, 1) == counts
