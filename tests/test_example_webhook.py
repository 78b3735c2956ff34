"""examples/webhook_receiver.py, served on loopback with a mock Flireo API."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from flireo_async import FlireoClient, Request, Response
from flireo_async.events import signature_headers
from flireo_async.testing import MockTransport


SECRET = "whsec_demo"
EXAMPLE = Path(__file__).parent.parent / "examples" / "webhook_receiver.py"
SENT_OK = b'{"success": true, "message": "Command sent successfully"}'
CONTROL_URL = (
    "https://api.example.test/v1/calls/"
    "875573b5-4458-45be-bac2-4d2b869f8297/control"
)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webhook_receiver", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


receiver = _load()


class FlireoApi:
    """A mock Flireo API that records control commands as they arrive."""

    def __init__(self, status: int = 200, body: bytes = SENT_OK) -> None:
        self.status = status
        self.body = body
        self.received = asyncio.Event()
        self.transport = MockTransport(self.handle)

    async def handle(self, request: Request) -> Response:
        self.received.set()
        return Response(status=self.status, body=self.body)

    def commands(self) -> list[tuple[str, str, Any]]:
        return [
            (r.method, r.url, orjson.loads(r.body))
            for r in self.transport.requests
        ]


@pytest.fixture(name="serve")
async def _serve(
    client_for: Callable[..., FlireoClient],
) -> AsyncIterator[Callable[..., Any]]:
    """``await serve(api, **build_app_kwargs)`` starts the example app."""
    started: list[TestClient[Any, Any]] = []

    async def start(api: FlireoApi, **kw: Any) -> TestClient[Any, Any]:
        client = client_for(api.transport)
        kw.setdefault("secret", SECRET)
        kw.setdefault("reply_delay", 0)
        app = receiver.build_app(client, **kw)
        test_client: TestClient[Any, Any] = TestClient(TestServer(app))
        await test_client.start_server()
        started.append(test_client)
        return test_client

    yield start
    for test_client in started:
        await test_client.close()


async def _post(
    client: TestClient[Any, Any], event: dict[str, Any]
) -> tuple[int, Any]:
    body = orjson.dumps(event)
    headers = signature_headers(body, secret=SECRET)
    async with client.post("/webhooks", data=body, headers=headers) as resp:
        return resp.status, await resp.json()


EXPECTED_ANSWER = {
    "results": [
        {
            "toolCallId": "call_kLsrB3eFvT6bvo67BqTv7iXc",
            "result": "Bericht succesvol ontvangen, het team zal Jonas "
            "terugbellen.",
        },
        {
            "toolCallId": "call_kLsrD3eFvY6bko67BqTb7iXc",
            "result": "Ik heb je een sms gestuurd; antwoord met je "
            "e-mailadres.",
        },
    ]
}


async def test_tool_calls_are_answered_and_the_email_is_injected(
    serve: Callable[..., Any],
) -> None:
    """Both tools are answered; then inject-context reaches the call."""
    api = FlireoApi()
    client = await serve(api)
    answer = await _post(client, receiver.SAMPLE_EVENT)
    await asyncio.wait_for(api.received.wait(), timeout=5)
    injected = {
        "type": "inject-context",
        "content": "Het e-mailadres van de beller is jonas@example.com. "
        "Bevestig het.",
        "trigger_response": True,
    }
    assert (200, EXPECTED_ANSWER) == answer
    assert [("POST", CONTROL_URL, injected)] == api.commands()


async def test_a_call_that_ended_meanwhile_is_logged_not_raised(
    serve: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A 400 "call not active" on injection is logged as a warning."""
    api = FlireoApi(
        400, b'{"error": {"code": "invalid_status", "message": "not active"}}'
    )
    client = await serve(api)
    with caplog.at_level(logging.INFO, logger="webhook_receiver"):
        await _post(client, receiver.SAMPLE_EVENT)
        await asyncio.wait_for(api.received.wait(), timeout=5)
        pending = client.server.app[receiver.PENDING]
        await asyncio.gather(*pending)
    assert "could not inject into call" in caplog.text


async def test_ask_email_without_a_call_id_does_not_inject(
    serve: Callable[..., Any],
) -> None:
    """Without a call id there is nothing to inject into."""
    api = FlireoApi()
    client = await serve(api)
    event = dict(receiver.SAMPLE_EVENT, callId=None)
    event["tasksInitiated"] = event["tasksInitiated"][1:]
    status, answer = await _post(client, event)
    assert (200, []) == (status, api.commands())
    assert "spel het adres" in answer["results"][0]["result"]


async def test_status_updates_and_reports_are_logged(
    serve: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """The two notification events are acknowledged and logged."""
    client = await serve(FlireoApi())
    with caplog.at_level(logging.INFO, logger="webhook_receiver"):
        status = await _post(
            client,
            {
                "eventType": "status-update",
                "callSession": "c-9",
                "status": "in-progress",
            },
        )
        report = await _post(
            client,
            {
                "eventType": "end-of-call-report",
                "callId": "c-9",
                "callLengthSeconds": 132.5,
                "summaryText": "Kort.",
            },
        )
    assert [(200, {}), (200, {})] == [status, report]
    assert "call c-9 is in-progress" in caplog.text
    assert "call c-9 ended after 132.5s: Kort." in caplog.text


async def test_shutdown_cancels_pending_injections(
    serve: Callable[..., Any],
) -> None:
    """Closing the app cancels replies still being waited for."""
    client = await serve(FlireoApi(), reply_delay=3600)
    await _post(client, receiver.SAMPLE_EVENT)
    pending = client.server.app[receiver.PENDING]
    tasks = list(pending)
    await client.close()
    assert ([True], set()) == ([t.cancelled() for t in tasks], pending)


async def test_send_sample_posts_a_signed_event(
    serve: Callable[..., Any],
) -> None:
    """The `send` helper signs the sample and gets the documented answer."""
    client = await serve(FlireoApi())
    url = str(client.make_url("/webhooks"))
    assert (200, EXPECTED_ANSWER) == await receiver.send_sample(url, SECRET)


async def test_main_send_prints_the_answer(
    serve: Callable[..., Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`python webhook_receiver.py send --url ...` prints status and body."""
    monkeypatch.setenv("FLIREO_WEBHOOK_SECRET", SECRET)
    client = await serve(FlireoApi())
    url = str(client.make_url("/webhooks"))
    await asyncio.to_thread(receiver.main, ["send", "--url", url])
    printed = capsys.readouterr().out
    assert printed.startswith("200 {")
    assert "call_kLsrB3eFvT6bvo67BqTv7iXc" in printed


async def test_make_app_serves_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`serve`'s app reads key, base URL and secret from the environment."""
    monkeypatch.setenv("FLIREO_API_KEY", "fl_test_sandbox")
    monkeypatch.setenv("FLIREO_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("FLIREO_WEBHOOK_SECRET", SECRET)
    app: web.Application = await receiver.make_app()
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    try:
        unsigned = await client.post("/webhooks", data=b"{}")
        unsigned.release()
        signed = await _post(
            client, {"eventType": "status-update", "status": "ended"}
        )
    finally:
        await client.close()
    assert (401, (200, {})) == (unsigned.status, signed)
