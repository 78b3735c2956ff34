"""
The same app as ``aiohttp_app.py``, for ASGI: Starlette with a lifespan.

The part to copy is the lifecycle: ONE ``FlireoClient`` per application,
opened in the lifespan and handed to requests through the lifespan state
(``request.state.flireo``), awaited by every endpoint (it is safe to share
across all concurrent requests), and closed when the server shuts down.
An exception handler turns SDK errors into HTTP answers.

    GET  /numbers?type=national&limit=10    -> 200 {"numbers": [...]}
    POST /orders {"phone_number": "+31..."} -> 201 {"order_id": ...}
    GET  /orders/{order_id}                 -> 200 {"status": ...}

Needs Starlette and an ASGI server (``pip install starlette uvicorn``; the
tests drive it with ``starlette.testclient`` instead).  Run it against the
local sandbox:

    flireo sandbox --port 8765          # in one shell
    FLIREO_BASE_URL=http://127.0.0.1:8765 FLIREO_API_KEY=fl_test_sandbox \
        uvicorn --app-dir examples starlette_app:app --port 8080
    curl 'http://127.0.0.1:8080/numbers?limit=3'
"""

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TypedDict

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import flireo_async as flireo


log = logging.getLogger(__name__)


class State(TypedDict):
    """What the lifespan hands to every request (``request.state``)."""

    flireo: flireo.FlireoClient


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[State]:
    """Open the app's one client at startup; close it at shutdown."""
    async with flireo.FlireoClient() as client:  # $FLIREO_API_KEY
        yield {"flireo": client}


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


async def flireo_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer SDK errors with a status and a short JSON body."""
    for kind, status in ERROR_STATUS:
        if isinstance(exc, kind):
            body = {"error": type(exc).__name__, "message": str(exc)}
            return JSONResponse(body, status_code=status)
    # Not the caller's fault (credits, our key, an outage): one line in
    # the log, and no detail leaked to the caller.
    log.error("the Flireo API failed: %s: %s", type(exc).__name__, exc)
    return JSONResponse({"error": "upstream failure"}, status_code=502)


async def search_numbers(request: Request) -> JSONResponse:
    """``GET /numbers``: numbers that can be ordered now."""
    try:
        limit = int(request.query_params.get("limit", "10"))
    except ValueError:
        raise HTTPException(400, "limit must be a number") from None
    client: flireo.FlireoClient = request.state.flireo
    numbers = await client.phone_numbers.search(
        number_type=request.query_params.get("type", "national"), limit=limit
    )
    return JSONResponse({"numbers": [n.phone_number for n in numbers]})


async def order_number(request: Request) -> JSONResponse:
    """``POST /orders``: order one number, exactly once."""
    try:
        phone_number = (await request.json())["phone_number"]
    except (ValueError, KeyError, TypeError):
        raise HTTPException(400, 'send {"phone_number": "+31..."}') from None
    client: flireo.FlireoClient = request.state.flireo
    receipt = await client.phone_numbers.order(phone_number)
    body = {
        "order_id": receipt.order_id,
        "phone_number": receipt.phone_number,
        "status": receipt.status,
        "reconciled": receipt.reconciled,  # found after a lost answer
    }
    return JSONResponse(body, status_code=201)


async def get_order(request: Request) -> JSONResponse:
    """``GET /orders/{order_id}``: where an order stands."""
    client: flireo.FlireoClient = request.state.flireo
    order = await client.orders.get(request.path_params["order_id"])
    return JSONResponse(
        {
            "order_id": order.id,
            "phone_number": order.phone_number,
            "status": order.status,
        }
    )


app = Starlette(
    routes=[
        Route("/numbers", search_numbers),
        Route("/orders", order_number, methods=["POST"]),
        Route("/orders/{order_id}", get_order),
    ],
    lifespan=lifespan,
    exception_handlers={flireo.FlireoError: flireo_error},
)
