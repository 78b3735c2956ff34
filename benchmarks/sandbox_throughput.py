"""
Measure the sandbox's throughput on its hottest path, order polling.

Starts ``python -m flireo_async.testing.sandbox --port 0`` in its own
process (so the server has one core to itself and the client does not steal
it), places one order, then has 64 concurrent workers on one raw
``aiohttp.ClientSession`` ``GET /v1/phone-number-orders/{id}`` for a few
seconds and prints requests per second.

Usage::

    python benchmarks/sandbox_throughput.py [--seconds 5] [--concurrency 64]

Exits with status 1 when the figure is below ``--target`` (3,000 req/s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time

import aiohttp


_LISTENING = re.compile(rb"listening on (http://\S+) \(api key: (\S+)\)")


def _start_server() -> tuple[subprocess.Popen[bytes], str, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flireo_async.testing.sandbox",
            "--port",
            "0",
            "--order-completion-delay",
            "0",
        ],
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = _LISTENING.search(line)
    if match is None:
        process.kill()
        raise SystemExit(f"sandbox did not start: {line!r}")
    return process, match[1].decode(), match[2].decode()


async def _drive(
    base_url: str, api_key: str, seconds: float, concurrency: int
) -> tuple[int, float]:
    headers = {"Authorization": f"Bearer {api_key}"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        base_url, headers=headers, connector=connector
    ) as session:
        async with session.get("/v1/phone-numbers/available?limit=1") as r:
            number = (await r.json())["data"][0]["phone_number"]
        async with session.post(
            "/v1/phone-numbers", json={"phone_number": number}
        ) as r:
            order_id = (await r.json())["data"]["order_id"]
        path = f"/v1/phone-number-orders/{order_id}"

        count = 0
        deadline = 0.0

        async def worker() -> None:
            nonlocal count
            while time.perf_counter() < deadline:
                async with session.get(path) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"status {response.status}")
                count += 1

        # Warm up connections and caches, then measure.
        deadline = time.perf_counter() + 0.5
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        count = 0
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count, time.perf_counter() - start


def main() -> int:
    """Run the benchmark and print the figure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--target", type=float, default=3000.0)
    args = parser.parse_args()
    process, base_url, api_key = _start_server()
    _pin(process.pid)
    try:
        server_cpu_start = _cpu_seconds(process.pid)
        count, elapsed = asyncio.run(
            _drive(base_url, api_key, args.seconds, args.concurrency)
        )
        server_cpu = _cpu_seconds(process.pid) - server_cpu_start
    finally:
        process.terminate()
        process.wait(timeout=10)
    rate = count / elapsed
    per_request = server_cpu / max(count, 1)
    # What one core could serve if the client kept up: on a small machine
    # the client, not the server, is usually what limits the measured rate.
    capacity = f"{1 / per_request:,.0f}" if per_request else "n/a"
    print(
        f"GET /v1/phone-number-orders/{{id}}: {count} requests in "
        f"{elapsed:.2f} s at concurrency {args.concurrency} = "
        f"{rate:,.0f} req/s; server CPU {server_cpu / elapsed:.0%} of one "
        f"core, {per_request * 1e6:.0f} us/request = {capacity} req/s per "
        f"core ({os.cpu_count()} cores)"
    )
    return 0 if rate >= args.target else 1


def _pin(server_pid: int) -> None:
    # Server on one core, client on another: "one core" is then literal,
    # and the scheduler does not bounce the two between cores.
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) >= 2:
        os.sched_setaffinity(server_pid, {cores[0]})
        os.sched_setaffinity(0, {cores[1]})


def _cpu_seconds(pid: int) -> float:
    # utime + stime of the server process, from /proc (Linux); 0 elsewhere.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main())
