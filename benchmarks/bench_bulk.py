"""
Bulk-job efficiency under a server rate limit.

What it measures: ``FlireoClient.bulk_order_iter`` ordering N numbers
(default 10,000, ``concurrency=64``, no client-side ``rate_limit``: the
job has only the server's ``X-RateLimit-*`` headers and 429s to go by)
against the Flireo sandbox in its own process, started with ``--rate-limit
R --rate-window W`` (default 500 per 1 s), enough inventory and credits,
``--order-completion-delay 3600`` (orders stay pending: no settle work)
and a request log long enough to hold every request.

* achieved rate = orders placed ÷ wall time from the first submission to
  the last result; the figure is achieved ÷ R (the limit per second);
* 429 share = 429 answers ÷ all order POSTs the sandbox logged, read from
  ``GET /_sandbox/requests`` (the inspection API is not rate limited and
  not logged).

With a fixed window a perfect client places R·W at the start of each
window, so N orders take (ceil(N / (R·W)) - 1)·W plus one window's burst;
that "fixed-window ceiling" is printed too (it is above R for short jobs).

A third run repeats the limited one with ``rate_limit=R`` passed to the
job (client-side pacing), for comparison; it has no target.

A first, unlimited run (same sandbox flags minus the limit) shows what
client + sandbox manage on this machine, so R can be chosen well below it:
the sandbox must not be the bottleneck.

Run:  python benchmarks/bench_bulk.py [--quick] [--orders 10000]
      [--rate 500] [--window 1] [--concurrency 64] [--no-pin]
Targets: achieved ÷ R >= 0.95; 429 share <= 1 %.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import math
import time
from typing import Any

import _common

from flireo_async import FlireoClient, OrderRequest, Outcome


NAME = "bulk"


async def _job(
    box: _common.Server,
    numbers: list[str],
    concurrency: int,
    client_rate: float | None,
) -> dict[str, Any]:
    outcomes: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    async with FlireoClient(
        box.api_key, base_url=box.url, max_connections=concurrency
    ) as client:
        requests = (OrderRequest(phone_number=n) for n in numbers)
        started = time.perf_counter()
        cpu = time.process_time()
        async for result in client.bulk_order_iter(
            requests, concurrency=concurrency, rate_limit=client_rate
        ):
            outcomes[str(result.outcome)] += 1
            if result.error is not None:
                errors[type(result.error).__name__] += 1
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    placed = outcomes[Outcome.ORDERED] + outcomes[Outcome.SUCCEEDED]
    return {
        "orders": len(numbers),
        "placed": placed,
        "outcomes": dict(outcomes),
        "errors": dict(errors),
        "elapsed_s": elapsed,
        "rate": placed / elapsed if elapsed else 0.0,
        "client_cpu_us_per_order": cpu / max(placed, 1) * 1e6,
    }


def _sandbox_counts(box: _common.Server) -> dict[str, Any]:
    log = box.get_json("/_sandbox/requests")["data"]
    by_route: dict[str, collections.Counter[str]] = {}
    for record in log:
        by_route.setdefault(record["route"], collections.Counter())[
            str(record["status"])
        ] += 1
    return {route: dict(c) for route, c in by_route.items()}


def _one(
    orders: int,
    concurrency: int,
    pin: bool,
    limit: tuple[int, float] | None,
    client_rate: float | None = None,
) -> dict[str, Any]:
    flags = [
        "--order-completion-delay",
        "3600",
        "--inventory-size",
        str(orders + 1000),
        "--credits",
        str(10 * orders + 1000),
        "--request-log-limit",
        str(max(10_000, 3 * orders)),
    ]
    if limit is not None:
        flags += [
            "--rate-limit",
            str(limit[0]),
            "--rate-window",
            str(limit[1]),
        ]
    with _common.sandbox(*flags, pin=pin) as box:
        numbers = box.get_json(f"/_sandbox/available-numbers?limit={orders}")[
            "data"
        ]
        server_cpu = box.cpu_seconds()
        result = asyncio.run(_job(box, numbers, concurrency, client_rate))
        result["server_cpu_share"] = (box.cpu_seconds() - server_cpu) / result[
            "elapsed_s"
        ]
        result["sandbox_log"] = _sandbox_counts(box)
    posts = result["sandbox_log"].get("order_number", {})
    sent = sum(posts.values())
    result["order_posts"] = sent
    result["status_429"] = posts.get("429", 0)
    result["share_429"] = result["status_429"] / sent if sent else 0.0
    return result


def run(
    quick: bool = False,
    *,
    pin: bool = True,
    orders: int | None = None,
    rate: int = 500,
    window: float = 1.0,
    concurrency: int = 64,
) -> dict[str, Any]:
    """Run the benchmark; returns rows and summary figures."""
    orders = orders or (2000 if quick else 10_000)
    free = _one(min(orders, 5000), concurrency, pin, None)
    print(
        f"unlimited: {free['placed']} orders in {free['elapsed_s']:.2f} s = "
        f"{free['rate']:,.0f}/s; client CPU "
        f"{free['client_cpu_us_per_order']:.0f} µs/order; sandbox CPU "
        f"{free['server_cpu_share']:.0%} of a core",
        flush=True,
    )
    limited = _one(orders, concurrency, pin, (int(rate * window), window))
    per_window = rate * window
    ceiling = orders / ((math.ceil(orders / per_window) - 1) * window or 1)
    efficiency = limited["rate"] / rate
    print(
        f"limited to {rate}/s ({per_window:g} per {window:g} s window): "
        f"{limited['placed']} orders in {limited['elapsed_s']:.2f} s = "
        f"{limited['rate']:,.0f}/s = {efficiency:.2f} R (fixed-window "
        f"ceiling {ceiling / rate:.2f} R); 429s {limited['status_429']} of "
        f"{limited['order_posts']} POSTs = {limited['share_429']:.2%}; "
        f"outcomes {limited['outcomes']} {limited['errors'] or ''}",
        flush=True,
    )
    # The same, with the job told the rate (bulk_order_iter(rate_limit=R)).
    told = _one(orders, concurrency, pin, (int(rate * window), window), rate)
    print(
        f"same, with rate_limit={rate} given to the job: "
        f"{told['rate']:,.0f}/s = {told['rate'] / rate:.2f} R; 429s "
        f"{told['status_429']} of {told['order_posts']} POSTs = "
        f"{told['share_429']:.2%}",
        flush=True,
    )
    cmd = "python benchmarks/bench_bulk.py" + (" --quick" * quick)
    figures = [
        _common.figure(
            f"bulk {orders:,} orders: achieved rate ÷ R (R={rate}/s)",
            efficiency,
            0.95,
            higher_is_better=True,
            unit="×",
            command=cmd,
            note=(
                f"{limited['rate']:,.0f}/s; fixed-window ceiling "
                f"{ceiling / rate:.2f}×R; unlimited run {free['rate']:,.0f}/s"
            ),
        ),
        _common.figure(
            f"bulk {orders:,} orders: share of 429 answers",
            limited["share_429"] * 100,
            1.0,
            higher_is_better=False,
            unit="%",
            command=cmd,
            note=(
                f"{limited['status_429']} of {limited['order_posts']} POSTs"
            ),
        ),
        _common.figure(
            f"bulk {orders:,} orders with rate_limit=R given: rate ÷ R",
            told["rate"] / rate,
            None,
            higher_is_better=True,
            unit="×",
            command=cmd,
            note=(
                f"{told['rate']:,.0f}/s; 429s {told['status_429']} of "
                f"{told['order_posts']} POSTs ({told['share_429']:.2%})"
            ),
        ),
    ]
    return {
        "name": NAME,
        "params": {
            "quick": quick,
            "orders": orders,
            "rate": rate,
            "window": window,
            "concurrency": concurrency,
            "pin": pin,
        },
        "rows": [
            {"run": "unlimited", **free},
            {"run": "limited", **limited},
            {"run": "limited, rate_limit=R given to the job", **told},
        ],
        "fixed_window_ceiling_over_r": ceiling / rate,
        "figures": figures,
    }


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--orders", type=int)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--window", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    run(
        args.quick,
        pin=not args.no_pin,
        orders=args.orders,
        rate=args.rate,
        window=args.window,
        concurrency=args.concurrency,
    )


if __name__ == "__main__":
    main()
