"""
Import time: ``import flireo_async`` against ``import aiohttp``.

What it measures: wall time of a fresh interpreter (this venv's python)
running ``-c STATEMENT``, best of N, the statements interleaved round by
round: ``pass`` (the interpreter alone), ``import aiohttp``, ``import
flireo_async`` and, for reference, ``import httpx`` and ``import telnyx``
(the official SDK).  The figure is the net ratio (flireo_async - pass) ÷
(aiohttp - pass): import work only, interpreter start-up taken out; the
gross ratio (start-up included) is printed beside it, and so is the same
net ratio in CPU time (user + sys of the child, from ``os.wait4``).  Import
is CPU-bound, so CPU time tracks wall time; both rise together when the
shared machine is busy, which best-of-N only partly filters out.

It also runs ``python -X importtime`` once for each of the two imports and
lists what flireo_async pulls in that aiohttp does not, grouped by
package (self time summed; our own modules one by one): what the SDK adds
on top of aiohttp.

Run:  python benchmarks/bench_import.py [--quick] [--rounds 9]
Target: net ratio <= 1.2.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from typing import Any

import _common


NAME = "import"
STATEMENTS = (
    "pass",
    "import aiohttp",
    "import flireo_async",
    "import httpx",
    "import telnyx",
)


def _time(statement: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + sys) of one fresh interpreter."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", statement])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, statement)
    return wall, usage.ru_utime + usage.ru_stime


def importtime(statement: str) -> dict[str, tuple[int, int]]:
    """``-X importtime``: module -> (self µs, cumulative µs)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        check=True,
        capture_output=True,
        text=True,
    )
    out: dict[str, tuple[int, int]] = {}
    pattern = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")
    for line in done.stderr.splitlines():
        match = pattern.match(line)
        if match:
            out[match[4]] = (int(match[1]), int(match[2]))
    return out


def extra_modules(top: int = 12) -> list[tuple[str, int, int]]:
    """
    What ``import flireo_async`` loads beyond ``import aiohttp``, grouped
    by top-level package: ``(package, modules, self µs summed)``.
    """
    ours = importtime("import flireo_async")
    theirs = importtime("import aiohttp")
    groups: dict[str, list[int]] = {}
    for module, (own, _) in ours.items():
        if module in theirs:
            continue
        package = module.split(".")[0]
        if package == "flireo_async":
            package = module  # our own modules one by one
        entry = groups.setdefault(package, [0, 0])
        entry[0] += 1
        entry[1] += own
    ranked = sorted(groups.items(), key=lambda kv: -kv[1][1])
    return [(name, n, us) for name, (n, us) in ranked[:top]]


def run(quick: bool = False, *, rounds: int | None = None) -> dict[str, Any]:
    """Run the benchmark; returns rows and summary figures."""
    rounds = rounds or (3 if quick else 9)
    statements = STATEMENTS if not quick else STATEMENTS[:4]
    for statement in statements:  # warm the OS page cache
        _time(statement)
    times: dict[str, list[tuple[float, float]]] = {s: [] for s in statements}
    for _ in range(rounds):
        for statement in statements:
            times[statement].append(_time(statement))
    best = {s: min(w for w, _ in t) * 1e3 for s, t in times.items()}
    cpu = {s: min(c for _, c in t) * 1e3 for s, t in times.items()}
    base, cpu_base = best["pass"], cpu["pass"]
    net = {s: max(best[s] - base, 0.0) for s in statements}
    cpu_net = {s: max(cpu[s] - cpu_base, 0.0) for s in statements}
    gross_ratio = best["import flireo_async"] / best["import aiohttp"]
    net_ratio = net["import flireo_async"] / net["import aiohttp"]
    cpu_ratio = cpu_net["import flireo_async"] / cpu_net["import aiohttp"]
    _common.print_table(
        [
            f"statement (fresh interpreter, best of {rounds})",
            "wall ms",
            "net wall ms",
            "net CPU ms",
        ],
        [
            [f"`{s}`", f"{best[s]:.0f}", f"{net[s]:.0f}", f"{cpu_net[s]:.0f}"]
            for s in statements
        ],
    )
    print(
        f"flireo_async÷aiohttp: net wall {net_ratio:.2f}, gross wall "
        f"{gross_ratio:.2f}, net CPU {cpu_ratio:.2f}",
        flush=True,
    )
    extra = extra_modules()
    print("\nwhat flireo_async imports beyond aiohttp (-X importtime):")
    _common.print_table(
        ["package / module", "modules", "self µs (sum)"],
        [[m, n, us] for m, n, us in extra],
    )
    cmd = "python benchmarks/bench_import.py" + (" --quick" * quick)
    figures = [
        _common.figure(
            "import flireo_async ÷ import aiohttp (net of start-up)",
            net_ratio,
            1.2,
            higher_is_better=False,
            unit="×",
            command=cmd,
            note=(
                f"{net['import flireo_async']:.0f} ms vs "
                f"{net['import aiohttp']:.0f} ms net; gross "
                f"{best['import flireo_async']:.0f} vs "
                f"{best['import aiohttp']:.0f} ms ({gross_ratio:.2f}×); "
                f"CPU time net {cpu_ratio:.2f}×"
            ),
        )
    ]
    return {
        "name": NAME,
        "params": {"quick": quick, "rounds": rounds},
        "rows": [
            {
                "statement": s,
                "best_ms": best[s],
                "net_ms": net[s],
                "best_cpu_ms": cpu[s],
                "net_cpu_ms": cpu_net[s],
            }
            for s in statements
        ],
        "net_cpu_ratio": cpu_ratio,
        "extra_modules": [
            {"package": m, "modules": n, "self_us": us} for m, n, us in extra
        ],
        "figures": figures,
    }


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    run(args.quick, rounds=args.rounds)


if __name__ == "__main__":
    main()
