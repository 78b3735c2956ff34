"""
A static loopback server with canned Telnyx v2 number-order answers.

Serves, on 127.0.0.1 only:

* ``GET  /v2/number_orders/{id}`` -> 200, a one-number order padded to
  ``--get-size`` bytes (default 312, the size of the Flireo sandbox's
  ``GET /v1/phone-number-orders/{id}`` answer);
* ``POST /v2/number_orders``      -> 200, a pending one-number order padded
  to ``--post-size`` bytes (default 209, the sandbox's order receipt).

It exists so that the official Stainless-generated ``telnyx`` SDK
(``AsyncTelnyx``) and our ``TelnyxClient`` can make a call of the same size
as the Flireo ones against a server that costs next to nothing.  The body
never changes and the request body is not read, so the server's own cost
is the same for every client.

Run:  python benchmarks/_stub_server.py --port 0 [--get-size N]
Prints ``stub listening on http://127.0.0.1:PORT/v2 (api key: KEY)``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket

from aiohttp import web


ORDER_ID = "12ade33a-21c0-473b-b055-b3c836e1c292"
NUMBER_ID = "dc8e4d67-33a0-4629-a0a2-d4f5bd3b3f8d"


def _padded(data: dict[str, object], size: int) -> bytes:
    # customer_reference carries the padding, so the body stays a
    # well-formed order of exactly *size* bytes when that is possible.
    data = dict(data, customer_reference="")
    body = json.dumps({"data": data}, separators=(",", ":")).encode()
    pad = max(0, size - len(body))
    data["customer_reference"] = "x" * pad
    return json.dumps({"data": data}, separators=(",", ":")).encode()


def get_body(size: int) -> bytes:
    """The ``GET /v2/number_orders/{id}`` answer."""
    return _padded(
        {
            "id": ORDER_ID,
            "status": "success",
            "phone_numbers_count": 1,
            "phone_numbers": [
                {
                    "id": NUMBER_ID,
                    "phone_number": "+31850006949",
                    "status": "success",
                }
            ],
            "requirements_met": True,
            "created_at": "2026-11-25T16:37:28Z",
        },
        size,
    )


def post_body(size: int) -> bytes:
    """The ``POST /v2/number_orders`` answer."""
    return _padded(
        {
            "id": ORDER_ID,
            "status": "pending",
            "phone_numbers_count": 1,
            "phone_numbers": [
                {"phone_number": "+31850006949", "status": "pending"}
            ],
        },
        size,
    )


def build_app(get_size: int, post_size: int) -> web.Application:
    """The stub application."""
    got, posted = get_body(get_size), post_body(post_size)

    async def get(request: web.Request) -> web.Response:
        return web.Response(body=got, content_type="application/json")

    async def post(request: web.Request) -> web.Response:
        # Drain the body so keep-alive works; do not parse it.
        await request.read()
        return web.Response(body=posted, content_type="application/json")

    app = web.Application()
    app.router.add_get("/v2/number_orders/{id}", get)
    app.router.add_post("/v2/number_orders", post)
    return app


async def _serve(port: int, get_size: int, post_size: int) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    runner = web.AppRunner(
        build_app(get_size, post_size), access_log=None, handle_signals=True
    )
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    real = sock.getsockname()[1]
    print(
        f"stub listening on http://127.0.0.1:{real}/v2 (api key: stub_key)",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    """Serve until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--get-size", type=int, default=312)
    parser.add_argument("--post-size", type=int, default=209)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.get_size, args.post_size))


if __name__ == "__main__":
    main()
