"""
Configuration values of the sandbox: `SandboxConfig` and `Faults`.

Both are frozen, keyword-only attrs classes so that a configuration can be
shared between tests, compared, and tweaked with `attrs.evolve`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import attrs


#: Route names, one per documented endpoint, plus ``"unknown"`` for any
#: path the sandbox does not serve.  They appear in the request log and
#: can be used in `Faults.apply_to`.
ROUTES: frozenset[str] = frozenset(
    {
        "search_numbers",
        "list_numbers",
        "order_number",
        "list_orders",
        "get_order",
        "create_group",
        "list_groups",
        "get_group",
        "search_group_numbers",
        "order_group_number",
        "get_assistant_number",
        "link_assistant_number",
        "unlink_assistant_number",
        "unknown",
    }
)

#: The two routes that order a number (and charge credits).
ORDER_ROUTES: frozenset[str] = frozenset(
    {"order_number", "order_group_number"}
)

_READ_ROUTES = frozenset(
    {
        "search_numbers",
        "list_numbers",
        "list_orders",
        "get_order",
        "list_groups",
        "get_group",
        "search_group_numbers",
        "get_assistant_number",
    }
)

#: Route names of the Telnyx mode (`TelnyxSandbox`), plus the shared
#: ``"unknown"``.
TELNYX_ROUTES: frozenset[str] = frozenset(
    {
        "search_available_phone_numbers",
        "create_number_order",
        "list_number_orders",
        "get_number_order",
        "update_number_order",
        "list_sub_number_orders",
        "get_sub_number_order",
        "update_sub_number_order",
        "cancel_sub_number_order",
        "sub_number_order_requirement_group",
        "list_number_order_phone_numbers",
        "get_number_order_phone_number",
        "update_number_order_phone_number",
        "number_order_phone_number_requirement_group",
        "list_phone_numbers",
        "get_phone_number",
        "create_requirement_group",
        "list_requirement_groups",
        "get_requirement_group",
        "update_requirement_group",
        "delete_requirement_group",
        "submit_requirement_group",
        "unknown",
    }
)

#: The Telnyx route that orders numbers: ``POST /v2/number_orders``.
TELNYX_ORDER_ROUTES: frozenset[str] = frozenset({"create_number_order"})

_TELNYX_READ_ROUTES = frozenset(
    {
        "search_available_phone_numbers",
        "list_number_orders",
        "get_number_order",
        "list_sub_number_orders",
        "get_sub_number_order",
        "list_number_order_phone_numbers",
        "get_number_order_phone_number",
        "list_phone_numbers",
        "get_phone_number",
        "list_requirement_groups",
        "get_requirement_group",
    }
)

#: Names usable in `Faults.apply_to` that stand for several routes (of
#: either mode: the names of the two modes do not overlap).
ROUTE_GROUPS: dict[str, frozenset[str]] = {
    "all": ROUTES | TELNYX_ROUTES,
    "orders": ORDER_ROUTES | TELNYX_ORDER_ROUTES,
    "reads": _READ_ROUTES | _TELNYX_READ_ROUTES,
    "writes": (ROUTES | TELNYX_ROUTES)
    - _READ_ROUTES
    - _TELNYX_READ_ROUTES
    - {"unknown"},
}


#: The key a Flireo-mode sandbox accepts unless configured.
DEFAULT_API_KEY = "fl_test_sandbox"

#: Requests per `SandboxConfig.rate_window` (a minute) per key unless
#: configured: far above what one sandbox serves (about 5,000 requests/s,
#: 300,000 a minute), so no test or demo ever waits for it, while every
#: answer carries the rate-limit headers.  The real Flireo limit is 100.
DEFAULT_RATE_LIMIT = 1_000_000

#: The real Flireo API's limit per minute and key (spec §6.2).
FLIREO_RATE_LIMIT = 100


def _to_frozenset(value: Iterable[str] | str) -> frozenset[str]:
    # A bare string would otherwise become a set of its characters.
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def _to_latency(value: Iterable[float]) -> tuple[float, float]:
    low, high = value
    return float(low), float(high)


def _check_rate(
    instance: object, attribute: attrs.Attribute[float], value: float
) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(
            f"{attribute.name} must be between 0 and 1, got {value!r}"
        )


def _check_non_negative(
    instance: object, attribute: attrs.Attribute[Any], value: float
) -> None:
    if value < 0 or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


def _check_latency(
    instance: object,
    attribute: attrs.Attribute[tuple[float, float]],
    value: tuple[float, float],
) -> None:
    low, high = value
    if not 0.0 <= low <= high:
        raise ValueError(
            f"latency must be (low, high) with 0 <= low <= high, got {value!r}"
        )


def _check_apply_to(
    instance: object,
    attribute: attrs.Attribute[frozenset[str]],
    value: frozenset[str],
) -> None:
    unknown = value - ROUTES - TELNYX_ROUTES - ROUTE_GROUPS.keys()
    if unknown:
        raise ValueError(
            f"apply_to has unknown route names {sorted(unknown)!r}; "
            f"use {sorted(ROUTE_GROUPS)!r} or "
            f"{sorted(ROUTES | TELNYX_ROUTES)!r}"
        )


@attrs.frozen(kw_only=True)
class Faults:
    """
    Seeded fault injection for the sandbox.

    For every request to a route selected by *apply_to* the sandbox draws
    three numbers from its own `random.Random` (seeded from
    `SandboxConfig.seed`): one for the extra latency, one that picks at most
    one fault kind, and one that picks the 5xx status.  Because the number of
    draws per request is fixed, the same seed and the same request arrival
    order always give the same fault sequence.  Each decision is recorded in
    the request log (`RequestRecord.fault`).

    The fault kinds share one roll, so their rates must add up to at most 1.
    They are tried in this order:

    - *error_rate*: answer 500, 502 or 503 with a nested ``server_error``
      JSON body (Telnyx mode: ``errors[]`` with code ``10007``) before the
      request is processed.
    - *html_error_rate*: answer 502 with a proxy's ``text/html`` page.
    - *rate_limit_burst_rate*: answer 429 with ``Retry-After:
      burst_retry_after`` before the request is processed (Telnyx mode:
      no ``Retry-After``, ``x-ratelimit-reset: burst_retry_after``).
    - *slow_rate*: process the request, then hold the answer for
      *slow_seconds* (to outlast a client timeout; an order is placed even
      when the client gives up).
    - *drop_before_commit_rate*: order POSTs only; close the connection
      without answering and without ordering anything.
    - *drop_after_commit_rate*: order POSTs only; place the order (credits
      are charged), then close the connection without answering.  The
      client sees a disconnect (``ServerDisconnectedError``).

    A drop rolled for a route that is not an order POST means no fault.

    Attributes:
        latency: ``(low, high)`` seconds of uniformly drawn extra delay
            added to every selected request.
        apply_to: Route names (see `ROUTES` and `TELNYX_ROUTES`) or
            groups: ``"all"`` (every ``/v1`` or ``/v2`` request, the
            default), ``"orders"`` (the order POSTs: the two Flireo ones,
            Telnyx's ``POST /v2/number_orders``), ``"reads"`` (GETs) and
            ``"writes"`` (POSTs, PATCHes, DELETE).  The ``/_sandbox``
            inspection API never sees faults.
    """

    latency: tuple[float, float] = attrs.field(
        default=(0.0, 0.0),
        converter=_to_latency,
        validator=_check_latency,
    )
    error_rate: float = attrs.field(default=0.0, validator=_check_rate)
    html_error_rate: float = attrs.field(default=0.0, validator=_check_rate)
    rate_limit_burst_rate: float = attrs.field(
        default=0.0, validator=_check_rate
    )
    burst_retry_after: int = attrs.field(
        default=1, validator=_check_non_negative
    )
    slow_rate: float = attrs.field(default=0.0, validator=_check_rate)
    slow_seconds: float = attrs.field(
        default=5.0, validator=_check_non_negative
    )
    drop_before_commit_rate: float = attrs.field(
        default=0.0, validator=_check_rate
    )
    drop_after_commit_rate: float = attrs.field(
        default=0.0, validator=_check_rate
    )
    apply_to: frozenset[str] = attrs.field(
        default=frozenset({"all"}),
        converter=_to_frozenset,
        validator=_check_apply_to,
    )

    def __attrs_post_init__(self) -> None:
        total = sum(rate for _, rate in self.kinds())
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"the fault rates add up to {total}, which is more than 1"
            )

    def kinds(self) -> tuple[tuple[str, float], ...]:
        """
        Return the fault kinds with their rates, in the order they are tried.

        Returns:
            ``(kind, rate)`` pairs.
        """
        return (
            ("error", self.error_rate),
            ("html_error", self.html_error_rate),
            ("rate_limit_burst", self.rate_limit_burst_rate),
            ("slow", self.slow_rate),
            ("drop_before_commit", self.drop_before_commit_rate),
            ("drop_after_commit", self.drop_after_commit_rate),
        )

    @property
    def active(self) -> bool:
        """Whether any fault or latency can happen at all."""
        return self.latency[1] > 0 or any(r > 0 for _, r in self.kinds())

    def routes(self) -> frozenset[str]:
        """
        Return the route names selected by *apply_to*.

        Returns:
            The expanded set of route names.
        """
        selected: set[str] = set()
        for name in self.apply_to:
            selected |= ROUTE_GROUPS.get(name, frozenset({name}))
        return frozenset(selected)


def _check_optional_positive(
    instance: object, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if value is not None and value < 1:
        raise ValueError(f"{attribute.name} must be >= 1, got {value!r}")


def _check_positive(
    instance: object, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


@attrs.frozen(kw_only=True)
class SandboxConfig:
    """
    How a `Sandbox` behaves.

    Attributes:
        host: Interface to listen on (loopback by default).
        port: TCP port; ``0`` picks a free ephemeral port.
        api_key: The only bearer token the sandbox accepts.
        credits: Starting credit balance; every order costs 10.
        seed: Seeds the inventory, the ids and the fault sequence.
        group_approval_delay: Seconds until a new verification group leaves
            ``pending``.
        reject_groups_named: When set, a new group whose ``name`` starts
            with this text (case-insensitive) ends ``rejected`` instead of
            ``approved``.  ``sandbox.reject_group(id)`` works in any case.
        order_completion_delay: Seconds until an order leaves ``pending``.
        order_failure_rate: Share of orders (seeded) that end ``failed``.
        inventory_size: Numbers in each pool (national, mobile, and the
            local pool of each known city).
        rate_limit: Requests allowed per *rate_window* per API key
            (default `DEFAULT_RATE_LIMIT`, 1,000,000: never reached, but
            every answer carries ``X-RateLimit-*``; `FLIREO_RATE_LIMIT`,
            100, is the real API's); ``None`` turns rate limiting and its
            headers off.
        rate_window: Length of a rate limit window in seconds.
        faults: Fault injection, see `Faults`.
        request_log_limit: How many recent requests the request log keeps.
    """

    host: str = "127.0.0.1"
    port: int = attrs.field(default=0, validator=_check_non_negative)
    api_key: str = DEFAULT_API_KEY
    credits: int = attrs.field(default=1000, validator=_check_non_negative)
    seed: int = 0
    group_approval_delay: float = attrs.field(
        default=1.0, validator=_check_non_negative
    )
    reject_groups_named: str | None = None
    order_completion_delay: float = attrs.field(
        default=0.5, validator=_check_non_negative
    )
    order_failure_rate: float = attrs.field(default=0.0, validator=_check_rate)
    inventory_size: int = attrs.field(
        default=2000,
        validator=[_check_positive, attrs.validators.le(1_000_000)],
    )
    rate_limit: int | None = attrs.field(
        default=DEFAULT_RATE_LIMIT, validator=_check_optional_positive
    )
    rate_window: float = attrs.field(default=60.0, validator=_check_positive)
    faults: Faults = attrs.field(factory=Faults)
    request_log_limit: int = attrs.field(
        default=10_000, validator=_check_positive
    )
