"""
Client CPU per request: flireo_async against its ceiling and its peers.

What it measures: ``time.process_time()`` of this (client) process per
call, and calls per second, for two operations at concurrency 1, 64 and
512, every client interleaved with the others in each of several repeats
(so load drift hits all alike); the figure is the median over repeats and
each ratio is the median of the per-repeat ratios.

* ``orders.get`` — ``GET /v1/phone-number-orders/{id}`` against the Flireo
  sandbox (its own process, ``--order-completion-delay 0`` so the order is
  settled and its 312-byte body is served from the sandbox's cache):
  ``FlireoClient.orders.get`` vs raw ``aiohttp`` + ``json.loads`` (the
  ceiling: same URL, same ``Authorization`` header, no checks) vs
  ``httpx.AsyncClient`` + ``.json()``.
* ``phone_numbers.order`` — ``POST /v1/phone-numbers`` against the same
  sandbox, started with an inventory and credits big enough for every
  order of the run; numbers come from ``GET /_sandbox/available-numbers``
  and each call orders a fresh one (201, real work on both sides):
  ``FlireoClient.phone_numbers.order`` vs raw aiohttp (``json.dumps`` body,
  ``json.loads`` answer) vs httpx (``json=``).
* The official Stainless-generated ``telnyx`` SDK (``AsyncTelnyx``,
  pinned to 4.176.0; 4.87.1/4.87.2 were malicious) cannot talk to the
  Flireo sandbox, so it calls ``benchmarks/_stub_server.py`` (its own
  process) whose ``GET /v2/number_orders/{id}`` and ``POST
  /v2/number_orders`` answers are padded to exactly the byte size of the
  sandbox's two answers.  Our ``TelnyxClient.number_orders.get/create`` and
  raw aiohttp are measured against that same stub, so "AsyncTelnyx ÷
  TelnyxClient" compares like with like; "AsyncTelnyx ÷ SDK" compares it
  with ``FlireoClient`` on a same-sized call.

Every client gets a connection pool as large as the concurrency, is warmed
up once, and at concurrency > 1 sends a burst of C calls right before each
measured run (steady state: the idle time while the other clients ran is
not charged to it).  The
server is pinned to one core and this process to the others (``--no-pin``
turns that off).

Run:  python benchmarks/bench_client_cpu.py [--quick] [--concurrency 1 64]
      [--ops get order] [--n 3000] [--repeats 5] [--no-pin]
Targets: raw ÷ SDK >= 0.90; httpx ÷ SDK >= 10.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
from collections.abc import Awaitable, Callable
from typing import Any

import _common
import aiohttp
import httpx

from flireo_async import FlireoClient
from flireo_async.telnyx import TelnyxClient


NAME = "client_cpu"
RAW, SDK, HTTPX = "raw aiohttp + json.loads", "flireo_async", "httpx"
RAW_STUB, TELNYX_OURS, ASYNC_TELNYX = (
    "raw aiohttp (stub)",
    "TelnyxClient (stub)",
    "AsyncTelnyx 4.176.0 (stub)",
)
CLIENTS = (RAW, SDK, HTTPX, RAW_STUB, TELNYX_OURS, ASYNC_TELNYX)
# httpx-based clients are 10-40x slower; fewer calls keep the run short.
SLOW = {HTTPX, ASYNC_TELNYX}
STUB_NUMBER = "+31850006949"
STUB_ORDER_ID = "12ade33a-21c0-473b-b055-b3c836e1c292"


def _count(conc: int, n: int, client: str) -> int:
    # The httpx-based clients cost 10-40x more per call (and their pool
    # gets slower as concurrency grows); fewer calls keep the run short.
    if client not in SLOW:
        # At least two calls per worker, or fewer than *conc* are ever in
        # flight (--quick's 300 calls at 512 would measure 300).
        return max(n, 2 * conc)
    return n // 2 if conc == 1 else max(n // 8, conc)


def _warm_count(conc: int, client: str) -> int:
    return conc + 10 if client in SLOW else 2 * conc + 50


def _skipped(op: str, conc: int, client: str, quick: bool) -> bool:
    # --quick: at 512 the httpx-based clients need 15-30 ms of CPU per
    # call (over 30 s for one warm-up and run), so the quick run measures
    # them at 1 and 64 only; the full run measures them at 512 too.
    return quick and conc >= 512 and client in SLOW


def _repeats(conc: int, client: str, quick: bool, repeats: int) -> int:
    # --quick: one round of the slow clients under concurrency.
    return 1 if quick and conc > 1 and client in SLOW else repeats


class Numbers:
    """Fresh inventory numbers, one per order."""

    def __init__(self, numbers: list[str]) -> None:
        self._left = collections.deque(numbers)

    def take(self) -> str:
        """The next unused number."""
        return self._left.popleft()


async def _clients(
    op: str,
    conc: int,
    box: _common.Server,
    stub: _common.Server,
    order_id: str,
    numbers: Numbers,
    stack: Any,
) -> dict[str, Callable[[], Awaitable[object]]]:
    """Build the one-call coroutine functions of every client."""
    import telnyx

    auth = {"Authorization": f"Bearer {box.api_key}"}
    session = aiohttp.ClientSession(
        headers=auth, connector=aiohttp.TCPConnector(limit=conc)
    )
    stub_session = aiohttp.ClientSession(
        headers={"Authorization": "Bearer stub_key"},
        connector=aiohttp.TCPConnector(limit=conc),
    )
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    # 512 simultaneous connects can overflow the listen backlog; SYN
    # retries then outlast httpx's 5 s connect timeout during warm-up.
    timeout = httpx.Timeout(120.0)
    hx = httpx.AsyncClient(headers=auth, limits=limits, timeout=timeout)
    sdk = FlireoClient(box.api_key, base_url=box.url, max_connections=conc)
    ours = TelnyxClient("stub_key", base_url=stub.url, max_connections=conc)
    official = telnyx.AsyncTelnyx(
        api_key="stub_key",
        base_url=stub.url,
        http_client=telnyx.DefaultAsyncHttpxClient(
            limits=limits, timeout=timeout
        ),
    )
    for closer in (
        session.close,
        stub_session.close,
        hx.aclose,
        sdk.aclose,
        ours.aclose,
        official.close,
    ):
        stack.push_async_callback(closer)
    errors = collections.Counter[str]()

    if op == "get":
        url = f"{box.url}/v1/phone-number-orders/{order_id}"
        stub_url = f"{stub.url}/number_orders/{STUB_ORDER_ID}"

        async def raw() -> None:
            async with session.get(url) as r:
                json.loads(await r.read())

        async def flireo() -> None:
            await sdk.orders.get(order_id)

        async def hxc() -> None:
            (await hx.get(url)).json()

        async def raw_stub() -> None:
            async with stub_session.get(stub_url) as r:
                json.loads(await r.read())

        async def telnyx_ours() -> None:
            await ours.number_orders.get(STUB_ORDER_ID)

        async def telnyx_official() -> None:
            await official.number_orders.retrieve(STUB_ORDER_ID)

    else:
        url = f"{box.url}/v1/phone-numbers"
        stub_url = f"{stub.url}/number_orders"
        json_headers = {"Content-Type": "application/json"}

        async def raw() -> None:
            body = {"phone_number": numbers.take(), "number_type": "national"}
            async with session.post(
                url, data=json.dumps(body).encode(), headers=json_headers
            ) as r:
                json.loads(await r.read())
                if r.status != 201:
                    errors[RAW] += 1

        async def flireo() -> None:
            await sdk.phone_numbers.order(numbers.take())

        async def hxc() -> None:
            body = {"phone_number": numbers.take(), "number_type": "national"}
            r = await hx.post(url, json=body)
            r.json()
            if r.status_code != 201:
                errors[HTTPX] += 1

        async def raw_stub() -> None:
            body = {"phone_numbers": [{"phone_number": STUB_NUMBER}]}
            async with stub_session.post(
                stub_url, data=json.dumps(body).encode(), headers=json_headers
            ) as r:
                json.loads(await r.read())

        async def telnyx_ours() -> None:
            await ours.number_orders.create(phone_numbers=[STUB_NUMBER])

        async def telnyx_official() -> None:
            await official.number_orders.create(
                phone_numbers=[{"phone_number": STUB_NUMBER}]
            )

    calls = dict(
        zip(
            CLIENTS,
            (raw, flireo, hxc, raw_stub, telnyx_ours, telnyx_official),
            strict=True,
        )
    )
    calls["_errors"] = errors  # type: ignore[assignment]
    return calls


async def _run_op(
    op: str,
    conc: int,
    n: int,
    repeats: int,
    box: _common.Server,
    stub: _common.Server,
    order_id: str,
    numbers: Numbers,
    quick: bool,
) -> dict[str, Any]:
    from contextlib import AsyncExitStack

    clients = [c for c in CLIENTS if not _skipped(op, conc, c, quick)]
    async with AsyncExitStack() as stack:
        calls = await _clients(op, conc, box, stub, order_id, numbers, stack)
        errors = calls.pop("_errors")
        for name in clients:  # warm pools, caches, lazy imports
            await _common.drive(calls[name], _warm_count(conc, name), conc)
        # telnyx, httpx and pydantic live in this process too: without a
        # freeze, one full collection walks all their objects (~110 ms
        # instead of ~9) and whether a run contains one decides the ratio
        # at 512 (0.52 vs 0.99 in one run).  Frozen, only what the clients
        # allocate while measured is collected.
        gc.collect()
        gc.freeze()
        runs: dict[str, list[tuple[float, float]]] = {c: [] for c in CLIENTS}
        for i in range(repeats):
            # Rotate who goes first, so drift and a collection that does
            # happen fall on every client alike.
            turn = i % len(clients)
            for name in clients[turn:] + clients[:turn]:
                if i >= _repeats(conc, name, quick, repeats):
                    continue
                if conc > 1:
                    # Steady state: a burst right before each measured run,
                    # so the idle time while the other clients ran is not
                    # charged to it (httpx's pool at 512 costs 20+ ms a call
                    # on the first burst after ~5 s idle, ~2 ms after).
                    await _common.drive(calls[name], conc, conc)
                count = _count(conc, n, name)
                runs[name].append(
                    await _common.drive(calls[name], count, conc)
                )
    gc.unfreeze()
    cpu = {c: _common.median_or_none([r[0] for r in runs[c]]) for c in CLIENTS}
    rps = {c: _common.median_or_none([r[1] for r in runs[c]]) for c in CLIENTS}

    def ratio(num: str, den: str) -> float | None:
        pairs = zip(runs[num], runs[den], strict=False)
        return _common.median_or_none([a[0] / b[0] for a, b in pairs])

    return {
        "op": "orders.get" if op == "get" else "phone_numbers.order",
        "concurrency": conc,
        "cpu_us": cpu,
        "rps": rps,
        "cpu_us_runs": {c: [r[0] for r in runs[c]] for c in CLIENTS},
        "raw_over_sdk": ratio(RAW, SDK),
        "httpx_over_sdk": ratio(HTTPX, SDK),
        "async_telnyx_over_sdk": ratio(ASYNC_TELNYX, SDK),
        "async_telnyx_over_telnyx_client": ratio(ASYNC_TELNYX, TELNYX_OURS),
        "raw_stub_over_telnyx_client": ratio(RAW_STUB, TELNYX_OURS),
        "skipped": [c for c in CLIENTS if c not in clients],
        "errors": dict(errors),
    }


def _numbers_needed(
    ops: list[str], concs: list[int], n: int, reps: int
) -> int:
    if "order" not in ops:
        return 10
    total = 0
    for conc in concs:
        burst = conc if conc > 1 else 0  # the burst before each run
        for name in (RAW, SDK, HTTPX):
            per_run = _count(conc, n, name) + burst
            total += _warm_count(conc, name) + per_run * reps
    # Generous: an order that fails or is re-sent still uses its number,
    # and running out mid-run would abort the whole benchmark.
    return total * 3 // 2 + 100


async def _place_one(box: _common.Server) -> str:
    # One settled order whose detail the sandbox serves from its cache.
    number = box.get_json("/_sandbox/available-numbers?limit=1")["data"][0]
    async with FlireoClient(box.api_key, base_url=box.url) as client:
        receipt = await client.phone_numbers.order(number)
        await client.orders.wait(receipt.order_id, timeout=10)
        return receipt.order_id


def _body_sizes(box: _common.Server, order_id: str) -> tuple[int, int]:
    import urllib.request

    def size(method: str, path: str, body: bytes | None) -> int:
        request = urllib.request.Request(  # noqa: S310 - loopback http
            box.url + path,
            data=body,
            method=method,
            headers={
                "Authorization": f"Bearer {box.api_key}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request) as r:  # noqa: S310
            return len(r.read())

    number = box.get_json("/_sandbox/available-numbers?limit=1")["data"][0]
    order = json.dumps({"phone_number": number, "number_type": "national"})
    get = size("GET", f"/v1/phone-number-orders/{order_id}", None)
    post = size("POST", "/v1/phone-numbers", order.encode())
    return get, post


def run(
    quick: bool = False,
    *,
    pin: bool = True,
    concs: list[int] | None = None,
    ops: list[str] | None = None,
    n: int | None = None,
    repeats: int | None = None,
) -> dict[str, Any]:
    """Run the benchmark; returns rows and summary figures."""
    concs = concs or [1, 64, 512]
    ops = ops or ["get", "order"]
    n = n or (300 if quick else 3000)
    repeats = repeats or (2 if quick else 5)
    needed = _numbers_needed(ops, concs, n, repeats)
    rows = []
    with _common.sandbox(
        "--order-completion-delay",
        "0",
        "--inventory-size",
        str(max(needed, 2000)),
        "--credits",
        str(10 * needed + 1000),
        pin=pin,
    ) as box:
        order_id = asyncio.run(_place_one(box))
        get_size, post_size = _body_sizes(box, order_id)
        numbers = Numbers(
            box.get_json(f"/_sandbox/available-numbers?limit={needed}")["data"]
        )
        with _common.stub_server(
            "--get-size",
            str(get_size),
            "--post-size",
            str(post_size),
            pin=pin,  # both servers share the first core
        ) as stub:
            for op in ops:
                for conc in concs:
                    row = asyncio.run(
                        _run_op(
                            op,
                            conc,
                            n,
                            repeats,
                            box,
                            stub,
                            order_id,
                            numbers,
                            quick,
                        )
                    )
                    rows.append(row)
                    _print_row(row)
    return {
        "name": NAME,
        "params": {
            "quick": quick,
            "concurrency": concs,
            "n": n,
            "repeats": repeats,
            "pin": pin,
            "body_bytes": {"get": get_size, "order": post_size},
        },
        "rows": rows,
        "figures": _figures(rows, quick),
    }


def _figures(rows: list[dict[str, Any]], quick: bool) -> list[dict[str, Any]]:
    cmd = "python benchmarks/bench_client_cpu.py" + (" --quick" * quick)
    out = []
    for row in rows:
        label = f"{row['op']} @ {row['concurrency']}"
        us = {c: _common.fmt(v, ".0f") for c, v in row["cpu_us"].items()}
        out.append(
            _common.figure(
                f"client CPU raw÷SDK, {label}",
                row["raw_over_sdk"],
                0.90,
                higher_is_better=True,
                unit="×",
                command=cmd,
                note=f"raw {us[RAW]} µs, SDK {us[SDK]} µs per call",
            )
        )
        out.append(
            _common.figure(
                f"client CPU httpx÷SDK, {label}",
                row["httpx_over_sdk"],
                10.0,
                higher_is_better=True,
                unit="×",
                command=cmd,
                note=f"httpx {us[HTTPX]} µs per call",
            )
        )
        same = _common.fmt(row["async_telnyx_over_telnyx_client"], ".1f")
        out.append(
            _common.figure(
                f"client CPU AsyncTelnyx÷SDK, {label}",
                row["async_telnyx_over_sdk"],
                None,
                higher_is_better=True,
                unit="×",
                command=cmd,
                note=(
                    f"AsyncTelnyx {us[ASYNC_TELNYX]} µs; TelnyxClient "
                    f"{us[TELNYX_OURS]} µs on the same stub (÷ {same})"
                ),
            )
        )
    return out


def _print_row(row: dict[str, Any]) -> None:
    cpu, rps = row["cpu_us"], row["rps"]
    print(
        f"\n{row['op']} @ concurrency {row['concurrency']}"
        + (f"  ERRORS {row['errors']}" if row["errors"] else "")
    )
    fmt = _common.fmt
    _common.print_table(
        ["client", "client CPU µs/call", "calls/s"],
        [[c, fmt(cpu[c], ".0f"), fmt(rps[c], ",.0f")] for c in CLIENTS],
    )
    print(
        f"raw÷SDK {fmt(row['raw_over_sdk'], '.2f')}  "
        f"httpx÷SDK {fmt(row['httpx_over_sdk'], '.1f')}  "
        f"AsyncTelnyx÷SDK {fmt(row['async_telnyx_over_sdk'], '.1f')}  "
        "AsyncTelnyx÷TelnyxClient "
        f"{fmt(row['async_telnyx_over_telnyx_client'], '.1f')}  "
        "raw(stub)÷TelnyxClient "
        f"{fmt(row['raw_stub_over_telnyx_client'], '.2f')}",
        flush=True,
    )


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--concurrency", type=int, nargs="+")
    parser.add_argument("--ops", nargs="+", choices=["get", "order"])
    parser.add_argument("--n", type=int, help="calls per client per repeat")
    parser.add_argument("--repeats", type=int)
    args = parser.parse_args()
    run(
        args.quick,
        pin=not args.no_pin,
        concs=args.concurrency,
        ops=args.ops,
        n=args.n,
        repeats=args.repeats,
    )


if __name__ == "__main__":
    main()
