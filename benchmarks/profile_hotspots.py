"""
Profile the SDK's client-side hot spots (not a benchmark: no figures).

What it does: runs one workload under ``cProfile`` in this process and
prints the functions with the most own time, and the ``flireo_async``
functions by cumulative time, so the cost of the SDK can be read apart
from aiohttp's and asyncio's:

* ``get``    — ``FlireoClient.orders.get`` N times at concurrency C against
  the sandbox (its own process);
* ``order``  — ``FlireoClient.phone_numbers.order`` likewise, a fresh
  inventory number each time;
* ``raw``    — raw aiohttp + json.loads on the same GET, for comparison;
* ``decode`` — ``page_of(orjson.loads(page), Order)`` on the 100-order page
  of ``bench_decode.py``;
* ``inproc`` — the SDK's own CPU with no network at all: ``orders.get``
  and ``phone_numbers.order`` over an in-memory transport that returns the
  sandbox's answer bytes, against ``orjson.loads`` of the same bytes (the
  floor).  Deterministic, so µs-level differences are real; then the same
  under cProfile;
* ``layers`` — no profiler: client CPU per ``orders.get`` peeled layer by
  layer (raw aiohttp; raw with the SDK's headers and orjson; the SDK's
  transport alone; ``client._call``; ``orders.get``), interleaved, medians
  of repeats, so each layer's own cost is the difference of two rows; then
  ``orders.get`` over an in-memory transport, alone and right after each
  raw request: the SDK's own CPU hot, and in situ (the last row minus the
  first).

cProfile adds a fixed cost per Python call, so it exaggerates small,
frequently called functions; read the ranking, not the absolute µs (or use
``py-spy record -o out.svg -- python benchmarks/profile_hotspots.py get
--no-profile`` for a sampling profile without that bias).

The profiler's clock is ``time.process_time`` (CPU, not wall: idle time in
``epoll`` would otherwise top the list).

Run:  python benchmarks/profile_hotspots.py
      {get,order,raw,decode,inproc,layers}
      [--n 20000] [--concurrency 64] [--top 30] [--no-profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import time
from collections.abc import Awaitable, Callable

import _common
import aiohttp
import orjson

from flireo_async import FlireoClient, Request, Response
from flireo_async.testing import MockTransport


class _MemoryTransport:
    """Answers every request with canned bytes; no I/O."""

    def __init__(self, status: int, body: bytes) -> None:
        from multidict import CIMultiDict, CIMultiDictProxy

        from flireo_async import Response

        self._response = Response(
            status=status,
            headers=CIMultiDictProxy(
                CIMultiDict(
                    {
                        "Content-Type": "application/json",
                        "X-Request-Id": "req_000001",
                        "Content-Length": str(len(body)),
                    }
                )
            ),
            body=body,
        )

    async def send(self, request: object) -> object:
        return self._response

    async def aclose(self) -> None:
        return None


async def _inproc(n: int, top: int, profile: bool) -> None:
    import timeit

    from bench_client_cpu import STUB_ORDER_ID

    order_id = STUB_ORDER_ID
    get_body = (
        b'{"data":{"id":"ec6401d6-e8b5-4167-8941-abc774627f8a",'
        b'"phone_number":"+31850006949","status":"success",'
        b'"number_type":"national","requirements_met":true,'
        b'"ordered_at":"2026-11-25T16:37:28Z",'
        b'"external_order_id":"telnyx_order_ec6401d6e8b5",'
        b'"external_sub_order_id":"telnyx_sub_41678941abc7",'
        b'"verification_group":null}}'
    )
    post_body = (
        b'{"message":"Phone number ordered","data":{"order_id":'
        b'"ec6401d6-e8b5-4167-8941-abc774627f8a","phone_number":'
        b'"+31850006949","number_type":"national","status":"pending",'
        b'"credits_used":10,"remaining_credits":990}}'
    )
    getter = FlireoClient(
        "k", base_url="http://x", transport=_MemoryTransport(200, get_body)
    )
    orderer = FlireoClient(
        "k", base_url="http://x", transport=_MemoryTransport(201, post_body)
    )
    loop = asyncio.get_running_loop()
    del loop

    async def floor() -> None:
        orjson.loads(get_body)

    async def call() -> None:
        await getter._call("GET", f"/v1/phone-number-orders/{order_id}")

    async def get() -> None:
        await getter.orders.get(order_id)

    async def order() -> None:
        await orderer.phone_numbers.order("+31850006949")

    cases = {
        "orjson.loads of the answer (floor)": floor,
        "client._call GET (no structure)": call,
        "orders.get": get,
        "phone_numbers.order": order,
    }

    async def loop_of(fn: Callable[[], Awaitable[object]], k: int) -> float:
        started = time.process_time()
        for _ in range(k):
            await fn()
        return (time.process_time() - started) / k * 1e6

    best = dict.fromkeys(cases, float("inf"))
    for _ in range(7):
        for name, fn in cases.items():
            best[name] = min(best[name], await loop_of(fn, n))
    print("\nSDK CPU per call with an in-memory transport (best of 7)")
    _common.print_table(
        ["call", "µs/call"], [[k, f"{v:.1f}"] for k, v in best.items()]
    )
    del timeit
    if not profile:
        return
    for name in ("orders.get", "phone_numbers.order"):
        profiler = _profiler()
        profiler.enable()
        await loop_of(cases[name], n)
        profiler.disable()
        print(f"\n== {name}: by own time ==")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def _profiler() -> cProfile.Profile:
    return cProfile.Profile(time.process_time)


async def _layers(box: _common.Server, n: int, conc: int, reps: int) -> None:
    from flireo_async._core._sansio import build_request

    async with FlireoClient(
        box.api_key, base_url=box.url, max_connections=conc
    ) as sdk:
        number = box.get_json("/_sandbox/available-numbers?limit=1")["data"]
        receipt = await sdk.phone_numbers.order(number[0])
        await sdk.orders.wait(receipt.order_id, timeout=10)
        order_id = receipt.order_id
        path = f"/v1/phone-number-orders/{order_id}"
        url = box.url + path
        headers = dict(sdk._headers)
        request = build_request("GET", box.url, path, headers=headers)
        transport = sdk._transport
        async with (
            aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {box.api_key}"},
                connector=aiohttp.TCPConnector(limit=conc),
            ) as plain,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=conc)
            ) as same,
        ):

            async def raw() -> None:
                async with plain.get(url) as r:
                    json.loads(await r.read())

            async def raw_sdk_headers() -> None:
                async with same.get(url, headers=headers) as r:
                    orjson.loads(await r.read())

            async def transport_only() -> None:
                orjson.loads((await transport.send(request)).body)

            async def call() -> None:
                await sdk._call("GET", path)

            async def full() -> None:
                await sdk.orders.get(order_id)

            # The same orders.get over an in-memory transport replaying the
            # sandbox's answer: the SDK's own CPU alone, hot in a tight
            # loop, and then interleaved with real aiohttp requests, where
            # it runs with caches the network path has just used.
            async with plain.get(url) as r:
                answer = (r.status, dict(r.headers), await r.read())

            def replay(_: Request) -> Response:
                status, headers, body = answer
                return Response(status=status, headers=headers, body=body)

            memory = FlireoClient(
                "k_memory", base_url=box.url, transport=MockTransport(replay)
            )

            async def sdk_in_memory() -> None:
                await memory.orders.get(order_id)

            async def raw_then_sdk_in_memory() -> None:
                await raw()
                await memory.orders.get(order_id)

            layers = {
                "raw aiohttp + json.loads": raw,
                "+ SDK headers per request, orjson": raw_sdk_headers,
                "SDK transport.send (Request -> Response)": transport_only,
                "client._call (build, retry, gate, decipher)": call,
                "orders.get (validate, quote, structure)": full,
                "orders.get over memory alone (SDK CPU, hot)": sdk_in_memory,
                "raw, then orders.get over memory (SDK CPU in situ)": (
                    raw_then_sdk_in_memory
                ),
            }
            for fn in layers.values():
                await _common.drive(fn, 2 * conc + 50, conc)
            runs: dict[str, list[float]] = {k: [] for k in layers}
            for _ in range(reps):
                for name, fn in layers.items():
                    runs[name].append((await _common.drive(fn, n, conc))[0])
    print(f"\nclient CPU per orders.get, layer by layer, concurrency {conc}")
    rows, previous = [], None
    for name, values in runs.items():
        us = _common.median(values)
        delta = "" if previous is None else f"{us - previous:+.0f}"
        rows.append([name, f"{us:.0f}", delta])
        previous = us
    _common.print_table(["layer", "µs/call (median)", "Δ vs above"], rows)


async def _workload(
    kind: str, box: _common.Server, n: int, conc: int
) -> Callable[[], Awaitable[object]]:
    sdk = FlireoClient(box.api_key, base_url=box.url, max_connections=conc)
    number = box.get_json("/_sandbox/available-numbers?limit=1")["data"][0]
    receipt = await sdk.phone_numbers.order(number)
    await sdk.orders.wait(receipt.order_id, timeout=10)
    order_id = receipt.order_id
    if kind == "get":

        async def one() -> None:
            await sdk.orders.get(order_id)

        return one
    if kind == "order":
        numbers = iter(
            box.get_json(
                f"/_sandbox/available-numbers?limit={n + 2 * conc + 100}"
            )["data"]
        )

        async def one() -> None:
            await sdk.phone_numbers.order(next(numbers))

        return one
    session = aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {box.api_key}"},
        connector=aiohttp.TCPConnector(limit=conc),
    )
    url = f"{box.url}/v1/phone-number-orders/{order_id}"

    async def one() -> None:
        async with session.get(url) as r:
            json.loads(await r.read())

    return one


async def _http(
    kind: str, box: _common.Server, n: int, conc: int, profile: bool
) -> cProfile.Profile | None:
    one = await _workload(kind, box, n, conc)
    await _common.drive(one, 2 * conc + 50, conc)  # warm up
    profiler = _profiler() if profile else None
    if profiler is not None:
        profiler.enable()
    cpu, rps = await _common.drive(one, n, conc)
    if profiler is not None:
        profiler.disable()
    print(f"{kind} @ {conc}: {cpu:.0f} µs client CPU per call, {rps:,.0f}/s")
    return profiler


def _decode(n: int, profile: bool) -> cProfile.Profile | None:
    from bench_decode import page_bytes

    from flireo_async._core._resource import page_of
    from flireo_async._models import Order

    raw = page_bytes()
    page_of(orjson.loads(raw), Order)
    profiler = _profiler() if profile else None
    if profiler is not None:
        profiler.enable()
    started = time.process_time()
    for _ in range(n):
        page_of(orjson.loads(raw), Order)
    took = (time.process_time() - started) / n * 1e6
    if profiler is not None:
        profiler.disable()
    print(f"decode: {took:.0f} µs per page")
    return profiler


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument(
        "kind", choices=["get", "order", "raw", "decode", "inproc", "layers"]
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    profile = not args.no_profile
    if args.kind == "inproc":
        asyncio.run(_inproc(min(args.n, 20_000), args.top, profile))
        return
    if args.kind == "layers":
        with _common.sandbox("--order-completion-delay", "0") as box:
            for conc in sorted({1, args.concurrency}):
                asyncio.run(
                    _layers(box, min(args.n, 3000), conc, args.repeats)
                )
        return
    if args.kind == "decode":
        profiler = _decode(min(args.n, 2000), profile)
    else:
        with _common.sandbox(
            "--order-completion-delay",
            "0",
            "--inventory-size",
            str(args.n + 4 * args.concurrency + 1000),
            "--credits",
            str(10 * (args.n + 4 * args.concurrency + 1000)),
        ) as box:
            profiler = asyncio.run(
                _http(args.kind, box, args.n, args.concurrency, profile)
            )
    if profiler is None:
        return
    stats = pstats.Stats(profiler)
    print("\n== by own time ==")
    stats.sort_stats("tottime").print_stats(args.top)
    print("\n== flireo_async functions by cumulative time ==")
    stats.sort_stats("cumulative").print_stats("flireo_async", args.top)


if __name__ == "__main__":
    main()
