"""
The Telnyx mode's aiohttp application: its routes and wire dialect.

The request pipeline is the Flireo mode's (`_pipeline`).  What differs is
the wire: every error is Telnyx's ``{"errors": [...]}`` envelope, headers
are lower case (``x-request-id``), and the rate limit speaks
``x-ratelimit-limit/remaining/reset`` (reset in seconds until the window
ends) with no ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from .._core._config import SandboxConfig
from .._core._faults import RateWindow
from .._core._pipeline import BaseEngine, Dialect, build_application
from . import _handlers as h
from ._handlers import TelnyxHandler
from ._inspect import INSPECTORS
from ._state import TelnyxState
from ._wire import (
    SERVER_ERROR_BODY,
    UNAUTHORIZED_BODY,
    rate_limit_body,
    read_json,
    reset_header,
)


#: ``(method, path, handler, reads a JSON body)``; the handler's name is
#: the route name (see `TELNYX_ROUTES`).
TELNYX_ROUTE_TABLE: tuple[tuple[str, str, TelnyxHandler, bool], ...] = (
    (
        "GET",
        "/v2/available_phone_numbers",
        h.search_available_phone_numbers,
        False,
    ),
    ("POST", "/v2/number_orders", h.create_number_order, True),
    ("GET", "/v2/number_orders", h.list_number_orders, False),
    ("GET", "/v2/number_orders/{id}", h.get_number_order, False),
    ("PATCH", "/v2/number_orders/{id}", h.update_number_order, True),
    ("GET", "/v2/sub_number_orders", h.list_sub_number_orders, False),
    ("GET", "/v2/sub_number_orders/{id}", h.get_sub_number_order, False),
    ("PATCH", "/v2/sub_number_orders/{id}", h.update_sub_number_order, True),
    (
        "PATCH",
        "/v2/sub_number_orders/{id}/cancel",
        h.cancel_sub_number_order,
        False,
    ),
    (
        "POST",
        "/v2/sub_number_orders/{id}/requirement_group",
        h.sub_number_order_requirement_group,
        True,
    ),
    (
        "GET",
        "/v2/number_order_phone_numbers",
        h.list_number_order_phone_numbers,
        False,
    ),
    (
        "GET",
        "/v2/number_order_phone_numbers/{id}",
        h.get_number_order_phone_number,
        False,
    ),
    (
        "PATCH",
        "/v2/number_order_phone_numbers/{id}",
        h.update_number_order_phone_number,
        True,
    ),
    (
        "POST",
        "/v2/number_order_phone_numbers/{id}/requirement_group",
        h.number_order_phone_number_requirement_group,
        True,
    ),
    ("GET", "/v2/phone_numbers", h.list_phone_numbers, False),
    ("GET", "/v2/phone_numbers/{id}", h.get_phone_number, False),
    ("POST", "/v2/requirement_groups", h.create_requirement_group, True),
    ("GET", "/v2/requirement_groups", h.list_requirement_groups, False),
    ("GET", "/v2/requirement_groups/{id}", h.get_requirement_group, False),
    (
        "PATCH",
        "/v2/requirement_groups/{id}",
        h.update_requirement_group,
        True,
    ),
    (
        "DELETE",
        "/v2/requirement_groups/{id}",
        h.delete_requirement_group,
        False,
    ),
    (
        "POST",
        "/v2/requirement_groups/{id}/submit_for_approval",
        h.submit_requirement_group,
        False,
    ),
)  # fmt: skip


#: The Telnyx spelling of the answers the pipeline makes itself.
TELNYX_DIALECT = Dialect(
    request_id_header="x-request-id",
    unauthorized_body=UNAUTHORIZED_BODY,
    server_error_body=SERVER_ERROR_BODY,
    read_json=read_json,
    window=RateWindow(
        names=(
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ),
        reset=lambda end, left: reset_header(left),
        retry_after=False,
        body=lambda wait: rate_limit_body(),
    ),
    late_inspection_id=True,
)


class TelnyxEngine(BaseEngine[TelnyxState]):
    """
    The Telnyx mode's engine: a `TelnyxState` account, Telnyx's wire, and
    a hook for the webhook deliverer.

    Args:
        config: The sandbox configuration.
    """

    dialect = TELNYX_DIALECT

    def __init__(self, config: SandboxConfig) -> None:
        #: Called whenever a sub-order gets a due time (the webhook
        #: deliverer sleeps until then).  Set before the base class's
        #: first `reset` makes the state that calls it.
        self.on_schedule: Callable[[], None] | None = None
        super().__init__(config)

    def _new_state(self) -> TelnyxState:
        return TelnyxState(self.config, self._scheduled)

    def _scheduled(self) -> None:
        if self.on_schedule is not None:
            self.on_schedule()


def build_telnyx_app(engine: TelnyxEngine) -> web.Application:
    """
    Build the aiohttp application serving *engine*.

    Returns:
        The application with the ``/v2`` routes and the inspection API.
    """
    return build_application(engine, TELNYX_ROUTE_TABLE, INSPECTORS, h.unknown)
