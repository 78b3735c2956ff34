"""
OpenTelemetry traces and metrics (API.md §10), read back through the
SDK's in-memory exporter and metric reader.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

import flireo_async as flireo
from flireo_async._core import _telemetry
from flireo_async.testing import MockTransport


KEY = "fl_live_telemetry_secret_key"
FAST = flireo.RetryPolicy(initial_delay=0.001, max_delay=0.002)
ORDER_ID = "660e8400-e29b-41d4-a716-446655440000"
NUMBER = "+31851234567"

_EXPORTER = InMemorySpanExporter()
_READER = InMemoryMetricReader()


def _install() -> None:
    # A process has one global provider; the first test to need it sets
    # it, and every test reads only the spans it made (cleared below).
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[_READER]))


@pytest.fixture(name="spans")
def _spans() -> Iterator[InMemorySpanExporter]:
    _install()
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def _json(status: int, payload: Any) -> flireo.Response:
    return flireo.Response(status=status, body=json.dumps(payload).encode())


def _order(order_id: str = ORDER_ID) -> dict[str, Any]:
    return {
        "id": order_id,
        "phone_number": NUMBER,
        "status": "pending",
        "number_type": "national",
        "ordered_at": datetime.now(UTC).isoformat(),
    }


def _by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def _assert_no_secret(spans: tuple[ReadableSpan, ...]) -> None:
    for span in spans:
        texts = [repr(dict(span.attributes or {})), span.status.description]
        texts += [repr(dict(e.attributes or {})) for e in span.events]
        assert not any(KEY in (t or "") for t in texts), span.name


def _client(transport: flireo.Transport) -> flireo.FlireoClient:
    return flireo.FlireoClient(
        KEY,
        base_url="https://api.example.test:8443/api",
        transport=transport,
        retry=FAST,
    )


async def test_a_retried_get_is_one_operation_with_two_attempts(
    spans: InMemorySpanExporter,
) -> None:
    answers = iter(
        [
            _json(503, {"error": {"code": "x", "message": "busy"}}),
            _json(200, {"data": _order()}),
        ]
    )
    async with _client(MockTransport(lambda r: next(answers))) as client:
        await client.orders.get(ORDER_ID)

    finished = spans.get_finished_spans()
    (operation,) = _by_name(finished, "flireo.orders.get")
    attempts = _by_name(finished, "GET")
    assert len(attempts) == 2
    assert all(a.parent is not None for a in attempts)
    assert {a.parent.span_id for a in attempts if a.parent} == {
        operation.context.span_id
    }
    assert all(a.kind is trace.SpanKind.CLIENT for a in attempts)
    first, second = sorted(attempts, key=lambda s: s.start_time or 0)
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.request.resend_count"] == 1
    assert second.attributes["http.response.status_code"] == 200
    assert second.attributes["http.request.method"] == "GET"
    assert second.attributes["server.address"] == "api.example.test"
    assert second.attributes["server.port"] == 8443
    (retry,) = [e for e in operation.events if e.name == "retry"]
    assert retry.attributes is not None
    assert retry.attributes["reason"] == "ServerError 503"
    assert retry.attributes["delay_s"] >= 0
    assert operation.status.status_code is trace.StatusCode.UNSET
    _assert_no_secret(finished)


async def test_a_failed_operation_records_its_typed_class(
    spans: InMemorySpanExporter,
) -> None:
    missing = _json(404, {"error": {"code": "not_found", "message": "no"}})
    async with _client(MockTransport(lambda r: missing)) as client:
        with pytest.raises(flireo.NotFoundError):
            await client.orders.get(ORDER_ID)

    (operation,) = _by_name(spans.get_finished_spans(), "flireo.orders.get")
    assert operation.status.status_code is trace.StatusCode.ERROR
    assert operation.attributes is not None
    assert operation.attributes["error.type"] == "NotFoundError"


async def test_a_reconciled_order_shows_the_lookup(
    spans: InMemorySpanExporter,
) -> None:
    def answer(request: flireo.Request) -> flireo.Response:
        if request.method == "POST":
            return _json(500, {"error": {"code": "x", "message": "boom"}})
        page = {
            "data": [_order()],
            "meta": {"total": 1, "limit": 100, "offset": 0},
        }
        return _json(200, page)

    async with _client(MockTransport(answer)) as client:
        receipt = await client.phone_numbers.order(NUMBER)

    assert receipt.reconciled
    finished = spans.get_finished_spans()
    (operation,) = _by_name(finished, "flireo.phone_numbers.order")
    (reconcile,) = [e for e in operation.events if e.name == "reconcile"]
    assert reconcile.attributes == {"outcome": "found"}
    (lookup,) = _by_name(finished, "flireo.orders.list")
    assert lookup.parent is not None
    assert lookup.parent.span_id == operation.context.span_id
    (post,) = _by_name(finished, "POST")
    assert post.parent is not None
    assert post.parent.span_id == operation.context.span_id
    _assert_no_secret(finished)


async def test_a_bulk_job_is_one_span_with_counts_and_metrics(
    spans: InMemorySpanExporter,
) -> None:
    placed = iter(range(10**6))

    def answer(request: flireo.Request) -> flireo.Response:
        body = json.loads(request.body)
        return _json(
            201,
            {
                "message": "ok",
                "data": {
                    "order_id": f"order-{next(placed)}",
                    "phone_number": body["phone_number"],
                    "number_type": "national",
                    "status": "pending",
                    "credits_used": 10,
                    "remaining_credits": 1000,
                },
            },
        )

    numbers = [f"+3185000000{i}" for i in range(3)]
    async with _client(MockTransport(answer)) as client:
        report = await client.bulk_order(
            [flireo.OrderRequest(phone_number=n) for n in [*numbers, "+1"]]
        )

    assert report.ordered == 3
    finished = spans.get_finished_spans()
    (job,) = _by_name(finished, "flireo.bulk_order")
    assert job.attributes is not None
    assert job.attributes["flireo.bulk.ordered"] == 3
    assert job.attributes["flireo.bulk.failed"] == 1
    assert job.attributes["flireo.bulk.skipped"] == 0
    assert job.attributes["flireo.bulk.resumed"] == 0
    orders = _by_name(finished, "flireo.phone_numbers.order")
    assert len(orders) == 3
    assert all(
        o.parent is not None and o.parent.span_id == job.context.span_id
        for o in orders
    )
    _assert_no_secret(finished)
    points = {
        (m.name, tuple(sorted(p.attributes.items()))): p
        for rm in _READER.get_metrics_data().resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        for p in m.data.data_points
    }
    ordered = points[
        (
            "flireo.bulk.orders",
            (("flireo.api", "flireo"), ("outcome", "ordered")),
        )
    ]
    assert ordered.value >= 3


async def test_nothing_is_recorded_without_the_api_loaded(
    spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if opentelemetry were not installed: the SDK never imports it.
    monkeypatch.delitem(sys.modules, "opentelemetry.trace")
    assert _telemetry.tracer() is None
    ok = _json(200, {"data": _order()})
    async with _client(MockTransport(lambda r: ok)) as client:
        await client.orders.get(ORDER_ID)
    monkeypatch.undo()
    assert spans.get_finished_spans() == ()


async def test_the_aiohttp_instrumentation_nests_without_double_spans(
    spans: InMemorySpanExporter,
) -> None:
    from opentelemetry.instrumentation.aiohttp_client import (
        AioHttpClientInstrumentor,
    )

    async def order(request: web.Request) -> web.Response:
        return web.json_response({"data": _order()})

    app = web.Application()
    app.router.add_get("/api/v1/phone-number-orders/{id}", order)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    AioHttpClientInstrumentor().instrument()
    try:
        async with flireo.FlireoClient(
            KEY, base_url=str(server.make_url("/api")), retry=FAST
        ) as client:
            await client.orders.get(ORDER_ID)
    finally:
        AioHttpClientInstrumentor().uninstrument()
        await server.close()

    finished = spans.get_finished_spans()
    (operation,) = _by_name(finished, "flireo.orders.get")
    http = [s for s in finished if s.kind is trace.SpanKind.CLIENT]
    # One CLIENT span for the one request: the instrumentation's, as a
    # child of the operation (ours steps aside).
    assert len(http) == 1
    assert http[0].parent is not None
    assert http[0].parent.span_id == operation.context.span_id
    _assert_no_secret(finished)
