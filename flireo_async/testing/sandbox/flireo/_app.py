"""
The Flireo mode's aiohttp application: its routes and wire dialect.

The request pipeline (request id, faults, auth, rate limit, handler, log)
is the one both modes share (`_pipeline`).  What is Flireo's own: errors
are ``{"error": {code, message, details}}`` (the 401 is the newer docs'
flat body), the headers are spelled ``X-Request-Id`` and
``X-RateLimit-Limit/Remaining/Reset`` (reset as a Unix time), and every
429 carries ``Retry-After``.
"""

from __future__ import annotations

import math

from aiohttp import web

from .._core._faults import RateWindow
from .._core._params import read_json
from .._core._pipeline import BaseEngine, Dialect, Handler, build_application
from . import _assistants as a
from . import _handlers as h
from ._inspect import INSPECTORS
from ._state import SandboxState
from ._wire import UNAUTHORIZED_BODY, error_body, rate_limit_body


#: ``(method, path, handler, reads a JSON body)``; the handler's name is
#: the route name used in the request log and in `Faults.apply_to`.
ROUTE_TABLE: tuple[tuple[str, str, Handler[SandboxState], bool], ...] = (
    ("GET", "/v1/phone-numbers/available", h.search_numbers, False),
    ("GET", "/v1/phone-numbers", h.list_numbers, False),
    ("POST", "/v1/phone-numbers", h.order_number, True),
    ("GET", "/v1/phone-number-orders", h.list_orders, False),
    ("GET", "/v1/phone-number-orders/{id}", h.get_order, False),
    ("POST", "/v1/verification-groups", h.create_group, True),
    ("GET", "/v1/verification-groups", h.list_groups, False),
    ("GET", "/v1/verification-groups/{id}", h.get_group, False),
    (
        "GET",
        "/v1/verification-groups/{id}/available-phone-numbers",
        h.search_group_numbers,
        False,
    ),
    (
        "POST",
        "/v1/verification-groups/{id}/order-number",
        h.order_group_number,
        True,
    ),
    ("GET", "/v1/assistants/{id}/phone-number", a.get_assistant_number, False),
    (
        "POST",
        "/v1/assistants/{id}/phone-number",
        a.link_assistant_number,
        True,
    ),
    (
        "DELETE",
        "/v1/assistants/{id}/phone-number",
        a.unlink_assistant_number,
        False,
    ),
)


#: The Flireo spelling of the answers the pipeline makes itself.
FLIREO_DIALECT = Dialect(
    request_id_header="X-Request-Id",
    unauthorized_body=UNAUTHORIZED_BODY,
    server_error_body=error_body(
        "server_error", "The server failed unexpectedly"
    ),
    read_json=read_json,
    window=RateWindow(
        names=(
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
        ),
        reset=lambda end, left: str(math.ceil(end)),
        retry_after=True,
        body=rate_limit_body,
    ),
)


class Engine(BaseEngine[SandboxState]):
    """
    The Flireo mode's engine: a `SandboxState` account, Flireo's wire.

    Args:
        config: The sandbox configuration.
    """

    dialect = FLIREO_DIALECT

    def _new_state(self) -> SandboxState:
        return SandboxState(self.config)


def build_app(engine: Engine) -> web.Application:
    """
    Build the aiohttp application serving *engine*.

    Args:
        engine: The sandbox engine.

    Returns:
        The application with the ``/v1`` routes and the inspection API.
    """
    return build_application(engine, ROUTE_TABLE, INSPECTORS, h.unknown_route)
