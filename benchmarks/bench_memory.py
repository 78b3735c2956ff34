"""
Memory of a big bulk job: peak RSS at 10,000 and at 100,000 orders.

What it measures: the peak RSS (``VmHWM``; see `_peak_rss_mb` for why not
``ru_maxrss`` alone, which is reported beside it) of a fresh child
interpreter that runs ``FlireoClient.bulk_order_iter`` with
``concurrency=64`` over N order requests and keeps nothing it is handed
(counts only).  The input is read lazily, one line at a time, from a file of
inventory numbers the parent fetched from ``GET
/_sandbox/available-numbers``, so the input itself costs no memory.  The
child also reports its RSS just before the job (imports, client, loop
done), so the job's own growth is peak - before.

One sandbox (own process, ``--inventory-size`` and ``--credits`` large
enough for both jobs, ``--order-completion-delay 3600``) serves both
children, each with its own numbers.  "Flat" means the 100k peak is within
10 % of the 10k peak.

Run:  python benchmarks/bench_memory.py [--quick] [--sizes 10000 100000]
      [--concurrency 64] [--no-pin]
Targets: peak RSS < 150 MB at 100k; peak(100k) ÷ peak(10k) <= 1.10.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _common


NAME = "memory"


def _maxrss_mb() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / (1024 if sys.platform == "darwin" else 1)


def _peak_rss_mb() -> float:
    """
    This interpreter's own peak RSS.

    ``ru_maxrss`` alone is not it on Linux: at ``exec`` the kernel folds the
    forking parent's high-water mark into it, so a child of a 150 MB
    benchmark runner reports >= 150 MB whatever it does.  ``VmHWM`` belongs
    to the new address space only; it is used where available, else
    ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _maxrss_mb()


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return _maxrss_mb()
    return pages * resource.getpagesize() / 2**20


async def _child_job(
    url: str, key: str, path: Path, concurrency: int
) -> dict[str, Any]:
    from flireo_async import FlireoClient, OrderRequest, Outcome

    def requests() -> Iterator[OrderRequest]:
        with path.open(encoding="ascii") as lines:
            for line in lines:
                yield OrderRequest(phone_number=line.strip())

    counts: dict[str, int] = {}
    async with FlireoClient(
        key, base_url=url, max_connections=concurrency
    ) as client:
        before = _current_rss_mb()
        started = time.perf_counter()
        samples = []
        async for result in client.bulk_order_iter(
            requests(), concurrency=concurrency
        ):
            name = str(result.outcome)
            counts[name] = counts.get(name, 0) + 1
            if result.index % 10_000 == 0:
                samples.append(round(_current_rss_mb(), 1))
        elapsed = time.perf_counter() - started
    placed = counts.get(Outcome.ORDERED, 0) + counts.get(Outcome.SUCCEEDED, 0)
    return {
        "before_mb": before,
        "peak_mb": _peak_rss_mb(),
        "ru_maxrss_mb": _maxrss_mb(),
        "rss_every_10k_mb": samples,
        "outcomes": counts,
        "placed": placed,
        "elapsed_s": elapsed,
    }


def _child(argv: list[str]) -> None:
    url, key, path, concurrency = argv
    result = asyncio.run(_child_job(url, key, Path(path), int(concurrency)))
    print(json.dumps(result), flush=True)


def run(
    quick: bool = False,
    *,
    pin: bool = True,
    sizes: list[int] | None = None,
    concurrency: int = 64,
) -> dict[str, Any]:
    """Run the benchmark; returns rows and summary figures."""
    sizes = sizes or ([5_000, 20_000] if quick else [10_000, 100_000])
    total = sum(sizes)
    rows = []
    with (
        _common.sandbox(
            "--order-completion-delay",
            "3600",
            "--inventory-size",
            str(total + 1000),
            "--credits",
            str(10 * total + 1000),
            pin=pin,
        ) as box,
        tempfile.TemporaryDirectory() as tmp,
    ):
        numbers = box.get_json(f"/_sandbox/available-numbers?limit={total}")[
            "data"
        ]
        offset = 0
        for size in sizes:
            path = Path(tmp) / f"numbers-{size}.txt"
            path.write_text(
                "\n".join(numbers[offset : offset + size]) + "\n",
                encoding="ascii",
            )
            offset += size
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    box.url,
                    box.api_key,
                    str(path),
                    str(concurrency),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            row = {"orders": size, **json.loads(done.stdout)}
            rows.append(row)
            print(
                f"{size:,} orders: peak RSS {row['peak_mb']:.1f} MB (before "
                f"the job {row['before_mb']:.1f} MB), placed "
                f"{row['placed']:,} in {row['elapsed_s']:.1f} s; RSS every "
                f"10k: {row['rss_every_10k_mb']}",
                flush=True,
            )
        del numbers
    small, big = rows[0], rows[-1]
    flat = big["peak_mb"] / small["peak_mb"]
    cmd = "python benchmarks/bench_memory.py" + (" --quick" * quick)
    figures = [
        _common.figure(
            f"peak RSS of a {big['orders']:,}-order bulk job",
            big["peak_mb"],
            150.0,
            higher_is_better=False,
            unit="MB",
            command=cmd,
            note=(
                f"{big['before_mb']:.0f} MB before the job; "
                f"{big['placed']:,} placed"
            ),
        ),
        _common.figure(
            f"peak RSS {big['orders'] // 1000}k ÷ {small['orders'] // 1000}k"
            " (flat)",
            flat,
            1.10,
            higher_is_better=False,
            unit="×",
            command=cmd,
            note=(
                f"{small['peak_mb']:.1f} MB → {big['peak_mb']:.1f} MB; job "
                f"growth {small['peak_mb'] - small['before_mb']:.1f} → "
                f"{big['peak_mb'] - big['before_mb']:.1f} MB"
            ),
        ),
    ]
    return {
        "name": NAME,
        "params": {
            "quick": quick,
            "sizes": sizes,
            "concurrency": concurrency,
            "pin": pin,
        },
        "rows": rows,
        "figures": figures,
    }


def main() -> None:
    """Command line."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--sizes", type=int, nargs=2)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    run(
        args.quick,
        pin=not args.no_pin,
        sizes=args.sizes,
        concurrency=args.concurrency,
    )


if __name__ == "__main__":
    main()
