"""
``FlireoClient``: configuration, lifecycle and the one request path.

Every endpoint method reads as build → send (with retry) → decipher →
structure; the first three happen in :meth:`FlireoClient._call`, the
last in the resource modules.
"""

from __future__ import annotations

import logging
import os
import platform
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Mapping,
)
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

from . import _version
from ._aiohttp import AiohttpTransport
from ._assistants import Assistants
from ._bulk import BulkJob
from ._bulk_models import BulkProgress, BulkReport, BulkResult, OrderRequest
from ._groups import VerificationGroups
from ._numbers import PhoneNumbers
from ._orders import Orders
from ._ratelimit import RateGate
from ._retry import RetryPolicy, run_with_retries
from ._sansio import RateLimitInfo, build_request, decipher
from ._timeout import Timeout
from ._transport import Request, Transport
from .exceptions import ConfigurationError, FlireoError


__all__ = ["DEFAULT_BASE_URL", "FlireoClient"]

log = logging.getLogger("flireo_async")

#: The vendor's API host.  The old provisioning docs never print a host;
#: this is the one the newer docs and the vendor's own SDK use.
DEFAULT_BASE_URL = "https://api.hmsovereign.com/api"


class FlireoClient:
    """
    An asyncio client for the Flireo phone-number API.

    One client is meant to be shared by a whole application and by
    thousands of concurrent tasks.  Use it as an async context manager, or
    call :meth:`aclose` when done.

    Args:
        api_key: The API key; falls back to ``$FLIREO_API_KEY``.
        base_url: The API root; falls back to ``$FLIREO_BASE_URL``, then
            to :data:`DEFAULT_BASE_URL`.  Paths such as
            ``/v1/phone-numbers`` are appended to it.
        transport: Any :class:`~flireo_async.Transport`; borrowed, never
            closed by the client.  Default: an :class:`AiohttpTransport`
            the client owns.
        session: An ``aiohttp.ClientSession`` to borrow instead (not
            closed by the client); exclusive with *transport*.
        timeout: Seconds for one attempt, or a :class:`Timeout`.
        retry: The :class:`RetryPolicy`; ``None`` for the default.
        max_connections: Connection pool size of the default transport.
        rate_limit: Client-side ceiling in requests per second, shared by
            every task using this client.

    Raises:
        ConfigurationError: No API key, or an unusable base URL or
            combination of arguments.

    Example::

        async with FlireoClient() as client:
            numbers = await client.phone_numbers.search(limit=5)
    """

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
        key = api_key or os.environ.get("FLIREO_API_KEY")
        if not key:
            msg = (
                "no API key: pass api_key= or set the FLIREO_API_KEY "
                "environment variable"
            )
            raise ConfigurationError(msg)
        base = (
            base_url or os.environ.get("FLIREO_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        if not base.startswith(("https://", "http://")):
            msg = f"base_url must start with https:// or http://, got {base!r}"
            raise ConfigurationError(msg)
        if transport is not None and session is not None:
            msg = "pass either transport= or session=, not both"
            raise ConfigurationError(msg)
        self._base_url = base
        self._headers = {
            "Authorization": f"Bearer {key}",
            "User-Agent": (
                f"flireo-async/{_version.VERSION} "
                f"python/{platform.python_version()} "
                f"aiohttp/{aiohttp.__version__}"
            ),
            "Accept": "application/json",
        }
        self._transport: Transport = transport or AiohttpTransport(
            session, max_connections=max_connections, timeout=timeout
        )
        # A transport the caller passed in is theirs to close.
        self._owns_transport = transport is None
        self._retry = retry if retry is not None else RetryPolicy()
        self._gate = RateGate(rate_limit, max_wait=self._retry.max_retry_after)
        self._closed = False
        # Observers of every answer's status (the bulk job's adaptive
        # window listens for 429s here, even those retries absorb).
        self._listeners: list[Callable[[int], None]] = []
        self.phone_numbers = PhoneNumbers(self)
        self.orders = Orders(self)
        self.verification_groups = VerificationGroups(self)
        self.assistants = Assistants(self)

    def __repr__(self) -> str:
        return f"FlireoClient(base_url={self._base_url!r})"

    @property
    def base_url(self) -> str:
        """The API root requests go to."""
        return self._base_url

    @property
    def retry_policy(self) -> RetryPolicy:
        """The client's :class:`RetryPolicy`."""
        return self._retry

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` has run."""
        return self._closed

    async def __aenter__(self) -> Self:
        if self._closed:
            msg = "this FlireoClient is closed; create a new one"
            raise ConfigurationError(msg)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the transport if the client owns it; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._owns_transport:
            await self._transport.aclose()

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
    ) -> BulkReport:
        """
        Order many numbers concurrently, each exactly once.

        Every item ends in exactly one outcome — ordered, succeeded,
        failed (with its typed error) or skipped (with the reason) — and
        the report lists them in input order.  Concurrency adapts: a 429
        halves the window, successes grow it back.  ``402
        insufficient_credits`` stops new submissions; the rest are
        skipped, not hammered.  With a *journal*, a re-run after a crash
        (even ``kill -9``) continues where the last one stopped: numbers
        already ordered are reported, not re-ordered, and numbers in doubt
        are looked up in the order list before anything is re-sent.

        Args:
            requests: :class:`OrderRequest` items (any iterable, or an
                async iterable), consumed lazily.
            concurrency: Most orders in flight at once (1–1000).
            journal: Path of a JSON-lines journal to write (and resume).
            wait: Also wait for each order to succeed or fail.
            wait_timeout: Seconds to wait for final statuses after the
                last order was placed.
            rate_limit: Ceiling of order POSTs per second for this job.
            on_progress: Called with a :class:`BulkProgress` after each
                item is settled.

        Returns:
            The :class:`BulkReport`.

        Raises:
            ConfigurationError: *concurrency* is out of range.
            OSError: The journal cannot be written.

        Example::

            report = await client.bulk_order(
                [OrderRequest(phone_number=n) for n in numbers],
                concurrency=32, journal="run.jsonl", wait=True,
            )
            print(report.ordered, report.failed)
        """
        started = time.monotonic()
        job = BulkJob(
            self,
            concurrency=concurrency,
            journal=journal,
            wait=wait,
            wait_timeout=wait_timeout,
            rate_limit=rate_limit,
            on_progress=on_progress,
        )
        results = [r async for r in job.results(requests)]
        results.sort(key=lambda r: r.index)
        return BulkReport(
            results=tuple(results),
            elapsed=time.monotonic() - started,
            credits_used=job.credits_used,
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
    ) -> AsyncIterator[BulkResult]:
        """
        Like :meth:`bulk_order`, yielding each result as it settles.

        For very large jobs: nothing is kept after it is yielded, so
        memory stays flat in the size of the input.  Results come in
        completion order; ``result.index`` gives the input position.
        Stopping the iteration early cancels what is in flight (the
        journal keeps their intents for the next run).

        Returns:
            An async iterator of :class:`BulkResult`.

        Raises:
            ConfigurationError: *concurrency* is out of range.

        Example::

            async for result in client.bulk_order_iter(reqs, journal=j):
                print(result.index, result.outcome)
        """
        job = BulkJob(
            self,
            concurrency=concurrency,
            journal=journal,
            wait=wait,
            wait_timeout=wait_timeout,
            rate_limit=rate_limit,
            on_progress=on_progress,
        )
        return job.results(requests)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, object] | None = None,
        json: Any = None,
        extra_headers: Mapping[str, str] | None = None,
        repeatable: bool = True,
    ) -> Any:
        """
        Send one API call with retries and return its decoded JSON.

        Args:
            method: HTTP method.
            path: Documented path (``/v1/...``), ids already quoted.
            query: Query parameters.
            json: JSON body.
            extra_headers: Per-call headers (kept across retries).
            repeatable: Whether the server may safely process it twice.

        Raises:
            ConfigurationError: The client is closed.
            FlireoError: What the last attempt raised.
        """
        if self._closed:
            msg = "this FlireoClient is closed; create a new one"
            raise ConfigurationError(msg)
        request = build_request(
            method,
            self._base_url,
            path,
            headers=self._headers,
            query=query,
            json=json,
            extra_headers=extra_headers,
        )
        attempt = _Attempt(self, request)
        return await run_with_retries(
            self._retry, attempt, repeatable=repeatable
        )


class _Attempt:
    # One object per call rather than a closure: it carries the attempt
    # count for the debug log.
    __slots__ = ("_client", "_n", "_request")

    def __init__(self, client: FlireoClient, request: Request) -> None:
        self._client = client
        self._request = request
        self._n = 0

    async def __call__(self) -> Any:
        client, request = self._client, self._request
        self._n += 1
        await client._gate.admit()
        started = time.perf_counter()
        try:
            response = await client._transport.send(request)
        except FlireoError as exc:
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "%s %s failed on attempt %d after %.1fms: %s",
                    request.method,
                    request.url,
                    self._n,
                    (time.perf_counter() - started) * 1000,
                    exc,
                )
            raise
        client._gate.observe(RateLimitInfo.from_headers(response.headers))
        for listener in client._listeners:
            listener(response.status)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d on attempt %d in %.1fms (request id %s)",
                request.method,
                request.url,
                response.status,
                self._n,
                (time.perf_counter() - started) * 1000,
                response.headers.get("x-request-id"),
            )
        return decipher(
            response, method=request.method, url=request.url, now=time.time()
        )
