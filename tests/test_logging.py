"""What the SDK logs: enough to debug a call, never the key."""

from __future__ import annotations

import logging

import pytest

from flireo_async import (
    FlireoClient,
    Response,
    RetryPolicy,
    ServerError,
    TransportError,
)
from flireo_async.testing import MockTransport


KEY = "fl_live_supersecret_key"
ORDER = (
    b'{"data": {"id": "o1", "phone_number": "+31851234567",'
    b' "status": "pending"}}'
)


@pytest.fixture(name="caplog_debug")
def _caplog_debug(
    caplog: pytest.LogCaptureFixture,
) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="flireo_async")
    return caplog


async def test_debug_record_names_method_path_status_attempt_and_request_id(
    caplog_debug: pytest.LogCaptureFixture,
) -> None:
    """Each attempt logs method, URL, status, attempt and request id."""
    answers = iter(
        [
            Response(status=503, headers={"X-Request-Id": "req_1"}),
            Response(
                status=200, headers={"X-Request-Id": "req_2"}, body=ORDER
            ),
        ]
    )
    transport = MockTransport(lambda _: next(answers))
    async with FlireoClient(
        KEY,
        base_url="https://api.example.test",
        transport=transport,
        retry=RetryPolicy(initial_delay=0.001, jitter=False),
    ) as client:
        await client.orders.get("o1")

    lines = [r.getMessage() for r in caplog_debug.records]
    url = "https://api.example.test/v1/phone-number-orders/o1"

    assert any(
        f"GET {url} -> 503 on attempt 1" in m and "req_1" in m for m in lines
    )
    assert any(
        f"GET {url} -> 200 on attempt 2" in m and "req_2" in m for m in lines
    )
    assert any("retrying in" in m for m in lines)


async def test_no_log_record_or_error_carries_the_key(
    caplog_debug: pytest.LogCaptureFixture,
) -> None:
    """The API key appears in no log record, error message or repr."""

    def fail(_: object) -> Response:
        raise TransportError("connection reset")

    async with FlireoClient(
        KEY,
        base_url="https://api.example.test",
        transport=MockTransport(fail),
        retry=RetryPolicy(max_attempts=2, initial_delay=0.001),
    ) as client:
        with pytest.raises(TransportError) as failure:
            await client.orders.get("o1")
        text = repr(client) + str(failure.value)

    async with FlireoClient(
        KEY,
        base_url="https://api.example.test",
        transport=MockTransport(lambda _: Response(status=500)),
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        with pytest.raises(ServerError) as server:
            await client.orders.get("o1")
        text += str(server.value) + repr(server.value)

    logged = " ".join(
        r.getMessage() + repr(r.args) for r in caplog_debug.records
    )

    assert KEY not in logged
    assert KEY not in text
