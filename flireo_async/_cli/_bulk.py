"""
``flireo bulk-order FILE.csv``: the main job from the shell.

The job streams results (``bulk_order_iter``) so that, stopped by Ctrl-C
or SIGTERM, it still knows what was placed: the engine's ``finally``
closes the journal, and the command prints a summary and the exact
command that resumes.  Without ``--journal`` a journal is kept in the
state directory for the run and removed once every row is done, so an
interrupted or partial run can always be resumed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from .._bulk._models import BulkProgress
from ._commands import connect
from ._csv import CsvError, CsvInput, load
from ._output import err_console, print_json, warn
from ._report import Tally, print_report
from ._run import EXIT_FAILED, Interrupted, received_signal, report_error


__all__ = ["run"]


def _state_dir() -> Path:
    root = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local/state"
    return Path(root) / "flireo" / "bulk"


@attrs.define
class _Journal:
    path: str
    # The directory made for this run when no --journal was given.
    own_dir: Path | None = None

    @classmethod
    def for_run(cls, asked: str | None) -> _Journal:
        if asked is not None:
            return cls(asked)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        directory = _state_dir() / f"{stamp}-{os.getpid()}"
        directory.mkdir(parents=True, exist_ok=True)
        return cls(str(directory / "journal.jsonl"), directory)

    def finish(self, done: bool) -> None:
        # A journal nobody asked for is only worth keeping to resume.
        if done and self.own_dir is not None:
            shutil.rmtree(self.own_dir, ignore_errors=True)


def resume_command(argv: list[str], journal: str) -> str:
    """
    The command line that resumes a run of *argv* from *journal*.

    Args:
        argv: The original arguments (without the program name).
        journal: The run's journal.

    Returns:
        A shell-quoted command; an ``--api-key`` value is left out (it
        would end up in logs), with a note to set ``FLIREO_API_KEY``.
    """
    kept: list[str] = []
    words = iter(argv)
    dropped_key = False
    for word in words:
        if word == "--api-key":
            next(words, None)
            dropped_key = True
        elif word.startswith("--api-key="):
            dropped_key = True
        else:
            kept.append(word)
    if not any(w == "--journal" or w.startswith("--journal=") for w in kept):
        kept += ["--journal", journal]
    command = shlex.join(["flireo", *kept])
    if dropped_key:
        command = f"FLIREO_API_KEY=... {command}"
    return command


@contextlib.contextmanager
def _progress_bar(ns: argparse.Namespace, total: int) -> Iterator[Any]:
    console = err_console()
    shown = not ns.no_progress and console.is_terminal and total > 0
    with Progress(
        TextColumn("ordering"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not shown,
    ) as bar:
        task = bar.add_task("bulk", total=total, detail="")

        def update(p: BulkProgress) -> None:
            bar.update(
                task,
                completed=p.completed,
                detail=(
                    f"resumed {p.resumed} · ordered {p.ordered} · failed "
                    f"{p.failed} · skipped {p.skipped} · in flight "
                    f"{p.in_flight}"
                ),
            )

        yield update if shown else None


async def _order(
    ns: argparse.Namespace, data: CsvInput, journal: str, tally: Tally
) -> None:
    async with connect(ns) as client:
        with _progress_bar(ns, len(data.requests)) as progress:
            stream = client.bulk_order_iter(
                data.requests,
                concurrency=ns.concurrency,
                journal=journal,
                wait=ns.wait,
                wait_timeout=ns.wait_timeout,
                rate_limit=ns.rate_limit,
                on_progress=progress,
            )
            # Cancelled while it waits, the engine's generator ends in its
            # ``finally``: tasks cancelled, journal closed.
            async for result in stream:
                tally.add(result)


async def run(ns: argparse.Namespace) -> int:
    """``flireo bulk-order``."""
    try:
        data = load(ns.file)
    except CsvError as exc:
        return report_error(ns, CsvError(f"{ns.file}: {exc}"), EXIT_FAILED)
    for row in data.bad:
        warn(f"line {row.line}: {row.error}")
    journal = _Journal.for_run(ns.journal)
    tally = Tally(data, wait=ns.wait)
    try:
        await _order(ns, data, journal.path, tally)
    except asyncio.CancelledError:
        signum = received_signal()
        if signum is None:
            raise
        _stopped(ns, tally, journal, signum)
        raise Interrupted(signum, reported=True) from None
    except BaseException:
        journal.finish(done=False)
        raise
    done = tally.all_done()
    journal.finish(done)
    command = None if done else resume_command(ns.argv, journal.path)
    kept = journal.path if command or journal.own_dir is None else None
    print_report(ns, tally, kept, command)
    return 0 if done else EXIT_FAILED


def _stopped(
    ns: argparse.Namespace, tally: Tally, journal: _Journal, signum: int
) -> None:
    journal.finish(done=False)
    command = resume_command(ns.argv, journal.path)
    name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
    if ns.json:
        body = tally.as_json(journal.path, command)
        body["summary"]["interrupted"] = name
        print_json(body)
    warn(f"flireo: interrupted by {name}: {tally.line()}")
    warn(f"flireo: resume with: {command}")
