"""EventRouter through a real loopback aiohttp server."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from flireo_async import ConfigurationError
from flireo_async.events import (
    AnyEvent,
    AssistantRequestEvent,
    EndOfCallReportEvent,
    EventType,
    StatusUpdateEvent,
    ToolCall,
    ToolCallsEvent,
    UnknownEvent,
    WireFormat,
    assistant_config,
    reject_call,
    signature_headers,
)
from flireo_async.events.aiohttp import TOOL_FALLBACK, EventRouter


SECRET = "whsec_router_secret_9b2e"
PATH = "/webhooks"


def _tool_calls_v1(*tasks: tuple[str, str]) -> bytes:
    return orjson.dumps(
        {
            "eventTime": 1756278882619,
            "callId": "875573b5-4458-45be-bac2-4d2b869f8297",
            "eventType": "tool-calls",
            "fromCaller": "+31601234567",
            "toAssistant": "+31850123456",
            "tasksInitiated": [
                {"taskId": i, "taskName": n, "taskPayload": {"message": "m"}}
                for i, n in tasks
            ],
            "userMetadata": None,
        }
    )


def _envelope(kind: str, **message: Any) -> bytes:
    return orjson.dumps(
        {"message": {"type": kind, "call": {"id": "c-1"}} | message}
    )


ASSISTANT_REQUEST = (
    b'{ "eventType": "assistant-request", "fromCaller": "+31601234567", '
    b'"toAssistant": "+31850123456" }'
)


async def _client(router: EventRouter, **kw: Any) -> TestClient[Any, Any]:
    app = web.Application()
    router.add_to(app, PATH)
    client: TestClient[Any, Any] = TestClient(TestServer(app), **kw)
    await client.start_server()
    return client


@pytest.fixture(name="served")
async def _served() -> AsyncIterator[list[TestClient[Any, Any]]]:
    """Collects test clients and closes them (and their servers)."""
    clients: list[TestClient[Any, Any]] = []
    yield clients
    for client in clients:
        await client.close()


async def _post(
    client: TestClient[Any, Any],
    body: bytes,
    *,
    secret: str | None = SECRET,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Any]:
    sent = dict(signature_headers(body, secret=secret)) if secret else {}
    sent.update(headers or {})
    async with client.post(PATH, data=body, headers=sent) as response:
        return response.status, await response.json()


async def _serve(
    served: list[TestClient[Any, Any]], router: EventRouter, **kw: Any
) -> TestClient[Any, Any]:
    client = await _client(router, **kw)
    served.append(client)
    return client


async def test_signed_tool_call_gets_the_documented_answer(
    served: list[TestClient[Any, Any]],
) -> None:
    """A signed v1 tool-calls event is answered {"results": [...]}."""
    router = EventRouter(secret=SECRET)

    @router.on_tool_call("send_task")
    async def send_task(call: ToolCall, event: ToolCallsEvent) -> str:
        return f"ok: {call.arguments and call.arguments['message']}"

    client = await _serve(served, router)
    status, answer = await _post(
        client, _tool_calls_v1(("call_kLsrB3eFvT6bvo67BqTv7iXc", "send_task"))
    )
    expected = {
        "results": [
            {"toolCallId": "call_kLsrB3eFvT6bvo67BqTv7iXc", "result": "ok: m"}
        ]
    }
    assert (200, expected) == (status, answer)


@pytest.mark.parametrize("case", ["missing", "wrong", "stale"])
async def test_bad_signatures_are_401_without_details(
    served: list[TestClient[Any, Any]],
    case: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Missing, wrong and stale signatures all answer the same 401."""
    called = []
    router = EventRouter(secret=SECRET)

    @router.on_default
    async def default(event: AnyEvent) -> None:
        called.append(event)

    client = await _serve(served, router)
    body = ASSISTANT_REQUEST
    sent = {
        "missing": {},
        "wrong": signature_headers(body, secret="whsec_other"),
        "stale": signature_headers(
            body, secret=SECRET, timestamp=int(time.time()) - 3600
        ),
    }[case]
    async with client.post(PATH, data=body, headers=sent) as response:
        answer = (response.status, await response.json())
    assert ((401, {"error": "invalid signature"}), []) == (answer, called)
    assert SECRET not in caplog.text


