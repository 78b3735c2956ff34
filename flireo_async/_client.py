"""
``FlireoClient``: the Flireo resources and the bulk job, on the shared
request path of ``_base.BaseClient``.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._assistants import Assistants
from ._core._base import BaseClient
from ._groups import VerificationGroups
from ._numbers import PhoneNumbers
from ._orders import Orders
from ._wire import FLIREO


if TYPE_CHECKING:
    from ._bulk._models import (
        BulkProgress,
        BulkReport,
        BulkResult,
        OrderRequest,
    )
    from ._calls import Calls

__all__ = ["DEFAULT_BASE_URL", "FlireoClient"]

#: The vendor's API host.  The old provisioning docs never print a host;
#: this is the one the newer docs and the vendor's own SDK use.
DEFAULT_BASE_URL = "https://api.hmsovereign.com/api"


class FlireoClient(BaseClient):
    """
    An asyncio client for the Flireo phone-number API.

    One client is meant to be shared by a whole application and by
    thousands of concurrent tasks.  Use it as an async context manager, or
    call `aclose()` when done.

    Args:
        api_key: The API key; falls back to ``$FLIREO_API_KEY``.
        base_url: The API root; falls back to ``$FLIREO_BASE_URL``, then
            to [`DEFAULT_BASE_URL`][flireo_async.DEFAULT_BASE_URL].  Paths such
            as
            ``/v1/phone-numbers`` are appended to it.
        transport: Any [`Transport`][flireo_async.Transport]; borrowed, never
            closed by the client.  Default: an
            [`AiohttpTransport`][flireo_async.AiohttpTransport]
            the client owns.
        session: An ``aiohttp.ClientSession`` to borrow instead (not
            closed by the client); exclusive with *transport*.
        timeout: Seconds for one attempt, or a
            [`Timeout`][flireo_async.Timeout]; applied
            to every request, on a borrowed *session* too.
        retry: The [`RetryPolicy`][flireo_async.RetryPolicy]; ``None`` for the
            default.
        max_connections: Connection pool size of the default transport
            (with *transport* or *session*, size the pool there instead:
            passing both is a ``ConfigurationError``).
        rate_limit: Client-side ceiling in requests per second, shared by
            every task using this client.
        max_response_size: The most bytes of one response body that are
            read (default 16 MiB); a longer one raises
            [`ResponseTooLargeError`][flireo_async.ResponseTooLargeError].

    A client belongs to the event loop of its first request; used from
    another loop it raises ``ConfigurationError`` (``aclose()`` works from
    any loop).  Redirects are never followed: a 3xx answer is an
    [`APIError`][flireo_async.APIError] with that status.

    Raises:
        ConfigurationError: No API key, or an unusable base URL or
            combination of arguments.

    Example:
        ```python
        async with FlireoClient() as client:
            numbers = await client.phone_numbers.search(limit=5)
        ```
    """

    _dialect = FLIREO
    _key_env = "FLIREO_API_KEY"
    _base_url_env = "FLIREO_BASE_URL"
    _default_base_url = DEFAULT_BASE_URL

    phone_numbers: PhoneNumbers
    orders: Orders
    verification_groups: VerificationGroups
    assistants: Assistants

    def _attach_resources(self) -> None:
        self.phone_numbers = PhoneNumbers(self)
        self.orders = Orders(self)
        self.verification_groups = VerificationGroups(self)
        self.assistants = Assistants(self)

    @functools.cached_property
    def calls(self) -> Calls:
        """Live call control (``client.calls.control``)."""
        # Loaded on first use: most applications never drive live calls,
        # and import time is paid by every one of them.
        from ._calls import Calls

        return Calls(self)

    async def bulk_order(
        self,
        requests: Iterable[OrderRequest] | AsyncIterable[OrderRequest],
        *,
        concurrency: int = 16,
        journal: str | Path | None = None,
        wait: bool = False,
        wait_timeout: float = 600.0,
        rate_limit: float | None = None,
        on_progress: Callable[[BulkProgress], Any] | None = None,
        max_passes: int = 5,
        deadline: float | None = None,
    ) -> BulkReport:
        """
        Order many numbers concurrently, each exactly once.

        Every item ends in exactly one outcome — ordered, succeeded,
        failed (with its typed error) or skipped (with the reason) — and
        the report lists them in input order.  An item fails only when its
        order certainly does not exist and retrying cannot help: transient
        failures (5xx, timeouts, dropped connections, 429) and outcomes
        that could not be told are tried again in later passes, with
        backoff, before the job ends.  Concurrency adapts: a 429 halves
        the window, successes grow it back.  ``402 insufficient_credits``
        stops new submissions; the rest are skipped, not hammered.  A job
        that cannot make progress (the server unreachable, the key
        refused) stops within seconds and skips what it never tried.
        With a *journal*, a re-run after a crash (even ``kill -9``)
        continues where the last one stopped: numbers already ordered are
        reported (``resumed=True``, their credits not counted again), not
        re-ordered, and numbers in doubt are looked up in the order list
        before anything is re-sent.  A journal belongs to one running job.

        Args:
            requests: [`OrderRequest`][flireo_async.OrderRequest] items (any
                iterable, or an
                async iterable), consumed lazily.
            concurrency: Most orders in flight at once (1–1000).
            journal: Path of a JSON-lines journal to write (and resume).
            wait: Also wait for each order to succeed or fail.
            wait_timeout: Seconds to wait for final statuses after the
                last order was placed.
            rate_limit: Ceiling of order POSTs per second for this job.
            on_progress: Called with a
                [`BulkProgress`][flireo_async.BulkProgress] after each
                item is settled (O(1) per item).
            max_passes: Passes over transiently failed items, the first
                included (1 turns the later passes off).
            deadline: Seconds after which no further pass starts
                (``None``: bounded by *max_passes* alone).

        Returns:
            The [`BulkReport`][flireo_async.BulkReport].

        Raises:
            ConfigurationError: An argument out of range, or a journal
                that cannot be read or written.
            JournalInUseError: Another running job holds the journal
                (nothing was sent).

        Example:
            ```python
            report = await client.bulk_order(
                [OrderRequest(phone_number=n) for n in numbers],
                concurrency=32, journal="run.jsonl", wait=True,
            )
            print(report.ordered, report.failed)
            ```
        """
        from ._bulk._engine import collect_report

        return await collect_report(
            self.bulk_order_iter(
                requests,
                concurrency=concurrency,
                journal=journal,
                wait=wait,
                wait_timeout=wait_timeout,
                rate_limit=rate_limit,
                on_progress=on_progress,
                max_passes=max_passes,
                deadline=deadline,
            )
        )

    def bulk_order_iter(
        self,
        requests: Iterable[OrderRequest] | AsyncIterable[OrderRequest],
        *,
        concurrency: int = 16,
        journal: str | Path | None = None,
        wait: bool = False,
        wait_timeout: float = 600.0,
        rate_limit: float | None = None,
        on_progress: Callable[[BulkProgress], Any] | None = None,
        max_passes: int = 5,
        deadline: float | None = None,
    ) -> AsyncIterator[BulkResult]:
        """
        Like `bulk_order()`, yielding each result as it settles.

        For very large jobs: nothing is kept after it is yielded, so
        memory stays flat in the size of the input.  Results come in
        completion order; ``result.index`` gives the input position.
        Stopping the iteration early cancels what is in flight (the
        journal keeps their intents for the next run).

        Returns:
            An async iterator of [`BulkResult`][flireo_async.BulkResult].

        Args:
            requests: [`OrderRequest`][flireo_async.OrderRequest] items (any
                iterable, or an
                async iterable), consumed lazily.
            concurrency: Most orders in flight at once (1–1000).
            journal: Path of a JSON-lines journal to write (and resume).
            wait: Also wait for each order to succeed or fail.
            wait_timeout: Seconds to wait for final statuses after the
                last order was placed.
            rate_limit: Ceiling of order POSTs per second for this job.
            on_progress: Called with a
                [`BulkProgress`][flireo_async.BulkProgress] after each
                item is settled (O(1) per item).
            max_passes: Passes over transiently failed items, the first
                included.
            deadline: Seconds after which no further pass starts.

        Raises:
            ConfigurationError: An argument out of range, or a journal
                that cannot be read or written (raised on iteration).
            JournalInUseError: Another running job holds the journal
                (raised on iteration, before anything is sent).

        Example:
            ```python
            async for result in client.bulk_order_iter(reqs, journal=j):
                print(result.index, result.outcome)
            ```
        """
        started = datetime.now(UTC)
        # The bulk machinery loads on first use (import time, API.md §1).
        from ._bulk._engine import BulkEngine
        from ._bulk_order import FlireoPlacer, Settler

        engine = BulkEngine(
            self,
            FlireoPlacer(self, since=started),
            concurrency=concurrency,
            journal=journal,
            waiter=(
                Settler(self, since=started, timeout=wait_timeout)
                if wait
                else None
            ),
            rate_limit=rate_limit,
            on_progress=on_progress,
            max_passes=max_passes,
            deadline=deadline,
        )
        return engine.results(requests)
