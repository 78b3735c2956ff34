"""
Latency overhead at concurrency 1: p50 of the SDK minus p50 of raw aiohttp.

What it measures: wall time (``time.perf_counter``) of each single
``GET /v1/phone-number-orders/{id}`` against the Flireo sandbox (its own
process, pinned to its own core; the order is settled, so its body comes
from the sandbox's cache), one call at a time: ``FlireoClient.orders.get``
(decoded into an ``Order``) and raw ``aiohttp`` + ``json.loads`` on one
kept-alive connection each.  Calls alternate in blocks of 100 between the
two clients, so load drift hits both; the figure is p50(SDK) - p50(raw),
with p90/p99 printed beside it.

Run:  python benchmarks/bench_latency.py [--quick] [--n 5000] [--no-pin]
Target: p50 overhead <= 50 µs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

import _common
import aiohttp

from flireo_async import FlireoClient


NAME = "latency"
BLOCK = 100


def _pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[
        max(0, min(98, round(p) - 1))
    ]


async def _measure(box: _common.Server, n: int) -> dict[str, list[float]]:
    async with FlireoClient(
        box.api_key, base_url=box.url, max_connections=1
    ) as sdk:
        number = box.get_json("/_sandbox/available-numbers?limit=1")["data"][0]
        receipt = await sdk.phone_numbers.order(number)
        await sdk.orders.wait(receipt.order_id, timeout=10)
        order_id = receipt.order_id
        url = f"{box.url}/v1/phone-number-orders/{order_id}"
        async with aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {box.api_key}"},
            connector=aiohttp.TCPConnector(limit=1),
        ) as session:

            async def raw() -> None:
                async with session.get(url) as r:
                    json.loads(await r.read())

            async def flireo() -> None:
                await sdk.orders.get(order_id)

            clients = {"raw aiohttp + json.loads": raw, "flireo_async": flireo}
            samples: dict[str, list[float]] = {k: [] for k in clients}
            clock = time.perf_counter
            for fn in clients.values():  # warm up
                for _ in range(200):
                    await fn()
            for _ in range(max(1, n // BLOCK)):
                for name, fn in clients.items():
                    out = samples[name]
                    for _ in range(BLOCK):
                        started = clock()
                        await fn()
                        out.append(clock() - started)
            return samples


def run(
    quick: bool = False, *, pin: bool = True, n: int | None = None
) -> dict[str, Any]:
    """Run the benchmark; returns rows and summary figures."""
    n = n or (1000 if quick else 5000)
    with _common.sandbox("--order-completion-delay", "0", pin=pin) as box:
        samples = asyncio.run(_measure(box, n))
    rows = []
    for name, values in samples.items():
        us = [v * 1e6 for v in values]
        rows.append(
            {
                "client": name,
                "n": len(us),
                "p50_us": statistics.median(us),
                "p90_us": _pct(us, 90),
                "p99_us": _pct(us, 99),
                "mean_us": statistics.fmean(us),
            }
        )
    raw, sdk = rows
    overhead = sdk["p50_us"] - raw["p50_us"]
    _common.print_table(
        ["client (concurrency 1)", "p50 µs", "p90 µs", "p99 µs"],
        [
            [
                r["client"],
                f"{r['p50_us']:.0f}",
                f"{r['p90_us']:.0f}",
                f"{r['p99_us']:.0f}",
            ]
            for r in rows
        ],
    )
    print(f"p50 overhead SDK - raw: {overhead:.0f} µs", flush=True)
    cmd = "python benchmarks/bench_latency.py" + (" --quick" * quick)
    figures = [
        _common.figure(
            "latency overhead p50(SDK) - p50(raw), orders.get @ 1",
            overhead,
            50.0,
            higher_is_better=False,
            unit="µs",
            command=cmd,
            note=(
                f"p50 raw {raw['p50_us']:.0f} µs, SDK {sdk['p50_us']:.0f} "
                f"µs; p99 raw {raw['p99_us']:.0f}, SDK {sdk['p99_us']:.0f}"
            ),
        )
    ]
    return {
        "name": NAME,
        "params": {"quick": quick, "n": n, "pin": pin},
        "rows": rows,
        "figures": figures,
    }


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--n", type=int, help="calls per client")
    args = parser.parse_args()
    run(args.quick, pin=not args.no_pin, n=args.n)


if __name__ == "__main__":
    main()
