"""
Run the flireo_async benchmark suite and print its table of ratios.

Benchmarks (one module each, each also runnable on its own):

* ``client_cpu`` — client CPU per call vs raw aiohttp, httpx, AsyncTelnyx
  (``bench_client_cpu.py``);
* ``decode``     — one 100-order page: converter vs pydantic v2, msgspec
  (``bench_decode.py``);
* ``bulk``       — bulk job under a server rate limit: rate ÷ R, 429 share
  (``bench_bulk.py``);
* ``memory``     — peak RSS of 10k vs 100k-order bulk jobs
  (``bench_memory.py``);
* ``import``     — ``import flireo_async`` vs ``import aiohttp``
  (``bench_import.py``);
* ``latency``    — p50 overhead over raw aiohttp at concurrency 1
  (``bench_latency.py``).

Every server runs in its own process on 127.0.0.1 and is killed at the end.
Results go to ``benchmarks/results.json`` (with ``--only``, the other
benchmarks' entries already there are kept).

Run:  python benchmarks/run.py [--quick] [--only NAME ...] [--no-pin]
      python benchmarks/run.py --table     # re-print results.json
``--quick`` runs the whole set with smaller counts in under two minutes;
the full run takes about 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from typing import Any

import _common


BENCHMARKS = {
    "decode": "bench_decode",
    "import": "bench_import",
    "latency": "bench_latency",
    "client_cpu": "bench_client_cpu",
    "bulk": "bench_bulk",
    "memory": "bench_memory",
}
_TAKES_PIN = {"latency", "client_cpu", "bulk", "memory"}


def _value(fig: dict[str, Any]) -> str:
    value = fig["value"]
    if value is None:
        return "—"
    unit = fig["unit"]
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "%":
        return f"{value:.2f} %"
    return f"{value:.0f} {unit}"


def _target(fig: dict[str, Any]) -> str:
    target = fig["target"]
    if target is None:
        return "—"
    sign = "≥" if fig["higher_is_better"] else "≤"
    if fig["unit"] == "MB" and not fig["higher_is_better"]:
        sign = "<"
    unit = fig["unit"]
    shown = f"{target:g}{unit}" if unit == "×" else f"{target:g} {unit}"
    return f"{sign} {shown}"


def print_summary(results: dict[str, Any]) -> None:
    """Print every figure of *results* as one Markdown table."""
    rows = []
    for name in BENCHMARKS:
        entry = results["benchmarks"].get(name)
        if entry is None:
            continue
        for fig in entry["figures"]:
            rows.append(
                [
                    fig["figure"],
                    _value(fig),
                    _target(fig),
                    fig["verdict"],
                    fig["note"],
                    f"`{fig['command']}`",
                ]
            )
    print()
    _common.print_table(
        ["figure", "value", "target", "verdict", "detail", "command"], rows
    )


def _save(results: dict[str, Any]) -> None:
    _common.RESULTS.write_text(
        json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n"
    )


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller counts; whole set in < 2 minutes",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=sorted(BENCHMARKS),
        metavar="NAME",
        help="run only these benchmarks",
    )
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="do not pin servers and client to cores",
    )
    parser.add_argument(
        "--table",
        action="store_true",
        help="print the table of results.json and exit",
    )
    args = parser.parse_args()

    if args.table:
        print_summary(json.loads(_common.RESULTS.read_text()))
        return 0

    results: dict[str, Any] = {"machine": {}, "benchmarks": {}}
    if args.only and _common.RESULTS.exists():
        results = json.loads(_common.RESULTS.read_text())
    machine = _common.machine()
    results["machine"] = machine
    print(
        f"{machine['cpu_model']}, {machine['nproc']} cores, Python "
        f"{machine['python']}, aiohttp {machine['versions']['aiohttp']}, "
        f"load {machine['loadavg_at_start']}"
        + (
            " — quick run: a smoke test that every benchmark runs; its"
            " ratios swing by ±0.15 and cannot show a 5% regression (use"
            " the full run for figures)"
            if args.quick
            else ""
        ),
        flush=True,
    )
    started = time.perf_counter()
    for name, module_name in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        print(f"\n## {name}\n", flush=True)
        module = importlib.import_module(module_name)
        t0 = time.perf_counter()
        git_at_start = _common.git_state()
        kwargs = {"pin": not args.no_pin} if name in _TAKES_PIN else {}
        entry = module.run(args.quick, **kwargs)
        entry["seconds"] = round(time.perf_counter() - t0, 1)
        entry["date"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        entry["quick"] = args.quick
        # Others may commit while the suite runs; say what each one saw.
        entry["git_at_start"] = git_at_start
        entry["git_at_end"] = _common.git_state()
        results["benchmarks"][name] = entry
        _common.unpin()
        # Saved after each benchmark: a late failure keeps the earlier ones.
        results["seconds"] = round(time.perf_counter() - started, 1)
        results["quick"] = args.quick
        _save(results)
    print_summary(results)
    print(
        f"\n{results['seconds']:.0f} s in all; results in "
        f"{_common.RESULTS.relative_to(_common.ROOT)}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