async def test_tampered_body_is_401(
    served: list[TestClient[Any, Any]],
) -> None:
    """A body changed after signing is refused."""
    client = await _serve(served, EventRouter(secret=SECRET))
    headers = signature_headers(ASSISTANT_REQUEST, secret=SECRET)
    body = ASSISTANT_REQUEST.replace(b"+3160", b"+3161")
    async with client.post(PATH, data=body, headers=headers) as response:
        assert 401 == response.status


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"eventType": "tool-calls", "tasksInitiated": [{"taskName": "x"}]}',
    ],
)
async def test_malformed_bodies_are_400_without_details(
    served: list[TestClient[Any, Any]], body: bytes
) -> None:
    """A verified body that is not an event answers a bare 400."""
    client = await _serve(served, EventRouter(secret=SECRET))
    assert (400, {"error": "malformed event"}) == await _post(client, body)


async def test_unsigned_router_accepts_unsigned_events(
    served: list[TestClient[Any, Any]],
) -> None:
    """Without a secret (v1 platform), events are not verified."""
    router = EventRouter()

    @router.on_assistant_request
    async def greet(event: AssistantRequestEvent) -> dict[str, Any]:
        return assistant_config({"firstMessage": f"Hoi {event.from_caller}"})

    client = await _serve(served, router)
    expected = {"assistant": {"firstMessage": "Hoi +31601234567"}}
    assert (200, expected) == await _post(
        client, ASSISTANT_REQUEST, secret=None
    )


async def test_assistant_request_without_handler_is_the_default(
    served: list[TestClient[Any, Any]],
) -> None:
    """No handler answers {} (the agent's default configuration)."""
    client = await _serve(served, EventRouter(secret=SECRET))
    assert (200, {}) == await _post(client, ASSISTANT_REQUEST)


async def test_assistant_request_can_reject(
    served: list[TestClient[Any, Any]],
) -> None:
    """A reject_call answer goes out as {"error": ...}."""
    router = EventRouter(secret=SECRET)

    @router.on_assistant_request
    async def gate(event: AssistantRequestEvent) -> dict[str, Any]:
        return reject_call("Wij zijn gesloten.")

    client = await _serve(served, router)
    assert (200, {"error": "Wij zijn gesloten."}) == await _post(
        client, ASSISTANT_REQUEST
    )


