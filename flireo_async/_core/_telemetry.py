"""
OpenTelemetry traces and metrics, when the application has them.

Strategy: never import OpenTelemetry.  An application that exports
traces has imported ``opentelemetry.trace`` and set a tracer provider
before it calls the SDK, so the only question each call asks is one
``sys.modules`` lookup (and, when the API is loaded, whether the
provider is still the API's do-nothing proxy).  Without the ``otel``
extra, or without a provider, nothing is imported and a call costs one
dict lookup more.

What is recorded (API.md §10): one span per public operation
(``flireo.orders.get`` …), one CLIENT child span per HTTP attempt after
the HTTP client semantic conventions, span events on the operation for a
retry decision, a reconciliation and a rate-window wait, and for bulk
jobs a span with the outcome counts plus metrics.  Attribute values are
names, numbers and statuses — never the key, a secret or a body.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from collections.abc import (
    Awaitable,
    Callable,
    Coroutine,
    Iterator,
    Mapping,
)
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit


__all__ = [
    "BulkMetrics",
    "BulkTrace",
    "attempt_span",
    "event",
    "meter",
    "operation",
    "tracer",
]

P = ParamSpec("P")
T = TypeVar("T")

_NAME = "flireo_async"
_TRACE = "opentelemetry.trace"
_modules = sys.modules
_tracers: dict[int, Any] = {}
_meters: dict[int, Any] = {}


def tracer() -> Any | None:
    """The application's tracer, or ``None`` when nothing records."""
    trace = _modules.get(_TRACE)
    if trace is None:
        return None
    # The API keeps the provider the application set in this global;
    # reading it is ~20x cheaper than get_tracer_provider(), which costs
    # an environment lookup per call while none is set.
    if getattr(trace, "_TRACER_PROVIDER", True) is None:
        return None
    provider = trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):
        return None
    found = _tracers.get(id(provider))
    if found is None:
        from ._version import version

        found = _tracers[id(provider)] = provider.get_tracer(_NAME, version())
    return found


def meter() -> Any | None:
    """The application's meter, or ``None`` when nothing records."""
    metrics = sys.modules.get("opentelemetry.metrics")
    if metrics is None:
        return None
    provider = metrics.get_meter_provider()
    # The API's default is a proxy until the application sets a provider.
    if type(provider).__name__ == "_ProxyMeterProvider":
        return None
    found = _meters.get(id(provider))
    if found is None:
        from ._version import version

        found = _meters[id(provider)] = provider.get_meter(_NAME, version())
    return found


def _fail(span: Any, error: BaseException) -> None:
    trace = sys.modules["opentelemetry.trace"]
    name = type(error).__qualname__
    span.set_attribute("error.type", name)
    # The class name only: a message may quote what the caller passed.
    span.set_status(trace.Status(trace.StatusCode.ERROR, name))


def operation(
    name: str,
) -> Callable[
    [Callable[P, Coroutine[Any, Any, T]]], Callable[P, Coroutine[Any, Any, T]]
]:
    """
    Record each call of a coroutine method as the span *name*.

    Args:
        name: The span name, ``<api>.<resource>.<method>``.

    Returns:
        The decorator.
    """

    def decorate(
        fn: Callable[P, Coroutine[Any, Any, T]],
    ) -> Callable[P, Coroutine[Any, Any, T]]:
        async def traced(recorder: Any, coro: Coroutine[Any, Any, T]) -> T:
            with recorder.start_as_current_span(
                name, record_exception=False, set_status_on_exception=False
            ) as span:
                try:
                    return await coro
                except BaseException as error:
                    _fail(span, error)
                    raise

        # A plain function handing back the method's own coroutine: with
        # nothing recording, a call costs no extra coroutine frame.
        @functools.wraps(fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, T]:
            if _TRACE not in _modules:
                return fn(*args, **kwargs)
            recorder = tracer()
            if recorder is None:
                return fn(*args, **kwargs)
            return traced(recorder, fn(*args, **kwargs))

        _mark_coroutine_function(call)
        return call

    return decorate


def _mark_coroutine_function(fn: Callable[..., Any]) -> None:
    # Introspection (mocks' autospec, frameworks) should still see the
    # method as the coroutine function it is.
    mark = getattr(inspect, "markcoroutinefunction", None)
    if mark is not None:
        mark(fn)


