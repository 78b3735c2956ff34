"""``TelnyxClient``: Telnyx v2 number ordering on the shared core."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .._bulk._engine import BulkEngine, collect_report
from .._bulk._models import BulkProgress, BulkReport
from .._core._base import BaseClient
from ._bulk import TelnyxPlacer
from ._orders import NumberOrders, SubNumberOrders
from ._resources import AvailablePhoneNumbers, RequirementGroups
from ._sansio import TELNYX


__all__ = ["DEFAULT_TELNYX_BASE_URL", "TelnyxClient"]

DEFAULT_TELNYX_BASE_URL = "https://api.telnyx.com/v2"


class TelnyxClient(BaseClient):
    """
    An asyncio client for Telnyx number ordering.

    Same transports, retries, rate-limit handling and exactly-once rule as
    [`flireo_async.FlireoClient`][flireo_async.FlireoClient]:
    ``number_orders.create`` carries a
    ``customer_reference`` on every attempt and, after an ambiguous
    failure, finds the order by it instead of ordering twice.

    Args:
        api_key: Telnyx v2 API key; falls back to ``$TELNYX_API_KEY``.
        base_url: API root; falls back to ``$TELNYX_BASE_URL``, then
            ``https://api.telnyx.com/v2``.  Paths such as
            ``/number_orders`` are appended to it.
        transport: A transport to borrow (never closed by the client).
        session: An ``aiohttp.ClientSession`` to borrow instead.
        timeout: Seconds per attempt, or a [`Timeout`][flireo_async.Timeout].
        retry: The [`RetryPolicy`][flireo_async.RetryPolicy].
        max_connections: Pool size of the default transport.
        rate_limit: Client-side ceiling in requests per second.
        max_response_size: The most bytes of one body that are read
            (default 16 MiB).

    Raises:
        ConfigurationError: No API key, or an unusable configuration.

    Example:
        ```python
        async with TelnyxClient() as telnyx:
            found = await telnyx.available_phone_numbers.search(
                country_code="NL", phone_number_type="national", limit=5
            )
            order = await telnyx.number_orders.create(
                phone_numbers=[found[0].phone_number]
            )
        ```
    """

    _dialect = TELNYX
    _key_env = "TELNYX_API_KEY"
    _base_url_env = "TELNYX_BASE_URL"
    _default_base_url = DEFAULT_TELNYX_BASE_URL

    available_phone_numbers: AvailablePhoneNumbers
    number_orders: NumberOrders
    sub_number_orders: SubNumberOrders
    requirement_groups: RequirementGroups

    def _attach_resources(self) -> None:
        self.available_phone_numbers = AvailablePhoneNumbers(self)
        self.number_orders = NumberOrders(self)
        self.sub_number_orders = SubNumberOrders(self)
        self.requirement_groups = RequirementGroups(self)

    async def bulk_order(
        self,
        numbers: Iterable[str | Mapping[str, str]],
        *,
        numbers_per_order: int = 100,
        concurrency: int = 4,
        journal: str | Path | None = None,
        connection_id: str | None = None,
        messaging_profile_id: str | None = None,
        billing_group_id: str | None = None,
        on_progress: Callable[[BulkProgress], Any] | None = None,
        max_passes: int = 5,
        deadline: float | None = None,
    ) -> BulkReport:
        """
        Order many numbers, many per order, each exactly once.

        The input is cut into orders of *numbers_per_order*; up to
        *concurrency* orders are in flight (fewer after 429s).  Each
        order is placed with ``number_orders.create``'s exactly-once rule
        under its own ``customer_reference``.  Invalid numbers fail alone
        and duplicates are skipped, before anything is sent.  It runs on
        the same engine as ``FlireoClient.bulk_order``, with the same
        guarantees: transient failures get later passes, a dead server or
        a refused key stops the job early, and with a *journal* every
        order's reference is recorded before its POST, so a re-run after
        a crash (even ``kill -9``) finds those orders instead of placing
        them again.

        Args:
            numbers: E.164 numbers, or ``{"phone_number",
                "requirement_group_id"?, "bundle_id"?}`` items.
            numbers_per_order: Numbers per order (1–1000).
            concurrency: Most orders in flight (1–100).
            journal: Path of a JSON-lines journal to write (and resume).
            connection_id: Voice connection for every order.
            messaging_profile_id: Messaging profile for every order.
            billing_group_id: Billing group for every order.
            on_progress: Called after each number is settled (O(1) per
                number).
            max_passes: Passes over transiently failed numbers, the first
                included.
            deadline: Seconds after which no further pass starts.

        Returns:
            A [`BulkReport`][flireo_async.BulkReport] with one result per input
            number, in input order (``receipt.order_id`` is the Telnyx
            order; ``receipt.status`` the number's own status).

        Raises:
            ConfigurationError: A size out of range, or a journal that
                cannot be read or written.
            JournalInUseError: Another running job holds the journal.

        Example:
            ```python
            report = await telnyx.bulk_order(
                numbers, numbers_per_order=50, journal="telnyx.jsonl"
            )
            ```
        """
        placer = TelnyxPlacer(
            self,
            numbers_per_order=numbers_per_order,
            order_options={
                "connection_id": connection_id,
                "messaging_profile_id": messaging_profile_id,
                "billing_group_id": billing_group_id,
            },
        )
        engine = BulkEngine(
            self,
            placer,
            concurrency=concurrency,
            max_concurrency=100,
            journal=journal,
            on_progress=on_progress,
            max_passes=max_passes,
            deadline=deadline,
        )
        return await collect_report(engine.results(numbers))
