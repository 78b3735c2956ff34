"""
Exit codes and interruptions of `flireo bulk-order`, as a shell sees them.

Each test starts its own sandbox server (`flireo sandbox`, in its own
process) and runs the console script against it.  Interruptions are sent
once the progress bar — drawn on a pseudo-terminal, as in a real shell —
shows a placed order, so they never depend on a guess about timing.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flireo_async.testing.sandbox import Sandbox


FLIREO = Path(sys.executable).parent / "flireo"
TIMEOUT = 30
KEY = "fl_test_sandbox"
NUMBERS = Sandbox().available_numbers(limit=40)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX signals and pseudo-terminals"
)


@pytest.fixture(name="env")
def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "FLIREO_API_KEY": KEY,
        "TERM": "xterm",
        "COLUMNS": "200",
    }


@contextlib.contextmanager
def sandbox_server(*options: str) -> Iterator[str]:
    """Serve a sandbox in its own process; yield its base URL."""
    process = subprocess.Popen(
        [str(FLIREO), "sandbox", "--port", "0", *options],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert url, line
        yield url.group(0)
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
        process.stdout.close()


def write_numbers(path: Path, count: int) -> Path:
    path.write_text("phone_number\n" + "\n".join(NUMBERS[:count]) + "\n")
    return path


class OnTerminal:
    """`flireo` with its stderr on a pseudo-terminal (its progress bar)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        self.master = master
        self.seen = ""
        self.process = subprocess.Popen(
            [str(FLIREO), *args],
            stdout=subprocess.PIPE,
            stderr=slave,
            env=env,
            text=True,
        )
        os.close(slave)  # the child's copy is the only one: EOF at exit

    def read_until(self, pattern: str) -> str:
        """Read the terminal until *pattern* shows, within the timeout."""
        deadline = time.monotonic() + TIMEOUT
        while not re.search(pattern, self.seen):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(left, 0))
            if not ready:
                pytest.fail(f"no {pattern!r} within {TIMEOUT}s: {self.seen}")
            if not self._read():
                pytest.fail(f"exited before {pattern!r}: {self.seen}")
        return self.seen

    def _read(self) -> bool:
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.seen += ANSI.sub("", chunk.decode(errors="replace"))
        return bool(chunk)

    def finish(self) -> tuple[int, str, str]:
        """Wait for the exit; return the code, stdout and the terminal."""
        assert self.process.stdout is not None
        out = self.process.stdout.read()
        code = self.process.wait(timeout=TIMEOUT)
        while self._read():
            pass
        return code, out, self.seen

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)
        if self.process.stdout is not None:
            self.process.stdout.close()
        os.close(self.master)


@contextlib.contextmanager
def on_terminal(args: list[str], env: dict[str, str]) -> Iterator[OnTerminal]:
    run = OnTerminal(args, env)
    try:
        yield run
    finally:
        run.close()


def flireo(
    args: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLIREO), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
    )


def test_every_row_ordered_exits_zero(tmp_path, env):
    """All rows ordered: exit 0, and the run's own journal is removed."""
    csv_file = write_numbers(tmp_path / "numbers.csv", 10)
    with sandbox_server() as url:
        run = flireo(["bulk-order", str(csv_file), "--base-url", url], env)

    assert 0 == run.returncode, run.stderr
    assert [] == list(Path(env["XDG_STATE_HOME"]).glob("flireo/bulk/*"))


def test_a_partial_job_exits_one_and_says_how_to_resume(tmp_path, env):
    """40 rows, credits for 20: 20 ordered, 20 skipped, exit 1."""
    csv_file = write_numbers(tmp_path / "numbers.csv", 40)
    with sandbox_server("--credits", "200") as url:
        run = flireo(
            ["bulk-order", str(csv_file), "--base-url", url, "--json"], env
        )
    summary = json.loads(run.stdout)["summary"]

    assert 1 == run.returncode
    assert (20, 20, 200) == (
        summary["ordered"],
        summary["skipped"],
        summary["credits_used"],
    )
    assert Path(summary["journal"]).exists()
    assert f"resume with: {summary['resume_command']}" in run.stderr


