"""
Running one command: signals, errors and exit codes.

Exit codes: 0 done, 1 failed (anything not done), 2 bad usage, 124 a
wait ran out of time, 130 Ctrl-C, 143 SIGTERM.  SIGINT and SIGTERM are
handled in the event loop: they cancel the command's task, so its
``finally`` blocks (the bulk journal's among them) run before the
process ends, and a command can print what it had done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from typing import Any, cast

from ..exceptions import FlireoError
from ._output import error_object, print_json, warn


__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "Interrupted",
    "TimedOut",
    "UsageError",
    "execute",
    "received_signal",
    "report_error",
]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

_SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
_SIGNAL_EXITS = {
    signal.SIGINT: EXIT_INTERRUPTED,
    signal.SIGTERM: EXIT_TERMINATED,
}


class UsageError(Exception):
    """The command line asks for something that cannot work (exit 2)."""


class TimedOut(Exception):
    """A wait ran out of time; the thing waited for is not final (124)."""


class Interrupted(Exception):
    """
    The command was stopped by a signal and has said what it had done.

    Attributes:
        signum: The signal.
        reported: The command has printed what it had done.
    """

    def __init__(self, signum: int, *, reported: bool = False) -> None:
        name = _SIGNAL_NAMES[signal.Signals(signum)]
        super().__init__(f"interrupted by {name}")
        self.signum = signum
        self.reported = reported


class _Signals:
    # The first SIGINT/SIGTERM cancels the command; a second one ends the
    # process at once (the journal is durable record by record).
    def __init__(self, task: asyncio.Task[Any]) -> None:
        self.task = task
        self.received: int | None = None

    def __call__(self, signum: int) -> None:
        if self.received is None:
            self.received = signum
            self.task.cancel()
            return
        warn("flireo: stopped at once")
        os._exit(_SIGNAL_EXITS[signal.Signals(signum)])


_current: _Signals | None = None


def received_signal() -> int | None:
    """The signal that is stopping the running command, if any."""
    return None if _current is None else _current.received


async def _guarded(
    run: Callable[[argparse.Namespace], Awaitable[int]],
    ns: argparse.Namespace,
) -> int:
    global _current
    loop = asyncio.get_running_loop()
    signals = _Signals(cast("asyncio.Task[Any]", asyncio.current_task()))
    _current = signals
    for signum in _SIGNAL_EXITS:
        loop.add_signal_handler(signum, signals, signum)
    try:
        return await run(ns)
    except asyncio.CancelledError:
        if signals.received is None:
            raise
        raise Interrupted(signals.received) from None
    finally:
        for signum in _SIGNAL_EXITS:
            loop.remove_signal_handler(signum)
        _current = None


def report_error(
    ns: argparse.Namespace, error: BaseException, code: int
) -> int:
    """
    Print *error* as one line on stderr (and as JSON with ``--json``).

    Returns:
        *code*, to return from the command.
    """
    if getattr(ns, "json", False):
        print_json(error_object(error, code))
    if isinstance(error, FlireoError):
        warn(f"flireo: {type(error).__name__}: {error}")
    else:
        warn(f"flireo: {error}")
    return code


def execute(ns: argparse.Namespace) -> int:
    """
    Run the command *ns* names and turn its end into an exit code.

    Args:
        ns: The parsed command line (``ns.run`` is the command).

    Returns:
        The exit code.
    """
    try:
        return asyncio.run(_guarded(ns.run, ns))
    except Interrupted as stop:
        code = _SIGNAL_EXITS[signal.Signals(stop.signum)]
        if not stop.reported:
            report_error(ns, stop, code)
        return code
    except UsageError as exc:
        return report_error(ns, exc, EXIT_USAGE)
    except TimedOut as exc:
        return report_error(ns, exc, EXIT_TIMEOUT)
    except FlireoError as exc:
        # JournalInUseError among them: not bad usage, and nothing sent.
        return report_error(ns, exc, EXIT_FAILED)
    except OSError as exc:
        return report_error(ns, exc, EXIT_FAILED)
