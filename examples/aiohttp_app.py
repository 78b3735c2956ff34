"""
An aiohttp.web app that searches and orders numbers with one shared client.

The part to copy is the lifecycle: ONE ``FlireoClient`` per application,
opened by a cleanup context, stored under a typed ``web.AppKey``, awaited
by every handler (it is safe to share across all concurrent requests), and
closed when the app shuts down, so no "Unclosed client session" warning
is ever printed.  A middleware turns SDK errors into HTTP answers.

    GET  /numbers?type=national&limit=10    -> 200 {"numbers": [...]}
    POST /orders {"phone_number": "+31..."} -> 201 {"order_id": ...}
    GET  /orders/{order_id}                 -> 200 {"status": ...}

Run it against the local sandbox (``pip install 'flireo-async[cli]'``):

    flireo sandbox --port 8765          # in one shell
    FLIREO_BASE_URL=http://127.0.0.1:8765 FLIREO_API_KEY=fl_test_sandbox \
        python examples/aiohttp_app.py  # in another, serves :8080
    curl 'http://127.0.0.1:8080/numbers?limit=3'
    curl -X POST http://127.0.0.1:8080/orders \
        -d '{"phone_number": "+31850006949"}'

With ``OTEL_CONSOLE=1`` (and ``pip install opentelemetry-sdk``) every SDK
call is printed as an OpenTelemetry span tree: the operation, each HTTP
attempt, retries and reconciliations (see docs/guides/observability.md).
"""

import logging
import os
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.typedefs import Handler

import flireo_async as flireo


log = logging.getLogger(__name__)

FLIREO = web.AppKey("flireo", flireo.FlireoClient)


async def flireo_client(app: web.Application) -> AsyncIterator[None]:
    """Open the app's one client at startup; close it at shutdown."""
    async with flireo.FlireoClient() as client:  # $FLIREO_API_KEY
        app[FLIREO] = client
        yield


# What an SDK error means for the callers of *this* app.
# The first match wins, so subclasses come before their bases.
ERROR_STATUS: list[tuple[type[flireo.FlireoError], int]] = [
    (flireo.ValidationError, 400),  # bad input; nothing was sent
    (flireo.NotFoundError, 404),
    (flireo.AlreadyInUseError, 409),  # someone else has the number
    (flireo.ConflictError, 409),
    # The API refused the caller's parameters (a number not on offer,
    # a bad type): the caller's 4xx, not our outage.
    (flireo.BadRequestError, 400),
    (flireo.OrderOutcomeUnknownError, 503),  # maybe ordered: look it up
]


@web.middleware
async def flireo_errors(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Answer SDK errors with a status and a short JSON body."""
    try:
        return await handler(request)
    except flireo.FlireoError as exc:
        for kind, status in ERROR_STATUS:
            if isinstance(exc, kind):
                body = {"error": type(exc).__name__, "message": str(exc)}
                return web.json_response(body, status=status)
        # Not the caller's fault (credits, our key, an outage): logged
        # for us with its traceback, no detail leaked to the caller.
        log.exception("the Flireo API failed")
        return web.json_response({"error": "upstream failure"}, status=502)


async def search_numbers(request: web.Request) -> web.Response:
    """``GET /numbers``: numbers that can be ordered now."""
    try:
        limit = int(request.query.get("limit", "10"))
    except ValueError:
        raise web.HTTPBadRequest(text="limit must be a number") from None
    numbers = await request.app[FLIREO].phone_numbers.search(
        number_type=request.query.get("type", "national"), limit=limit
    )
    return web.json_response({"numbers": [n.phone_number for n in numbers]})


async def order_number(request: web.Request) -> web.Response:
    """``POST /orders``: order one number, exactly once."""
    try:
        phone_number = (await request.json())["phone_number"]
    except (ValueError, KeyError, TypeError):
        text = 'send {"phone_number": "+31..."}'
        raise web.HTTPBadRequest(text=text) from None
    receipt = await request.app[FLIREO].phone_numbers.order(phone_number)
    body = {
        "order_id": receipt.order_id,
        "phone_number": receipt.phone_number,
        "status": receipt.status,
        "reconciled": receipt.reconciled,  # found after a lost answer
    }
    return web.json_response(body, status=201)


async def get_order(request: web.Request) -> web.Response:
    """``GET /orders/{order_id}``: where an order stands."""
    order = await request.app[FLIREO].orders.get(
        request.match_info["order_id"]
    )
    return web.json_response(
        {
            "order_id": order.id,
            "phone_number": order.phone_number,
            "status": order.status,
        }
    )


def make_app() -> web.Application:
    """Build the application (tests build it the same way)."""
    app = web.Application(middlewares=[flireo_errors])
    app.cleanup_ctx.append(flireo_client)
    app.add_routes(
        [
            web.get("/numbers", search_numbers),
            web.post("/orders", order_number),
            web.get("/orders/{order_id}", get_order),
        ]
    )
    return app


def trace_to_console() -> None:
    """Print every span to stdout (an OpenTelemetry SDK, set up once)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        ConsoleSpanExporter,
        SimpleSpanProcessor,
    )

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    if os.environ.get("OTEL_CONSOLE"):
        trace_to_console()
    web.run_app(
        make_app(), host="127.0.0.1", port=int(os.environ.get("PORT", "8080"))
    )