def interrupt(
    tmp_path: Path, env: dict[str, str], signum: int
) -> tuple[int, str, str, str]:
    """Stop a slow 30-row job once it has placed an order."""
    csv_file = write_numbers(tmp_path / "numbers.csv", 30)
    journal = tmp_path / "run.jsonl"
    args = [
        "bulk-order",
        str(csv_file),
        "--journal",
        str(journal),
        "--concurrency",
        "1",
        "--json",
    ]
    with (
        sandbox_server(
            "--latency", "0.1", "0.1", "--apply-to", "order_number"
        ) as url,
        on_terminal([*args, "--base-url", url], env) as job,
    ):
        job.read_until(r"ordered [1-9]")
        job.process.send_signal(signum)
        code, out, terminal = job.finish()
        resumed = flireo(
            shlex.split(re.findall(r"resume with: (.*)", terminal)[-1])[1:],
            env,
        )
    assert 0 == resumed.returncode, resumed.stderr
    return code, out, terminal, resumed.stdout


@pytest.mark.parametrize(
    ("signum", "code", "name"),
    [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")],
    ids=["ctrl-c", "sigterm"],
)
def test_an_interrupted_job_summarises_and_resumes(
    tmp_path, env, signum, code, name
):
    """Exit 130/143 after a summary; the printed command finishes the job."""
    exit_code, out, terminal, resumed_out = interrupt(tmp_path, env, signum)
    stopped = json.loads(out)["summary"]
    resumed = json.loads(resumed_out)["summary"]

    assert code == exit_code
    assert name == stopped["interrupted"]
    placed = stopped["ordered"]
    assert 1 <= placed < 30
    assert re.search(
        rf"flireo: interrupted by {name}: {placed} of 30 rows ordered",
        terminal,
    )
    assert "Traceback" not in terminal
    # The resume run reports the earlier run's orders, orders the rest
    # and is not charged twice.
    # (The order in flight when the signal came may have been placed: the
    # resume finds it in the order list.)
    assert 30 == resumed["ordered"]
    assert placed <= resumed["resumed"] <= placed + 1
    assert 10 * (30 - placed) >= resumed["credits_used"]


def test_the_progress_bar_shows_resumed_ordered_and_in_flight(tmp_path, env):
    """On a terminal the bar counts each outcome and the orders in flight."""
    csv_file = write_numbers(tmp_path / "numbers.csv", 5)
    with (
        sandbox_server() as url,
        on_terminal(
            ["bulk-order", str(csv_file), "--base-url", url], env
        ) as job,
    ):
        code, _, terminal = job.finish()

    assert 0 == code
    assert re.search(
        r"resumed 0 · ordered 5 · failed 0 · skipped 0 · in flight 0",
        terminal,
    )
    assert "window" not in terminal


def test_a_journal_in_use_is_one_line_and_exit_one(tmp_path, env):
    """A second job on a running job's journal stops before sending."""
    csv_file = write_numbers(tmp_path / "numbers.csv", 30)
    journal = str(tmp_path / "run.jsonl")
    with (
        sandbox_server(
            "--latency", "0.1", "0.1", "--apply-to", "order_number"
        ) as url,
        on_terminal(
            [
                "bulk-order",
                str(csv_file),
                "--journal",
                journal,
                "--concurrency",
                "1",
                "--base-url",
                url,
            ],
            env,
        ) as first,
    ):
        first.read_until(r"ordered [1-9]")
        second = flireo(
            [
                "bulk-order",
                str(csv_file),
                "--journal",
                journal,
                "--base-url",
                url,
            ],
            env,
        )
        first.process.send_signal(signal.SIGINT)
        first.finish()

    assert 1 == second.returncode
    assert "" == second.stdout
    assert re.fullmatch(r"flireo: JournalInUseError: .*\n", second.stderr)