@contextlib.contextmanager
def attempt_span(
    method: str, url: str, attempt: int
) -> Iterator[Callable[[int | None, BaseException | None], None]]:
    """
    One HTTP attempt as a CLIENT span, after the semantic conventions.

    Yields:
        ``done(status, error)``, to call with the answer's status or the
        error the attempt raised; a no-op when nothing records (or when
        ``opentelemetry-instrumentation-aiohttp-client`` already records
        each HTTP request: one span per request, not two).
    """
    recorder = tracer()
    if recorder is None or _aiohttp_instrumented():
        yield _ignore
        return
    trace = sys.modules["opentelemetry.trace"]
    parts = urlsplit(url)
    attributes: dict[str, Any] = {
        "http.request.method": method,
        "server.address": parts.hostname or "",
        "url.scheme": parts.scheme,
    }
    if parts.port is not None:
        attributes["server.port"] = parts.port
    if attempt > 1:
        attributes["http.request.resend_count"] = attempt - 1
    with recorder.start_as_current_span(
        method,
        kind=trace.SpanKind.CLIENT,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:

        def done(status: int | None, error: BaseException | None) -> None:
            if status is not None:
                span.set_attribute("http.response.status_code", status)
                if status >= 400:
                    span.set_attribute("error.type", str(status))
                    span.set_status(trace.Status(trace.StatusCode.ERROR))
            elif error is not None:
                # No answer: the conventions name the exception instead.
                _fail(span, error)

        yield done


def _ignore(status: int | None, error: BaseException | None) -> None:
    """What ``attempt_span`` yields when nothing records."""


def _aiohttp_instrumented() -> bool:
    module = sys.modules.get("opentelemetry.instrumentation.aiohttp_client")
    if module is None:
        return False
    return bool(
        module.AioHttpClientInstrumentor().is_instrumented_by_opentelemetry
    )


def event(name: str, attributes: Mapping[str, Any]) -> None:
    """Add an event to the current (operation) span, if one records."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return
    span = trace.get_current_span()
    if span.is_recording():
        span.add_event(name, dict(attributes))


class BulkTrace:
    """
    A bulk job as one span, the parent of every order the job places.

    The job's consumer is an async generator, which must not hold a span
    as current across its yields; the span is made current inside the
    job's own tasks instead (`within()`), and ended by `finish()`.

    Args:
        name: The span name (``flireo.bulk_order``, ``telnyx.bulk_order``).
    """

    def __init__(self, name: str) -> None:
        recorder = tracer()
        self._span = None if recorder is None else recorder.start_span(name)

    async def within(self, work: Awaitable[T]) -> T:
        """Await *work* with the job's span as the current one."""
        if self._span is None:
            return await work
        trace = sys.modules["opentelemetry.trace"]
        with trace.use_span(
            self._span,
            end_on_exit=False,
            record_exception=False,
            set_status_on_exception=False,
        ):
            return await work

    def finish(
        self, counts: Mapping[str, int], error: BaseException | None
    ) -> None:
        """Set the outcome counts (and the error, if any); end the span."""
        if self._span is None:
            return
        for key, value in counts.items():
            self._span.set_attribute(f"flireo.bulk.{key}", value)
        if error is not None:
            _fail(self._span, error)
        self._span.end()


class BulkMetrics:
    """
    A bulk job's instruments, or nothing when no meter provider is set.

    Counters ``flireo.bulk.orders`` (by ``outcome``) and
    ``flireo.bulk.rate_limited`` (429 answers), gauges
    ``flireo.bulk.in_flight`` (the adaptive window's use) and
    ``flireo.bulk.rate`` (orders placed per second so far).
    """

    def __init__(self, api: str) -> None:
        recorder = meter()
        #: Whether a meter provider records (callers skip the work if not).
        self.on = recorder is not None
        self._attributes = {"flireo.api": api}
        if recorder is None:
            return
        self._orders, self._limited = (
            recorder.create_counter(name, unit=unit, description=text)
            for name, unit, text in (
                ("flireo.bulk.orders", "{order}", "Bulk items by outcome"),
                ("flireo.bulk.rate_limited", "{response}", "429 answers"),
            )
        )
        self._in_flight, self._rate = (
            recorder.create_gauge(name, unit=unit, description=text)
            for name, unit, text in (
                ("flireo.bulk.in_flight", "{order}", "Orders being placed"),
                ("flireo.bulk.rate", "{order}/s", "Orders placed a second"),
            )
        )

    def result(self, outcome: str, in_flight: int, rate: float) -> None:
        """Count one item's outcome and sample the window and the rate."""
        if not self.on:
            return
        self._orders.add(1, {**self._attributes, "outcome": outcome})
        self._in_flight.set(in_flight, self._attributes)
        self._rate.set(rate, self._attributes)

    def status(self, status: int) -> None:
        """Count a 429."""
        if self.on and status == 429:
            self._limited.add(1, self._attributes)
