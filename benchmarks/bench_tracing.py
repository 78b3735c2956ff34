"""
What OpenTelemetry costs the request path: off, loaded but unset, on.

What it measures: SDK-only CPU per ``client.orders.get`` over an in-memory
transport (a canned answer: no socket, so only the SDK's own work is
timed), in three child processes run side by side and alternating, since
these machines are shared and noisy:

* ``off`` — OpenTelemetry never imported (as without the ``otel`` extra);
* ``api`` — ``opentelemetry.trace`` imported, no tracer provider set (the
  API's proxy): the SDK must cost the same as ``off``;
* ``on`` — the OpenTelemetry SDK's ``TracerProvider`` with a span
  processor that drops what it is handed (what recording costs, without
  an exporter's I/O).

Each child times ``--calls`` calls after a warm-up, ``--repeats`` times,
and reports its best µs per call; the parent prints the medians and the
ratios to ``off``.

Run:  python benchmarks/bench_tracing.py [--calls 20000] [--repeats 5]
Targets: api ÷ off within noise (≤ 1.05); on is reported, no target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap


CHILD = textwrap.dedent(
    """
    import asyncio, json, sys, time

    mode, calls = sys.argv[1], int(sys.argv[2])
    if mode in ("api", "on"):
        from opentelemetry import trace
    if mode == "on":
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SpanProcessor

        class Drop(SpanProcessor):
            pass

        provider = TracerProvider()
        provider.add_span_processor(Drop())
        trace.set_tracer_provider(provider)

    import flireo_async as flireo
    from flireo_async.testing import MockTransport

    BODY = json.dumps({"data": {
        "id": "660e8400-e29b-41d4-a716-446655440000",
        "phone_number": "+31851234567", "status": "success",
        "number_type": "national", "ordered_at": "2025-01-15T10:30:00Z",
    }}).encode()
    ANSWER = flireo.Response(status=200, body=BODY)

    async def main():
        async with flireo.FlireoClient(
            "fl_bench", base_url="https://api.example.test",
            transport=MockTransport(lambda r: ANSWER),
        ) as client:
            for _ in range(2000):
                await client.orders.get("o-1")
            started = time.process_time()
            for _ in range(calls):
                await client.orders.get("o-1")
            return (time.process_time() - started) / calls * 1e6

    print(asyncio.run(main()))
    """
)
MODES = ("off", "api", "on")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    timings: dict[str, list[float]] = {m: [] for m in MODES}
    for repeat in range(args.repeats):
        # Rotate the order so drift on a shared machine hits all alike.
        order = MODES[repeat % 3 :] + MODES[: repeat % 3]
        for mode in order:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, mode, str(args.calls)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            timings[mode].append(float(out))
    base = statistics.median(timings["off"])
    print(f"calls: {args.calls} per run, runs: {args.repeats} per mode")
    for mode in MODES:
        value = statistics.median(timings[mode])
        print(
            f"{mode:>4}: {value:6.1f} µs/call (median), "
            f"{value / base:.2f}× off"
        )
    print(json.dumps({m: statistics.median(v) for m, v in timings.items()}))


if __name__ == "__main__":
    main()
