"""
``client.calls``: drive a live call (spec §6.7,
``POST /v1/calls/{id}/control``).

Four commands: inject context for the agent, say something, end the call,
transfer it.  The call must be ``in-progress``; otherwise the API answers
400 (``BadRequestError``, or its ``InvalidStatusError`` subclass when the
body carries ``invalid_status``); an unknown call is a 404
(``NotFoundError``).  The API allows 10 commands a minute per call, so a
per-call sliding window holds back the 11th until the oldest leaves the
window, instead of collecting 429s.  Commands are never retried blindly:
a repeated ``say`` is heard twice.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import attrs

from ._core._converter import structure
from ._core._resource import Resource
from ._core._sansio import path_segment
from ._core._telemetry import operation
from ._core._validation import (
    check_e164,
    check_id,
    check_limit,
    check_seconds,
    check_text,
)
from .exceptions import ValidationError


if TYPE_CHECKING:
    from ._core._base import BaseClient

__all__ = [
    "Calls",
    "Command",
    "CommandWindow",
    "ControlResult",
    "EndCall",
    "InjectContext",
    "Say",
    "Transfer",
    "command_body",
]

# Printable ASCII after the scheme: a SIP URI escapes everything else,
# and a control character or lone surrogate could not be sent as JSON.
_SIP_URI = re.compile(r"sips?:[\x21-\x7e]+", re.IGNORECASE)


def _text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_text(attribute.name, value)


def _optional_text(
    _: Any, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if value is not None:
        check_text(attribute.name, value)


def _flag(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    # bool("false") is True; a command that hangs up must not guess.
    if not isinstance(value, bool):
        msg = f"expected True or False, got {value!r}"
        raise ValidationError(attribute.name, msg)


def _destination(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, str) and _SIP_URI.fullmatch(value):
        return
    try:
        check_e164(attribute.name, value)
    except ValidationError:
        msg = f"expected an E.164 number or a sip: URI, got {value!r}"
        raise ValidationError(attribute.name, msg) from None


@attrs.frozen(kw_only=True)
class InjectContext:
    """
    Give the agent context mid-call (an e-mail address the caller sent by
    SMS, say).

    Attributes:
        content: The text the agent receives.
        trigger_response: Whether the agent should respond to it now.

    Raises:
        ValidationError: Blank content or a non-bool flag.
    """

    type: ClassVar[str] = "inject-context"
    content: str = attrs.field(validator=_text)
    trigger_response: bool = attrs.field(validator=_flag)


@attrs.frozen(kw_only=True)
class Say:
    """
    Make the agent say *content*.

    Attributes:
        content: What to say.
        end_after: End the call once it is said.

    Raises:
        ValidationError: Blank content or a non-bool flag.
    """

    type: ClassVar[str] = "say"
    content: str = attrs.field(validator=_text)
    end_after: bool = attrs.field(validator=_flag)


@attrs.frozen(kw_only=True)
class EndCall:
    """
    End the call.

    Attributes:
        message: Said before hanging up, if given.

    Raises:
        ValidationError: A blank message.
    """

    type: ClassVar[str] = "end-call"
    message: str | None = attrs.field(default=None, validator=_optional_text)


@attrs.frozen(kw_only=True)
class Transfer:
    """
    Transfer the call.

    Attributes:
        destination: An E.164 number or a ``sip:``/``sips:`` URI.
        message: Said before transferring, if given.

    Raises:
        ValidationError: A bad destination or a blank message.
    """

    type: ClassVar[str] = "transfer"
    destination: str = attrs.field(validator=_destination)
    message: str | None = attrs.field(default=None, validator=_optional_text)


#: A call-control command.
Command: TypeAlias = InjectContext | Say | EndCall | Transfer


@attrs.frozen(kw_only=True)
class ControlResult:
    """
    The API's acknowledgement of a command.

    Attributes:
        success: ``True`` when the command was sent to the call.
        message: ``"Command sent successfully"``.
    """

    success: bool = True
    message: str | None = None


def command_body(command: Command) -> dict[str, Any]:
    """
    The JSON body of a control request.

    Args:
        command: The command.

    Returns:
        ``{"type": ..., <fields>}``; optional fields left ``None`` are
        omitted.

    Raises:
        ValidationError: *command* is not one of the four commands.
    """
    if not isinstance(command, InjectContext | Say | EndCall | Transfer):
        msg = (
            "expected InjectContext, Say, EndCall or Transfer, "
            f"got {type(command).__name__}"
        )
        raise ValidationError("command", msg)
    body: dict[str, Any] = {"type": command.type}
    for name, value in attrs.asdict(command, recurse=False).items():
        if value is not None:
            body[name] = value
    return body


class CommandWindow:
    """
    A sliding window of commands per call, waiting when one is full.

    Memory stays bounded: a call with no command for *period* seconds is
    forgotten (its window is empty by then anyway).

    Args:
        limit: Commands per *period* per call (the API allows 10).
        period: Window length in seconds.
        clock: Monotonic clock (injectable for tests).
        sleep: Coroutine function to wait with (injectable for tests).

    Raises:
        ValidationError: *limit* is not a positive integer or *period*
            not a finite positive number of seconds.
    """

    def __init__(
        self,
        *,
        limit: int = 10,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        # A zero limit would wait forever; an endless period never
        # forgets a call.
        self._limit = check_limit("limit", limit, 1, 10**6)
        self._period = check_seconds("period", period, positive=True)
        self._clock = clock
        self._sleep = sleep
        # Ordered by each call's latest command, oldest first, so idle
        # calls are found at the front without scanning.
        self._sent: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sent)

    def _forget_idle(self, now: float) -> None:
        while self._sent:
            call_id, sent = next(iter(self._sent.items()))
            if sent[-1] > now - self._period:
                break
            del self._sent[call_id]

    async def acquire(self, call_id: str) -> None:
        """
        Wait until *call_id* may send one more command, and count it.

        Args:
            call_id: The call.
        """
        while True:
            now = self._clock()
            self._forget_idle(now)
            sent = self._sent.get(call_id)
            if sent is None:
                self._sent[call_id] = deque([now])
                return
            while sent and sent[0] <= now - self._period:
                sent.popleft()
            if len(sent) < self._limit:
                sent.append(now)
                self._sent.move_to_end(call_id)
                return
            await self._sleep(sent[0] + self._period - now)


class Calls(Resource):
    """
    Live call control.

    Args:
        client: The client whose request path to use.
        window: The per-call command window; default 10 a minute.
    """

    __slots__ = ("_window",)

    def __init__(
        self, client: BaseClient, *, window: CommandWindow | None = None
    ) -> None:
        super().__init__(client)
        self._window = window if window is not None else CommandWindow()

    @operation("flireo.calls.control")
    async def control(self, call_id: str, command: Command) -> ControlResult:
        """
        Send a command to a live call.

        Waits first if the call already had 10 commands in the last
        minute.  Only attempts that certainly never reached the server
        are retried.

        Args:
            call_id: The call (``event.call_id`` of its webhook events).
            command: [`InjectContext`][flireo_async.InjectContext],
                [`Say`][flireo_async.Say],
                [`EndCall`][flireo_async.EndCall] or
                [`Transfer`][flireo_async.Transfer].

        Returns:
            The [`ControlResult`][flireo_async.ControlResult].

        Raises:
            ValidationError: A bad call id or command; nothing was sent.
            BadRequestError: The call is not ``in-progress`` or the
                command is invalid (``InvalidStatusError`` when the body
                says ``invalid_status``).
            NotFoundError: No such call.
            RateLimitError: The server still refused with 429.

        Example:
            ```python
            await client.calls.control(
                event.call_id,
                InjectContext(content="Mail: jan@example.com",
                              trigger_response=True),
            )
            ```
        """
        check_id("call_id", call_id)
        body = command_body(command)
        path = f"/v1/calls/{path_segment(call_id)}/control"
        await self._window.acquire(call_id)
        payload = await self._client._call(
            "POST", path, json=body, repeatable=False
        )
        if payload is None:
            return ControlResult()
        if isinstance(payload, Mapping) and isinstance(
            payload.get("data"), Mapping
        ):
            payload = payload["data"]
        return structure(payload, ControlResult)
