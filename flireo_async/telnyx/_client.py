"""``TelnyxClient``: Telnyx v2 number ordering on the shared core."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from .._base import BaseClient
from .._retry import RetryPolicy
from .._timeout import Timeout
from .._transport import Request, Response, Transport
from ._orders import NumberOrders, SubNumberOrders
from ._resources import AvailablePhoneNumbers, RequirementGroups
from ._sansio import decipher


__all__ = ["DEFAULT_TELNYX_BASE_URL", "TelnyxClient"]

DEFAULT_TELNYX_BASE_URL = "https://api.telnyx.com/v2"


class TelnyxClient(BaseClient):
    """
    An asyncio client for Telnyx number ordering.

    Same transports, retries, rate-limit handling and exactly-once rule as
    :class:`flireo_async.FlireoClient`: ``number_orders.create`` carries a
    ``customer_reference`` on every attempt and, after an ambiguous
    failure, finds the order by it instead of ordering twice.

    Args:
        api_key: Telnyx v2 API key; falls back to ``$TELNYX_API_KEY``.
        base_url: API root; falls back to ``$TELNYX_BASE_URL``, then
            ``https://api.telnyx.com/v2``.  Paths such as
            ``/number_orders`` are appended to it.
        transport: A transport to borrow (never closed by the client).
        session: An ``aiohttp.ClientSession`` to borrow instead.
        timeout: Seconds per attempt, or a :class:`~flireo_async.Timeout`.
        retry: The :class:`~flireo_async.RetryPolicy`.
        max_connections: Pool size of the default transport.
        rate_limit: Client-side ceiling in requests per second.

    Raises:
        ConfigurationError: No API key, or an unusable configuration.

    Example::

        async with TelnyxClient() as telnyx:
            found = await telnyx.available_phone_numbers.search(
                country_code="NL", phone_number_type="national", limit=5
            )
            order = await telnyx.number_orders.create(
                phone_numbers=[found[0].phone_number]
            )
    """

    _key_env = "TELNYX_API_KEY"
    _base_url_env = "TELNYX_BASE_URL"
    _default_base_url = DEFAULT_TELNYX_BASE_URL

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        transport: Transport | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float | Timeout | None = 30.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 100,
        rate_limit: float | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            transport=transport,
            session=session,
            timeout=timeout,
            retry=retry,
            max_connections=max_connections,
            rate_limit=rate_limit,
        )
        self.available_phone_numbers = AvailablePhoneNumbers(self)
        self.number_orders = NumberOrders(self)
        self.sub_number_orders = SubNumberOrders(self)
        self.requirement_groups = RequirementGroups(self)

    def _decipher(self, response: Response, request: Request) -> Any:
        return decipher(
            response, method=request.method, url=request.url, now=time.time()
        )
