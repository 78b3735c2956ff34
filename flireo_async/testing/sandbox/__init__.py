"""
A faithful local Flireo v1 provisioning API, for tests, demos, benchmarks.

`Sandbox` runs a real `aiohttp.web` server on loopback that behaves like the
documented endpoints of ``spec/flireo-api.md`` §4: bearer auth, 10 credits
per order, deterministic inventory, verification groups and orders whose
status moves on after configurable delays, offset pagination with ``meta``,
the documented error codes and bodies, rate limiting with ``Retry-After``
and ``X-RateLimit-*``, and seeded fault injection (`Faults`).

It does not import the SDK, so it cannot drift to match it.

Choices where the docs are silent:

- Order POSTs and group creation answer 201.  Credits are charged when the
  order is placed and not refunded when it fails.
- A number appears in ``GET /v1/phone-numbers`` (and in its group's
  ``phone_numbers``) once its order succeeds; a failed order puts the
  number back on sale.
- Ordering a number the sandbox never offered is ``invalid_parameters``;
  one with a live order (by anyone) is ``already_in_use``.
- Mobile numbers, like national ones, need no verification group.  A group
  offers numbers of its own ``phone_number_type``; a local group offers
  the local numbers of its city (Amsterdam, Rotterdam, Den Haag, Utrecht,
  Eindhoven, Groningen; other cities have none).
- New groups end ``approved`` unless their name starts with
  `SandboxConfig.reject_groups_named`; ``sandbox.approve_group(id)`` and
  ``sandbox.reject_group(id)`` decide one by hand.
- ``requirements_met`` is false only for failed orders.
- The 401 body is the newer docs' flat form; every other error is
  ``{"error": {"code", "message", "details"}}``.  Unknown paths (and
  unknown methods on known paths) are a 404 ``not_found``.
- Rate limiting is on by default at `DEFAULT_RATE_LIMIT` (1,000,000
  requests a minute per key: never reached, one sandbox serves about
  5,000 a second), so every answer carries whole-number
  ``X-RateLimit-*`` as the docs promise; `FLIREO_RATE_LIMIT` (100) is the
  real limit, ``rate_limit=None`` none.  401s and injected failures
  report the window without counting against it.
- Group fields are checked as the documented schema does: strings of at
  least one character (whitespace counts).

Inspection lives under ``/_sandbox/`` (no auth, faults or limits):
``GET state``, ``GET orders?phone_number=``, ``GET order-counts``,
``GET requests``, ``GET available-numbers``, ``POST reset``,
``POST credits``, ``POST verification-groups/{id}/approve|reject``.
Its answers carry ``X-Request-Id: sandbox_NNNNNN`` from a counter of their
own, so inspecting never shifts the API's ``req_NNNNNN`` ids or faults.

`TelnyxSandbox` is the Telnyx v2 number-ordering mode on the same server,
fault and rate-limit machinery: ``base_url`` ends in ``/v2``, every error is
the ``{"errors": [...]}`` envelope, the rate limit speaks
``x-ratelimit-*`` with no ``Retry-After``, and completed orders can be
announced with Ed25519-signed ``number_order.complete`` webhooks.  Its
choices where the Telnyx docs are silent are listed in `_telnyx_server`.

Throughput: about 4,900 requests/s of ``GET /v1/phone-number-orders/{id}``
with the server pinned to one core (median of 5 runs, range 4,100-5,200;
64 concurrent raw aiohttp clients in another process on the other core of a
shared 2-core machine; 155-200 us of server CPU per request).  Measured
with ``python benchmarks/sandbox_throughput.py``; when other work shares
the machine the client becomes the limit and the figure drops to ~3,000.
"""

from __future__ import annotations

from ._core._config import (
    DEFAULT_RATE_LIMIT,
    FLIREO_RATE_LIMIT,
    ORDER_ROUTES,
    ROUTES,
    TELNYX_ORDER_ROUTES,
    TELNYX_ROUTES,
    Faults,
    SandboxConfig,
)
from ._core._pipeline import RequestRecord
from .flireo._server import Sandbox
from .telnyx._server import TelnyxSandbox, WebhookDelivery


__all__ = [
    "DEFAULT_RATE_LIMIT",
    "FLIREO_RATE_LIMIT",
    "Faults",
    "ORDER_ROUTES",
    "ROUTES",
    "RequestRecord",
    "Sandbox",
    "SandboxConfig",
    "TELNYX_ORDER_ROUTES",
    "TELNYX_ROUTES",
    "TelnyxSandbox",
    "WebhookDelivery",
]
