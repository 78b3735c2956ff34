"""
Shared plumbing of the benchmarks: servers in their own processes, the
load driver, and the machine description.

Not a benchmark itself.  Every server is started on 127.0.0.1 in a child
process (never in the measuring process, so its CPU never shows up in
``time.process_time()``), and is killed when the ``with`` block ends, when
the interpreter exits, or on SIGTERM/SIGINT of the benchmark.

Servers:

* `sandbox` runs ``python -m flireo_async.testing.sandbox --port 0 ...``
  and reads the ``listening on URL (api key: KEY)`` line it prints;
* `stub_server` runs ``benchmarks/_stub_server.py``, a bare aiohttp.web
  app answering canned Telnyx ``/v2/number_orders`` bodies sized like the
  sandbox's answers (for the official ``telnyx`` SDK, which cannot talk to
  the Flireo sandbox).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any


HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.json"

_LISTENING = re.compile(r"listening on (http://\S+) \(api key: (\S+)\)")
_LIVE: dict[int, subprocess.Popen[bytes]] = {}


# -- processes -----------------------------------------------------------


def _kill_all() -> None:
    for proc in list(_LIVE.values()):
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    _LIVE.pop(proc.pid, None)
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _on_signal(signum: int, frame: object) -> None:
    _kill_all()
    raise SystemExit(128 + signum)


atexit.register(_kill_all)
# SIGTERM would skip atexit; turn it into SystemExit so servers die too.
signal.signal(signal.SIGTERM, _on_signal)


class Server:
    """A server child process and the URL it listens on."""

    def __init__(
        self, proc: subprocess.Popen[bytes], url: str, api_key: str
    ) -> None:
        self.proc = proc
        self.url = url
        self.api_key = api_key

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.proc.pid

    def cpu_seconds(self) -> float:
        """utime + stime of the server so far (Linux /proc; else 0)."""
        return process_cpu_seconds(self.proc.pid)

    def get_json(self, path: str, timeout: float = 60.0) -> Any:
        """GET *path* (an inspection route, say) and decode the JSON."""
        request = urllib.request.Request(  # noqa: S310 - loopback http
            self.url + path,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as r:  # noqa: S310
            return json.loads(r.read())


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM when this process dies, even by
    # SIGKILL, so no server outlives its benchmark.
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _spawn(argv: list[str], what: str, pin: bool) -> Server:
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    _LIVE[proc.pid] = proc
    assert proc.stdout is not None
    line = proc.stdout.readline().decode(errors="replace")
    match = _LISTENING.search(line)
    if match is None:
        _stop(proc)
        raise SystemExit(f"{what} did not start: {line!r}")
    if pin:
        pin_apart(proc.pid)
    return Server(proc, match[1], match[2])


@contextmanager
def sandbox(*args: str, pin: bool = True) -> Iterator[Server]:
    """
    Run the Flireo sandbox in its own process for the ``with`` block.

    Args:
        args: Extra command-line flags (``--rate-limit``, ``--credits``…).
        pin: Put the server on its own core (see `pin_apart`).

    Yields:
        The running `Server`.
    """
    argv = [sys.executable, "-m", "flireo_async.testing.sandbox"]
    argv += ["--port", "0", *args]
    server = _spawn(argv, "sandbox", pin)
    try:
        yield server
    finally:
        _stop(server.proc)


@contextmanager
def stub_server(*args: str, pin: bool = True) -> Iterator[Server]:
    """
    Run ``_stub_server.py`` (canned Telnyx answers) for the ``with`` block.

    Args:
        args: Extra flags (``--get-size N``, ``--post-size N``).
        pin: Put the server on its own core (see `pin_apart`).

    Yields:
        The running `Server`; its ``url`` ends in ``/v2``.
    """
    argv = [sys.executable, str(HERE / "_stub_server.py"), "--port", "0"]
    argv += list(args)
    server = _spawn(argv, "stub server", pin)
    try:
        yield server
    finally:
        _stop(server.proc)


def pin_apart(server_pid: int) -> None:
    """
    Server on the first core, this process (and its later children) on
    the others, so client and server never fight over one core.
    """
    if not hasattr(os, "sched_setaffinity"):
        return
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return
    os.sched_setaffinity(server_pid, {cores[0]})
    os.sched_setaffinity(0, set(cores[1:]))


def unpin() -> None:
    """Let this process run on every core again."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, range(os.cpu_count() or 1))


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of *pid*, from /proc (Linux); 0 elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- load ------------------------------------------------------------------


async def drive(
    one: Callable[[], Awaitable[object]], n: int, conc: int
) -> tuple[float, float]:
    """
    Call ``one()`` *n* times with *conc* calls in flight.

    *conc* worker coroutines share one counter, so the driver itself adds
    no task per request (the same, small, overhead for every client).

    Returns:
        ``(client CPU µs per call, calls per second)``, CPU from
        ``time.process_time()`` of this process only.
    """
    left = n

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await one()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(conc, n))))
    return (
        (time.process_time() - cpu) / n * 1e6,
        n / (time.perf_counter() - wall),
    )


def median(values: list[float]) -> float:
    """The median (0 for no values)."""
    return statistics.median(values) if values else 0.0


def median_or_none(values: list[float]) -> float | None:
    """The median, or ``None`` when nothing was measured."""
    return statistics.median(values) if values else None


def fmt(value: float | None, spec: str) -> str:
    """Format *value*, or an em dash for a figure not measured."""
    return "—" if value is None else format(value, spec)


# -- reporting -------------------------------------------------------------


def version(dist: str) -> str | None:
    """Installed version of *dist*, or ``None``."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def git_state() -> dict[str, Any]:
    """The commit measured, and which package files differed from it."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:
            return ""
        return done.stdout

    dirty = git("status", "--porcelain", "--", "flireo_async")
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        "subject": git("log", "-1", "--format=%s").strip(),
        "dirty_package_files": [line[3:] for line in dirty.splitlines()],
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    dists = (
        "flireo-async",
        "aiohttp",
        "orjson",
        "attrs",
        "cattrs",
        "backoff",
        "httpx",
        "pydantic",
        "msgspec",
        "telnyx",
    )
    return {
        "git": git_state(),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {d: version(d) for d in dists},
        "loadavg_at_start": [round(x, 2) for x in load],
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def verdict(value: float, target: float, higher_is_better: bool) -> str:
    """``met`` or ``missed by X%`` for *value* against *target*."""
    ok = value >= target if higher_is_better else value <= target
    if ok:
        return "met"
    miss = (
        (target - value) / target
        if higher_is_better
        else (value - target) / target
    )
    return f"missed by {miss:.0%}"


def figure(
    name: str,
    value: float | None,
    target: float | None,
    *,
    higher_is_better: bool,
    unit: str = "",
    command: str = "",
    note: str = "",
) -> dict[str, Any]:
    """One row of the summary table."""
    return {
        "figure": name,
        "value": value,
        "unit": unit,
        "target": target,
        "higher_is_better": higher_is_better,
        "verdict": (
            "not measured"
            if value is None
            else "n/a"
            if target is None
            else verdict(value, target, higher_is_better)
        ),
        "command": command,
        "note": note,
    }


def print_table(headers: list[str], rows: list[list[object]]) -> None:
    """Print a Markdown table."""
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    sys.stdout.flush()
