"""
`TelnyxSandbox`: the Telnyx v2 number-ordering mode of the sandbox.

Same server, faults and rate limiter as `Sandbox`; the API is Telnyx's
(`_telnyx_app`), and completed orders can be announced with signed
``number_order.complete`` webhooks.

Served: ``GET /v2/available_phone_numbers``; ``POST``/``GET
/v2/number_orders``, ``GET``/``PATCH /v2/number_orders/{id}``; ``GET
/v2/sub_number_orders[/{id}]``, ``PATCH /v2/sub_number_orders/{id}[/cancel]``,
``POST /v2/sub_number_orders/{id}/requirement_group``; ``GET
/v2/number_order_phone_numbers[/{id}]``, ``PATCH .../{id}``, ``POST
.../{id}/requirement_group``; ``GET /v2/phone_numbers[/{id}]``;
``POST``/``GET /v2/requirement_groups``, ``GET``/``PATCH``/``DELETE
/v2/requirement_groups/{id}``, ``POST .../{id}/submit_for_approval``.
Anything else (reservations, comments, bulk orders, ...) is a 501 with
code ``10007``, title "Not served by the sandbox" and ``x-should-retry:
false``: never the 404 ``10005`` of a missing resource, so a client can
tell the two apart.

Every answer is meant to parse with the official ``telnyx`` SDK's models
in strict mode (``tests/contract`` checks it), but for the documented
values its enums lack: ``cancelled`` and ``no-longer-eligible``.

Choices where the Telnyx docs are silent:

- Inventory: NL national (``+3185``), mobile (``+316``), local in
  Amsterdam, Rotterdam and Utrecht, toll-free (``+31800``); US local in
  Chicago and New York, toll-free (``+1888``, quickship).  Seeded, so a
  seed always offers the same numbers; features and prices vary per number.
- Search: ``filter[limit]`` defaults to 50 (1-1000).  A digit filter with
  a wildcard or any non-digit finds nothing (as Telnyx: no error).  Unknown
  filters are ignored, as Telnyx silently does; ``filter[features]`` is
  read comma-joined or as repeated ``filter[features][]``.  ``best_effort``,
  ``reservable`` and ``exclude_held_numbers`` are checked but change
  nothing (no near matches, no holds).  A number stays orderable once any
  search returned it.
- Errors: the statuses of spec §2.2.  A malformed request (``10015``)
  is a 400, a missing resource (``10005``) a 404, any other refusal of a
  well-formed request a 422; an answer listing several problems is a 400
  only when each is a ``10015``.  A missing resource names
  ``source.parameter: "id"``.
- Create: all or nothing; one ``errors[]`` entry per bad number.
  ``85001`` (taken) wins over ``85000`` (never searched).  A requirement
  group that is unknown, ``no-longer-eligible`` or for another country or
  type is a ``10015``.  One sub-order per (country, type).
- Requirements: only a Dutch local number needs one (an address, id in
  `TelnyxSandbox.requirements_for`).  Until it has a value its number is
  ``requirement-info-pending`` with a 30-day ``deadline`` (not enforced).
  A sub-order completes ``order_completion_delay`` seconds after its
  requirements are met; its outcome is seeded by ``order_failure_rate``.
  An order is ``success`` when any sub-order succeeded, ``cancelled`` when
  all were cancelled, else ``failure``; failed or cancelled numbers are
  back on sale.  A group's values are copied onto the numbers at order
  time (later group edits do not follow, as documented); ``POST
  .../requirement_group`` copies them again, onto the requirements that
  have no value yet.
- The account's numbers (``/v2/phone_numbers``): every number of an
  order that did not fail or get cancelled, with a 19-digit id of its
  own; ``requirement-info-pending`` while a requirement lacks a value,
  ``purchase-pending`` until its sub-order completes, then ``active``.
  Filters: ``phone_number`` (three digits or more, a substring),
  ``status``, ``country_iso_alpha2``, ``number_type[eq]``,
  ``customer_reference``, ``connection_id``, ``billing_group_id``
  (``null`` for none), ``source``; ``sort`` by ``purchased_at`` or
  ``phone_number``.
- Lists (orders, sub-orders, per-number, account numbers): newest first;
  ``page[number]``, ``page[size]`` defaults to 20 (1-250) and is what
  ``meta.page_size`` reports; ``filter[customer_reference]`` matches
  exactly; ``total_pages`` is 0 for no results.  Requirement groups are
  a bare array, not paginated.
- Groups start ``unapproved``; submitting makes them ``pending-approval``,
  then ``approved`` after ``group_approval_delay``.  Only a group with a
  value for each of its requirements can be submitted (422 ``10004``
  per missing value); a changed value makes it ``unapproved`` again.  Its
  requirements carry its status (``unapproved`` when the group's is not
  one a requirement can have).
  `TelnyxSandbox.set_requirement_group_status` sets any status by hand.
- Rate limit: on by default (`DEFAULT_RATE_LIMIT`), so every answer
  carries ``x-ratelimit-*``; ``x-ratelimit-reset`` is whole seconds until
  the window ends, rounded up, whatever the window's length.  401s and
  injected failures report the window without counting.
- Webhooks: 3 attempts (0.1 s, then 0.2 s apart) with the same event id,
  2 s timeout each, redirects count as failures; the Ed25519 key is seeded.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs
from aiohttp import web

from .._core._config import SandboxConfig
from .._core._pipeline import RequestRecord
from ..flireo._server import LoopbackServer
from ..flireo._wire import dumps
from ._app import TelnyxEngine, build_telnyx_app
from ._entities import requirements_of
from ._inspect import peek, set_group_status, summary
from ._wire import timestamp


if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
    )

#: The key a `TelnyxSandbox` accepts unless the config names another.
DEFAULT_TELNYX_API_KEY = "KEY_telnyx_test_sandbox"

#: Delivery attempts per webhook event, and the first pause between them.
WEBHOOK_ATTEMPTS = 3
WEBHOOK_RETRY_DELAY = 0.1
# Telnyx wants an answer within 2 s.
_WEBHOOK_TIMEOUT = 2.0


@attrs.frozen
class WebhookDelivery:
    """
    One attempt to deliver a webhook.

    Attributes:
        event_id: The event's ``data.id`` (the same on every attempt).
        order_id: The completed order.
        attempt: 1 for the first attempt.
        status: The receiver's HTTP status, ``None`` when it failed.
        error: Why the attempt failed below HTTP, else ``None``.
    """

    event_id: str
    order_id: str
    attempt: int
    status: int | None
    error: str | None = None


class TelnyxSandbox(LoopbackServer):
    """
    A local Telnyx v2 number-ordering API on loopback.

    ```python
    async with TelnyxSandbox(order_completion_delay=0.1) as sb:
        telnyx = TelnyxClient(sb.api_key, base_url=sb.base_url)
    ```

    Args:
        config: The configuration; ``SandboxConfig(api_key=
            DEFAULT_TELNYX_API_KEY)`` when omitted.  ``credits``,
            ``reject_groups_named`` do not apply to this mode.
        webhook_url: Where ``number_order.complete`` events go (settable
            later as ``sb.webhook_url``); ``None``: nowhere.
        **overrides: `SandboxConfig` fields replacing those of *config*.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        webhook_url: str | None = None,
        **overrides: Any,
    ) -> None:
        if config is None:
            config = SandboxConfig(api_key=DEFAULT_TELNYX_API_KEY)
        if overrides:
            config = attrs.evolve(config, **overrides)
        super().__init__(config)
        self.webhook_url = webhook_url
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._engine = TelnyxEngine(config)
        self._engine.on_schedule = self._wake_up
        self._wake: asyncio.Event | None = None
        self._deliverer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._key: Ed25519PrivateKey | None = None

    def __repr__(self) -> str:
        where = self.base_url if self._port is not None else "not started"
        return f"<TelnyxSandbox {where}>"

    def _application(self) -> web.Application:
        return build_telnyx_app(self._engine)

    @property
    def base_url(self) -> str:
        """The URL to give a client: ``http://127.0.0.1:PORT/v2``."""
        return f"{self.root_url}/v2"

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Serve, and start the webhook deliverer."""
        await super().start()
        # Made here, not in __init__: an event belongs to one loop.
        self._wake = asyncio.Event()
        self._deliverer = asyncio.create_task(self._deliver_loop(self._wake))

    async def stop(self) -> None:
        """Stop delivering and serving; idempotent."""
        tasks = list(self._tasks)
        if self._deliverer is not None:
            tasks.append(self._deliverer)
            self._deliverer = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        await super().stop()

    # -- inspection ----------------------------------------------------------

    def orders_for(self, phone_number: str) -> list[dict[str, Any]]:
        """Every order that included *phone_number*, oldest first, as
        ``GET /v2/number_orders/{id}`` renders it."""
        return [o.detail() for o in self._engine.state.orders_of(phone_number)]

    def orders_with_reference(self, reference: str) -> list[dict[str, Any]]:
        """Every order whose ``customer_reference`` is *reference*."""
        state = self._engine.state
        state.settle()
        return [
            o.detail()
            for o in state.orders
            if o.customer_reference == reference
        ]

    def order_counts(self) -> dict[str, int]:
        """Phone number → how many orders included it."""
        return self._engine.state.order_counts()

    def summary(self) -> dict[str, Any]:
        """The ``GET /_sandbox/state`` body: counts by status."""
        return summary(self._engine)

    @property
    def request_log(self) -> list[RequestRecord]:
        """The most recent ``/v2`` requests, in completion order."""
        return list(self._engine.log)

    def available_numbers(
        self,
        country_code: str = "NL",
        phone_number_type: str | None = "national",
        limit: int = 20,
        *,
        locality: str | None = None,
    ) -> list[str]:
        """
        Peek at free numbers.  Peeking is not a search: ordering them
        still needs one (``85000``).
        """
        return peek(
            self._engine.state,
            country_code,
            phone_number_type,
            limit,
            locality,
        )

    def requirements_for(
        self, country_code: str, phone_number_type: str
    ) -> list[dict[str, str]]:
        """The requirements of ordering such numbers (``requirement_id``,
        ``field_type``, ``name``); empty when there are none."""
        return [
            {
                "requirement_id": r.id,
                "field_type": r.field_type,
                "name": r.name,
            }
            for r in requirements_of(country_code, phone_number_type)
        ]

    def set_requirement_group_status(self, group_id: str, status: str) -> None:
        """
        Set a requirement group's status, any string (``no-longer-eligible``,
        or one the SDK has never heard of).

        Raises:
            KeyError: Unknown group.
        """
        set_group_status(self._engine.state, group_id, status)

    def reset(self) -> None:
        """Forget everything: back to the configured seed."""
        self._engine.reset()
        self._wake_up()

    # -- webhooks ------------------------------------------------------------

    @property
    def webhook_private_key(self) -> Ed25519PrivateKey:
        """The Ed25519 key events are signed with (seeded)."""
        if self._key is None:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import (
                Ed25519PrivateKey,
            )

            raw = random.Random(
                f"flireo-sandbox-webhook-key:{self.config.seed}"
            ).randbytes(32)
            self._key = Ed25519PrivateKey.from_private_bytes(raw)
        return self._key

    @property
    def webhook_public_key(self) -> str:
        """The public key that verifies events, base64 (as the portal)."""
        raw = self.webhook_private_key.public_key().public_bytes_raw()
        return base64.b64encode(raw).decode()

    def sign_webhook(
        self, body: bytes, timestamp: int | None = None
    ) -> dict[str, str]:
        """
        Sign *body* as Telnyx does: Ed25519 over ``"{timestamp}|{body}"``.

        Returns:
            The ``telnyx-signature-ed25519`` and ``telnyx-timestamp``
            headers.
        """
        when = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.webhook_private_key.sign(when.encode() + b"|" + body)
        return {
            "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
            "telnyx-timestamp": when,
        }

    def _wake_up(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _spawn(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_loop(self, wake: asyncio.Event) -> None:
        # Settles the account when something is due (nobody may be
        # polling) and hands every completed order to a delivery task.
        while True:
            wake.clear()
            state = self._engine.state
            state.settle()
            while state.completed:
                order = state.completed.popleft()
                url = self.webhook_url
                if url is not None:
                    event = state.new_id("events")
                    self._spawn(self._deliver(url, event, order.detail()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), state.next_due_in())

    async def _deliver(
        self, url: str, event_id: str, order: dict[str, Any]
    ) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=_WEBHOOK_TIMEOUT)
            )
        occurred = timestamp(datetime.now(UTC))
        for attempt in range(1, WEBHOOK_ATTEMPTS + 1):
            body = dumps(
                {
                    "data": {
                        "event_type": "number_order.complete",
                        "id": event_id,
                        "occurred_at": occurred,
                        "record_type": "event",
                        "payload": order,
                    },
                    "meta": {"attempt": attempt, "delivered_to": url},
                }
            )
            headers = {"Content-Type": "application/json"}
            headers.update(self.sign_webhook(body))
            status: int | None = None
            error = None
            try:
                async with self._session.post(
                    url, data=body, headers=headers, allow_redirects=False
                ) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = repr(exc)
            self.webhook_deliveries.append(
                WebhookDelivery(event_id, order["id"], attempt, status, error)
            )
            # Redirects count as failures, as with Telnyx.
            if status is not None and 200 <= status < 300:
                return
            if attempt < WEBHOOK_ATTEMPTS:
                await asyncio.sleep(WEBHOOK_RETRY_DELAY * 2 ** (attempt - 1))
