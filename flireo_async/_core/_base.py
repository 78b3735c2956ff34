"""
What every API client of this package shares: configuration, lifecycle
and the one request path.

Every endpoint method reads as build → send (with retry) → decipher →
structure; the first three happen in `BaseClient._call()`, the last
in the resource modules.  A subclass names its environment variables and
default host and brings its own error-envelope decipherer (Flireo's
``{"error": ...}``, Telnyx's ``{"errors": [...]}``); everything else —
transports, retries, rate-limit windows — is one implementation.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from types import TracebackType
from typing import Any, ClassVar, Self

import aiohttp

from ..exceptions import (
    ConfigurationError,
    FlireoError,
    ResponseTooLargeError,
)
from . import _telemetry, _version
from ._aiohttp import DEFAULT_MAX_RESPONSE_SIZE, AiohttpTransport
from ._dialect import Dialect
from ._ratelimit import RateGate
from ._retry import RetryPolicy, retry_failed
from ._sansio import (
    build_request,
    decipher,
    rate_window,
)
from ._timeout import Timeout
from ._transport import Request, Transport


__all__ = ["BaseClient"]

log = logging.getLogger("flireo_async")


class _Default(int):
    # The documented default of max_connections, told apart from the same
    # number passed on purpose: only the latter conflicts with session=.
    __slots__ = ()


_MAX_CONNECTIONS = _Default(100)


class _Secret(str):
    # The Authorization value: whatever repr()s a header mapping (aiohttp's
    # RequestInfo in an error, a debugger, a log of a dict) sees no key.
    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


class BaseClient:
    """
    Shared machinery of ``FlireoClient`` and ``TelnyxClient``.

    A subclass sets only values: its environment variables, its default
    host and its `Dialect` (error envelope, code table, reset
    form).  There are no hooks to override.
    """

    _dialect: ClassVar[Dialect]
    _key_env: ClassVar[str] = ""
    _base_url_env: ClassVar[str] = ""
    _default_base_url: ClassVar[str] = ""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        transport: Transport | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float | Timeout | None = 30.0,
        retry: RetryPolicy | None = None,
        max_connections: int = _MAX_CONNECTIONS,
        rate_limit: float | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        key = api_key or os.environ.get(self._key_env)
        if not key:
            msg = (
                f"no API key: pass api_key= or set the {self._key_env} "
                f"environment variable"
            )
            raise ConfigurationError(msg)
        base = (
            base_url
            or os.environ.get(self._base_url_env)
            or self._default_base_url
        ).rstrip("/")
        if not base.startswith(("https://", "http://")):
            msg = f"base_url must start with https:// or http://, got {base!r}"
            raise ConfigurationError(msg)
        if transport is not None and session is not None:
            msg = "pass either transport= or session=, not both"
            raise ConfigurationError(msg)
        if type(max_connections) is not _Default and (
            transport is not None or session is not None
        ):
            # The pool belongs to whoever made the session or transport;
            # silently dropping the number would be worse than refusing.
            msg = (
                "max_connections sizes the client's own connection pool; "
                "with transport= or session= set the pool size there"
            )
            raise ConfigurationError(msg)
        self._base_url = base
        self._headers = {
            "Authorization": _Secret(f"Bearer {key}"),
            "User-Agent": (
                f"flireo-async/{_version.version()} "
                f"python/{sys.version_info.major}.{sys.version_info.minor} "
                f"aiohttp/{aiohttp.__version__}"
            ),
            "Accept": "application/json",
        }
        self._transport: Transport = transport or AiohttpTransport(
            session,
            max_connections=int(max_connections),
            timeout=timeout,
            max_response_size=max_response_size,
            # A borrowed session gets the headers with each request.
            headers=self._headers if session is None else None,
        )
        self._max_response_size = max_response_size
        # A transport the caller passed in is theirs to close.
        self._owns_transport = transport is None
        self._retry = retry if retry is not None else RetryPolicy()
        self._gate = RateGate(rate_limit, max_wait=self._retry.max_retry_after)
        self._closed = False
        # Observers of every answer's status (the bulk job's adaptive
        # window listens for 429s here, even those retries absorb).
        self._listeners: list[Callable[[int], None]] = []
        self._attach_resources()

    def _attach_resources(self) -> None:
        """Create the ``client.<resource>`` namespaces (per subclass)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    @property
    def base_url(self) -> str:
        """The API root requests go to."""
        return self._base_url

    @property
    def retry_policy(self) -> RetryPolicy:
        """The client's [`RetryPolicy`][flireo_async.RetryPolicy]."""
        return self._retry

    @property
    def closed(self) -> bool:
        """Whether `aclose()` has run."""
        return self._closed

    @contextlib.contextmanager
    def listen(self, callback: Callable[[int], None]) -> Iterator[None]:
        """
        Call *callback* with the status of every answer while inside.

        The bulk engine's adaptive window uses it to see every 429, even
        those the retry layer absorbs.  The callback runs on the request
        path, so it must be quick and must not raise.

        Args:
            callback: Receives each answer's HTTP status.

        Example:
            ```python
            with client.listen(statuses.append):
                await client.orders.get(order_id)
            ```
        """
        self._listeners.append(callback)
        try:
            yield
        finally:
            self._listeners.remove(callback)

    async def __aenter__(self) -> Self:
        if self._closed:
            msg = f"this {type(self).__name__} is closed; create a new one"
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
            msg = f"this {type(self).__name__} is closed; create a new one"
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
        started = time.monotonic()
        try:
            return await attempt()
        except FlireoError as error:
            failed = error
        return await retry_failed(
            self._retry,
            attempt,
            failed,
            started=started,
            repeatable=repeatable,
        )


class _Attempt:
    # One object per call rather than a closure: it carries the attempt
    # count for the debug log and the trace.
    __slots__ = ("_client", "_n", "_request", "_status")

    def __init__(self, client: BaseClient, request: Request) -> None:
        self._client = client
        self._request = request
        self._n = 0
        self._status: int | None = None

    def __call__(self) -> Coroutine[Any, Any, Any]:
        # The attempt's own coroutine when nothing records: no extra frame.
        if _telemetry.tracer() is None:
            return self._attempt()
        return self._traced()

    async def _traced(self) -> Any:
        request = self._request
        self._status = None
        with _telemetry.attempt_span(
            request.method, request.url, self._n + 1
        ) as done:
            try:
                result = await self._attempt()
            except FlireoError as error:
                done(self._status, error)
                raise
            done(self._status, None)
            return result

    async def _attempt(self) -> Any:
        client, request = self._client, self._request
        self._n += 1
        if not client._gate.pass_now():
            await client._gate.admit()
        debug = log.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        try:
            response = await client._transport.send(request)
        except FlireoError as exc:
            if debug:
                log.debug(
                    "%s %s failed on attempt %d after %.1fms: %s",
                    request.method,
                    request.url,
                    self._n,
                    (time.perf_counter() - started) * 1000,
                    exc,
                )
            raise
        self._status = response.status
        if len(response.body) > client._max_response_size:
            # The default transport stops reading at the limit; a custom
            # one is held to the same promise after the fact.
            msg = (
                f"{request.method} {request.url}: the response body passed "
                f"max_response_size ({client._max_response_size} bytes)"
            )
            raise ResponseTooLargeError(msg, limit=client._max_response_size)
        client._gate.observe(rate_window(response.headers))
        for listener in client._listeners:
            listener(response.status)
        if debug:
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
            response,
            method=request.method,
            url=request.url,
            now=time.time(),
            dialect=client._dialect,
        )
