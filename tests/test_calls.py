"""Calls.control: command bodies, validation, errors, the per-call window."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from flireo_async import (
    BadRequestError,
    FlireoClient,
    InvalidStatusError,
    NotFoundError,
    Request,
    RequestTimeoutError,
    Response,
    ServerError,
    ValidationError,
)
from flireo_async._calls import Calls, CommandWindow, command_body
from flireo_async.events import (
    ControlResult,
    EndCall,
    InjectContext,
    Say,
    Transfer,
)
from flireo_async.testing import MockTransport


CALL_ID = "call-_+31612345678_abc123"
SENT_OK = b'{"success": true, "message": "Command sent successfully"}'


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def _answer(status: int = 200, body: bytes = SENT_OK) -> MockTransport:
    return MockTransport(lambda request: Response(status=status, body=body))


def _calls(
    client_for: Callable[..., FlireoClient],
    transport: MockTransport,
    clock: FakeClock | None = None,
    **overrides: Any,
) -> Calls:
    client = client_for(transport, **overrides)
    clock = clock or FakeClock()
    return Calls(client, window=CommandWindow(clock=clock, sleep=clock.sleep))


def _sent(transport: MockTransport) -> list[tuple[str, str, Any]]:
    return [
        (r.method, r.url, orjson.loads(r.body)) for r in transport.requests
    ]


URL = "https://api.example.test/v1/calls/call-_%2B31612345678_abc123/control"


@pytest.mark.parametrize(
    ("command", "body"),
    [
        (
            InjectContext(
                content="Mail: jonas@example.com", trigger_response=True
            ),
            {
                "type": "inject-context",
                "content": "Mail: jonas@example.com",
                "trigger_response": True,
            },
        ),
        (
            Say(content="Een moment alstublieft.", end_after=False),
            {
                "type": "say",
                "content": "Een moment alstublieft.",
                "end_after": False,
            },
        ),
        (EndCall(), {"type": "end-call"}),
        (
            EndCall(message="Tot ziens."),
            {"type": "end-call", "message": "Tot ziens."},
        ),
        (
            Transfer(destination="+31201234567"),
            {"type": "transfer", "destination": "+31201234567"},
        ),
        (
            Transfer(
                destination="sip:support@pbx.example.nl",
                message="Ik verbind u door.",
            ),
            {
                "type": "transfer",
                "destination": "sip:support@pbx.example.nl",
                "message": "Ik verbind u door.",
            },
        ),
    ],
)
async def test_each_command_sends_its_documented_body(
    client_for: Callable[..., FlireoClient],
    command: Any,
    body: dict[str, Any],
) -> None:
    """POST /v1/calls/{id}/control with the §6.7 body of each command."""
    transport = _answer()
    result = await _calls(client_for, transport).control(CALL_ID, command)
    assert [("POST", URL, body)] == _sent(transport)
    assert (
        ControlResult(success=True, message="Command sent successfully")
        == result
    )


async def test_empty_and_enveloped_answers_are_read(
    client_for: Callable[..., FlireoClient],
) -> None:
    """A 204 is success; a {"data": ...} envelope is unwrapped."""
    empty = _calls(client_for, _answer(204, b""))
    wrapped = _calls(client_for, _answer(200, b'{"data": ' + SENT_OK + b"}"))
    say = Say(content="Hallo", end_after=False)
    assert [
        ControlResult(),
        ControlResult(message="Command sent successfully"),
    ] == [
        await empty.control(CALL_ID, say),
        await wrapped.control(CALL_ID, say),
    ]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: InjectContext(content=" ", trigger_response=True), "content"),
        (
            lambda: InjectContext(content="x", trigger_response="yes"),
            "trigger_response",
        ),
        (lambda: Say(content="", end_after=False), "content"),
        (lambda: Say(content="x", end_after=1), "end_after"),
        (lambda: EndCall(message=""), "message"),
        (lambda: Transfer(destination="0612345678"), "destination"),
        (lambda: Transfer(destination="sip:"), "destination"),
        (lambda: Transfer(destination=31201234567), "destination"),
        (lambda: Transfer(destination="+31201234567", message=" "), "message"),
    ],
)
def test_command_values_are_validated(make: Any, field: str) -> None:
    """Bad command fields fail at construction, naming the field."""
    with pytest.raises(ValidationError) as caught:
        make()
    assert field == caught.value.field


@pytest.mark.parametrize(
    ("call_id", "command", "field"),
    [
        ("", EndCall(), "call_id"),
        ("..", EndCall(), "call_id"),
        (None, EndCall(), "call_id"),
        (CALL_ID, {"type": "say", "content": "hoi"}, "command"),
    ],
)
async def test_control_validates_before_sending(
    client_for: Callable[..., FlireoClient],
    call_id: Any,
    command: Any,
    field: str,
) -> None:
    """A bad call id or a non-command is refused; nothing is sent."""
    transport = _answer()
    with pytest.raises(ValidationError) as caught:
        await _calls(client_for, transport).control(call_id, command)
    assert (field, []) == (caught.value.field, transport.requests)


def test_command_body_refuses_other_values() -> None:
    """command_body only takes the four command classes."""
    with pytest.raises(ValidationError):
        command_body("end-call")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            b'{"error": {"code": "invalid_status", '
            b'"message": "Call is not active"}}',
            InvalidStatusError,
        ),
        (
            400,
            b'{"error": "Bad Request", "message": "Call is not in progress"}',
            BadRequestError,
        ),
        (
            404,
            b'{"error": {"code": "not_found", "message": "x"}}',
            NotFoundError,
        ),
    ],
)
async def test_inactive_and_unknown_calls_raise_typed_errors(
    client_for: Callable[..., FlireoClient],
    status: int,
    body: bytes,
    error: type[Exception],
) -> None:
    """A call not in progress is a BadRequestError; unknown is NotFound."""
    transport = _answer(status, body)
    with pytest.raises(error) as caught:
        await _calls(client_for, transport).control(CALL_ID, EndCall())
    assert (error, 1) == (type(caught.value), len(transport.requests))


@pytest.mark.parametrize("failure", ["503", "timeout"])
async def test_commands_are_not_retried_after_an_ambiguous_failure(
    client_for: Callable[..., FlireoClient], failure: str
) -> None:
    """A say that may have been heard is never sent again."""

    def handler(request: Request) -> Response:
        if failure == "timeout":
            msg = "read timed out"
            raise RequestTimeoutError(msg)
        return Response(status=503, body=b'{"error": "unavailable"}')

    transport = MockTransport(handler)
    calls = _calls(client_for, transport)
    expected = ServerError if failure == "503" else RequestTimeoutError
    with pytest.raises(expected):
        await calls.control(CALL_ID, Say(content="Hallo", end_after=False))
    assert 1 == len(transport.requests)


async def test_eleventh_command_in_a_minute_waits_for_the_window(
    client_for: Callable[..., FlireoClient],
) -> None:
    """10 commands go at once; the 11th waits until the first is 60 s old."""
    clock = FakeClock()
    transport = _answer()
    calls = _calls(client_for, transport, clock)
    for _ in range(10):
        await calls.control(CALL_ID, Say(content="x", end_after=False))
        clock.now += 1.0
    await calls.control(CALL_ID, EndCall())
    assert ([50.0], 11) == (clock.sleeps, len(transport.requests))


async def test_the_window_is_per_call(
    client_for: Callable[..., FlireoClient],
) -> None:
    """Another call is not held back by a busy one."""
    clock = FakeClock()
    calls = _calls(client_for, _answer(), clock)
    for _ in range(10):
        await calls.control("busy", EndCall())
    await calls.control("quiet", EndCall())
    assert [] == clock.sleeps


async def test_concurrent_commands_share_the_window(
    client_for: Callable[..., FlireoClient],
) -> None:
    """12 concurrent commands: 10 leave at once, 2 wait for the window."""
    clock = FakeClock()
    transport = _answer()
    calls = _calls(client_for, transport, clock)
    await asyncio.gather(
        *(calls.control(CALL_ID, EndCall()) for _ in range(12))
    )
    assert 12 == len(transport.requests)
    assert 60.0 == clock.sleeps[0]


async def test_calls_idle_for_a_minute_are_forgotten() -> None:
    """Memory stays bounded: idle calls leave the window's table."""
    clock = FakeClock()
    window = CommandWindow(clock=clock, sleep=clock.sleep)
    for n in range(1000):
        await window.acquire(f"call-{n}")
    clock.now += 30
    await window.acquire("call-0")
    clock.now += 30.5
    await window.acquire("fresh")
    assert (2, []) == (len(window), clock.sleeps)


async def test_default_window_allows_ten_per_minute() -> None:
    """The default window lets ten commands through without waiting."""
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        raise asyncio.CancelledError

    window = CommandWindow(sleep=sleep)
    for _ in range(10):
        await window.acquire("c")
    with pytest.raises(asyncio.CancelledError):
        await window.acquire("c")
    assert 1 == len(waited)
    assert 59.0 < waited[0] <= 60.0


def test_calls_repr_names_the_client_not_the_key(
    client_for: Callable[..., FlireoClient],
) -> None:
    """The resource's repr carries no credentials."""
    calls = Calls(client_for(_answer()))
    assert "test-key" not in repr(calls)