async def test_slow_assistant_request_answers_the_default_in_time(
    served: list[TestClient[Any, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """A handler past its deadline is cancelled; {} goes out and is logged."""
    never = asyncio.Event()
    cancelled = asyncio.Event()
    router = EventRouter(secret=SECRET, assistant_request_deadline=0.05)

    @router.on_assistant_request
    async def slow(event: AssistantRequestEvent) -> dict[str, Any]:
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return assistant_config({"firstMessage": "too late"})

    client = await _serve(served, router)
    with caplog.at_level(logging.WARNING, logger="flireo_async.events"):
        answer = await _post(client, ASSISTANT_REQUEST)
    assert ((200, {}), True) == (answer, cancelled.is_set())
    assert "missed its 0.05s deadline" in caplog.text


async def test_failing_assistant_request_answers_the_default(
    served: list[TestClient[Any, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """A handler that raises or returns junk still gets the call served."""
    router = EventRouter(secret=SECRET)
    answers: list[Any] = [RuntimeError("db down"), ["not", "a", "mapping"]]

    @router.on_assistant_request
    async def broken(event: AssistantRequestEvent) -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = await _serve(served, router)
    first = await _post(client, ASSISTANT_REQUEST)
    second = await _post(client, ASSISTANT_REQUEST)
    assert [(200, {}), (200, {})] == [first, second]
    assert "db down" in caplog.text
    assert "returned a list" in caplog.text


async def test_slow_tool_gets_the_fallback_and_fast_ones_keep_results(
    served: list[TestClient[Any, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """At the deadline unfinished tools answer the fallback, and log."""
    never = asyncio.Event()
    router = EventRouter(secret=SECRET, tool_calls_deadline=0.05)

    @router.on_tool_call("fast")
    async def fast(call: ToolCall, event: ToolCallsEvent) -> str:
        return "done"

    @router.on_tool_call("slow")
    async def slow(call: ToolCall, event: ToolCallsEvent) -> str:
        await never.wait()
        return "too late"

    client = await _serve(served, router)
    with caplog.at_level(logging.WARNING, logger="flireo_async.events"):
        answer = await _post(
            client, _tool_calls_v1(("t1", "fast"), ("t2", "slow"))
        )
    expected = {
        "results": [
            {"toolCallId": "t1", "result": "done"},
            {"toolCallId": "t2", "result": TOOL_FALLBACK},
        ]
    }
    assert (200, expected) == answer
    assert "tool 'slow'" in caplog.text
    assert "missed its 0.05s deadline" in caplog.text


async def test_failing_unknown_and_non_text_tools_get_the_fallback(
    served: list[TestClient[Any, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """Raising, unregistered and v1 non-text tools answer the fallback."""
    router = EventRouter(secret=SECRET, tool_fallback="Niet beschikbaar.")

    @router.on_tool_call("boom")
    async def boom(call: ToolCall, event: ToolCallsEvent) -> str:
        raise LookupError("no such contact")

    @router.on_tool_call("dict")
    async def as_dict(call: ToolCall, event: ToolCallsEvent) -> Any:
        return {"not": "text"}

    client = await _serve(served, router)
    answer = await _post(
        client,
        _tool_calls_v1(("t1", "boom"), ("t2", "nobody"), ("t3", "dict")),
    )
    expected = {
        "results": [
            {"toolCallId": f"t{i}", "result": "Niet beschikbaar."}
            for i in (1, 2, 3)
        ]
    }
    assert (200, expected) == answer
    assert "no such contact" in caplog.text
    assert "no handler for tool 'nobody'" in caplog.text
    assert "v1 tool-calls answers take text" in caplog.text


async def test_catch_all_tool_handler_and_json_results_on_newer_api(
    served: list[TestClient[Any, Any]],
) -> None:
    """on_tool_call() takes every other tool; newer results may be JSON."""
    router = EventRouter(secret=SECRET)

    @router.on_tool_call()
    async def anything(call: ToolCall, event: ToolCallsEvent) -> Any:
        return {"tool": call.name, "args": call.arguments}

    client = await _serve(served, router)
    body = _envelope(
        "tool-calls",
        toolCallList=[
            {
                "id": "tool_abc123def456",
                "type": "function",
                "function": {
                    "name": "lookup_contact",
                    "arguments": {"query": "Jan de Vries"},
                },
            }
        ],
    )
    expected = {
        "results": [
            {
                "toolCallId": "tool_abc123def456",
                "result": {
                    "tool": "lookup_contact",
                    "args": {"query": "Jan de Vries"},
                },
            }
        ]
    }
    assert (200, expected) == await _post(client, body)


async def test_status_update_and_report_handlers_get_their_events(
    served: list[TestClient[Any, Any]],
) -> None:
    """Non-answering events reach their handler and are acknowledged."""
    seen: list[Any] = []
    router = EventRouter(secret=SECRET)

    @router.on_status_update
    async def status(event: StatusUpdateEvent) -> None:
        seen.append((event.type, event.status))

    @router.on_end_of_call_report
    async def report(event: EndOfCallReportEvent) -> None:
        seen.append((event.type, event.duration_seconds))

    client = await _serve(served, router)
    first = await _post(
        client,
        _envelope("status-update", call={"id": "c", "status": "ended"}),
    )
    second = await _post(
        client, _envelope("end-of-call-report", durationSeconds=12)
    )
    assert [(200, {}), (200, {})] == [first, second]
    assert [
        (EventType.STATUS_UPDATE, "ended"),
        (EventType.END_OF_CALL_REPORT, 12.0),
    ] == seen


async def test_failing_status_handler_is_a_bare_500(
    served: list[TestClient[Any, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """A handler error is logged and answered 500 without details."""
    router = EventRouter(secret=SECRET)

    @router.on_status_update
    async def status(event: StatusUpdateEvent) -> None:
        raise RuntimeError("secret internals")

    client = await _serve(served, router)
    answer = await _post(client, _envelope("status-update"))
    assert (500, {"error": "internal error"}) == answer
    assert "secret internals" in caplog.text


async def test_default_handler_gets_unknown_and_unhandled_events(
    served: list[TestClient[Any, Any]],
) -> None:
    """Unknown types and events without a handler go to the default."""
    seen: list[Any] = []
    router = EventRouter(secret=SECRET)

    @router.on_default
    async def default(event: AnyEvent) -> dict[str, Any] | None:
        seen.append((type(event).__name__, event.type, event.format))
        return {"seen": True} if isinstance(event, UnknownEvent) else None

    client = await _serve(served, router)
    unknown = await _post(client, _envelope("transcript-update"))
    report = await _post(client, _envelope("end-of-call-report"))
    assert [(200, {"seen": True}), (200, {})] == [unknown, report]
    assert [
        ("UnknownEvent", "transcript-update", WireFormat.MESSAGE),
        ("EndOfCallReportEvent", EventType.END_OF_CALL_REPORT, "message"),
    ] == seen


async def test_events_without_any_handler_are_acknowledged(
    served: list[TestClient[Any, Any]],
) -> None:
    """With no handlers at all, every event gets a 2xx."""
    client = await _serve(served, EventRouter(secret=SECRET))
    statuses = [
        (await _post(client, _envelope(kind)))[0]
        for kind in ("status-update", "end-of-call-report", "x-new")
    ]
    assert [200, 200, 200] == statuses


async def test_two_hundred_concurrent_events(
    served: list[TestClient[Any, Any]],
) -> None:
    """200 events in flight at once each get their own answer."""
    count = 200
    arrived = 0
    everyone_in = asyncio.Event()
    router = EventRouter(secret=SECRET)

    @router.on_tool_call("echo")
    async def echo(call: ToolCall, event: ToolCallsEvent) -> str:
        # Every handler waits until all 200 are inside: this only passes
        # if the router really runs them concurrently.
        nonlocal arrived
        arrived += 1
        if arrived == count:
            everyone_in.set()
        await everyone_in.wait()
        return f"echo {call.id}"

    client = await _serve(
        served, router, connector=aiohttp.TCPConnector(limit=0)
    )
    answers = await asyncio.gather(
        *(
            _post(client, _tool_calls_v1((f"call_{n}", "echo")))
            for n in range(count)
        )
    )
    expected = [
        (
            200,
            {
                "results": [
                    {"toolCallId": f"call_{n}", "result": f"echo call_{n}"}
                ]
            },
        )
        for n in range(count)
    ]
    assert expected == answers


async def test_route_and_non_post_methods(
    served: list[TestClient[Any, Any]],
) -> None:
    """route() mounts with add_routes; other methods are 405."""
    app = web.Application()
    app.add_routes([EventRouter().route("/hook")])
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    served.append(client)
    async with client.post("/hook", data=ASSISTANT_REQUEST) as response:
        posted = response.status
    async with client.get("/hook") as response:
        got = response.status
    assert (200, 405) == (posted, got)


async def test_dispatch_can_be_used_without_aiohttp() -> None:
    """dispatch() answers a parsed event directly."""
    router = EventRouter()

    @router.on_tool_call("f")
    async def f(call: ToolCall, event: ToolCallsEvent) -> str:
        return "r"

    event = ToolCallsEvent(
        type=EventType.TOOL_CALLS,
        format=WireFormat.FLAT,
        tool_calls=(ToolCall(id="a", name="f"),),
    )
    expected = {"results": [{"toolCallId": "a", "result": "r"}]}
    assert expected == await router.dispatch(event)


def test_duplicate_registrations_are_refused() -> None:
    """Registering a second handler for the same thing is an error."""
    router = EventRouter()

    async def handler(*args: Any) -> None:
        return None

    router.on_tool_call("t")(handler)
    router.on_tool_call()(handler)
    router.on_assistant_request(handler)
    router.on_status_update(handler)
    router.on_end_of_call_report(handler)
    router.on_default(handler)
    registrations = [
        lambda: router.on_tool_call("t")(handler),
        lambda: router.on_tool_call()(handler),
        lambda: router.on_assistant_request(handler),
        lambda: router.on_status_update(handler),
        lambda: router.on_end_of_call_report(handler),
        lambda: router.on_default(handler),
    ]
    refused = 0
    for register in registrations:
        with pytest.raises(ConfigurationError):
            register()
        refused += 1
    assert len(registrations) == refused


@pytest.mark.parametrize(
    "kwargs",
    [
        {"secret": ""},
        {"assistant_request_deadline": 0},
        {"tool_calls_deadline": -1.0},
        {"tool_calls_deadline": True},
    ],
)
def test_bad_router_configuration_is_refused(kwargs: dict[str, Any]) -> None:
    """An empty secret or a non-positive deadline is refused."""
    with pytest.raises(ConfigurationError):
        EventRouter(**kwargs)


def test_repr_never_shows_the_secret() -> None:
    """The router's repr says whether it is signed, not with what."""
    router = EventRouter(secret=SECRET)

    @router.on_tool_call("send_task")
    async def send_task(call: ToolCall, event: ToolCallsEvent) -> str:
        return ""

    assert "<EventRouter signed=True tools=['send_task']>" == repr(router)


async def test_default_handler_answers_assistant_requests_in_time(
    served: list[TestClient[Any, Any]],
) -> None:
    """Without on_assistant_request the default runs; None answers {}."""
    seen: list[Any] = []
    router = EventRouter(secret=SECRET)

    @router.on_default
    async def default(event: AnyEvent) -> None:
        seen.append(event.type)

    client = await _serve(served, router)
    answer = await _post(client, ASSISTANT_REQUEST)
    assert ((200, {}), [EventType.ASSISTANT_REQUEST]) == (answer, seen)
