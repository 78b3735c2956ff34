"""
The server events, one frozen attrs class per event type.

Both wire generations land on the same classes: the flat camelCase events
of the v1 docs (``eventType``, ``callId``/``callSession``, epoch
milliseconds in ``eventTime``/``eventTimestamp``) and the newer
``{"message": {...}}`` envelope in camelCase or snake_case.  Fields that
mean the same thing in both are unified (``call_id``, ``timestamp``,
``from_caller``, ``to_assistant``, ``duration_seconds`` …); fields only one
generation has are ``None`` in the other.  ``raw`` keeps the whole decoded
body for anything the models do not name.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeAlias

import attrs

from .._core._converter import either_case


__all__ = [
    "AnyEvent",
    "AssistantRequestEvent",
    "Call",
    "CallStatus",
    "CallType",
    "Customer",
    "EndOfCallReportEvent",
    "Event",
    "EventPhoneNumber",
    "EventType",
    "Recordings",
    "Role",
    "StatusUpdateEvent",
    "ToolCall",
    "ToolCallsEvent",
    "ToolResult",
    "Turn",
    "UnknownEvent",
    "WireFormat",
    "message_turns",
    "transcript_turns",
]


class EventType(enum.StrEnum):
    """The documented event types; compares equal to the wire string."""

    ASSISTANT_REQUEST = "assistant-request"
    TOOL_CALLS = "tool-calls"
    END_OF_CALL_REPORT = "end-of-call-report"
    STATUS_UPDATE = "status-update"


class WireFormat(enum.StrEnum):
    """Which generation of the docs an event came in."""

    #: Flat camelCase object of the v1 docs (``eventType`` …).
    FLAT = "flat"
    #: The newer ``{"message": {...}}`` envelope (either casing).
    MESSAGE = "message"


class CallStatus(enum.StrEnum):
    """A call's status as events and the calls API report it."""

    CONNECTING = "connecting"
    IN_PROGRESS = "in-progress"
    ENDED = "ended"
    #: v1: the call ended on an error; see ``debugging_artifact``.
    ENDED_WITH_DEBUGGING = "ended-with-debugging"
    #: Newer docs: the call ended on an error; see ``error``.
    ENDED_WITH_ERROR = "ended-with-error"
    FAILED = "failed"


class CallType(enum.StrEnum):
    """
    Kind of call; camelCase wire values (``inboundPhoneCall``) are read
    as these snake_case ones.
    """

    INBOUND_PHONE_CALL = "inbound_phone_call"
    OUTBOUND_PHONE_CALL = "outbound_phone_call"
    WEB_CALL = "web_call"


class Role(enum.StrEnum):
    """Who spoke a [`Turn`][flireo_async.events.Turn]."""

    ASSISTANT = "assistant"
    USER = "user"
    #: Transcript text before the first labelled line.
    UNKNOWN = "unknown"


@either_case
@attrs.frozen(kw_only=True)
class Call:
    """
    The ``call`` object of the newer envelope.

    Attributes:
        id: Call id (a string, not always a UUID).
        type: Inbound, outbound or web call.
        status: The call's status.
        pipeline: ``"standard"`` in one reference example.
    """

    id: str | None = None
    type: CallType | str | None = None
    status: CallStatus | str | None = None
    pipeline: str | None = None


@either_case
@attrs.frozen(kw_only=True)
class EventPhoneNumber:
    """The platform number the call came in on (newer envelope)."""

    number: str | None = None
    name: str | None = None
    id: str | None = None


@either_case
@attrs.frozen(kw_only=True)
class Customer:
    """The other party (newer envelope); ``number`` is null on web calls."""

    number: str | None = None


@either_case
@attrs.frozen(kw_only=True)
class Recordings:
    """
    Recording links of a v1 end-of-call report.

    Attributes:
        link_stereo: A signed URL, so it expires; fetch it soon.
    """

    link_stereo: str | None = None


@attrs.frozen(kw_only=True)
class Turn:
    """One turn of a transcript: who spoke and what."""

    role: Role | str
    text: str


_SPEAKERS = {
    "ai": Role.ASSISTANT,
    "assistant": Role.ASSISTANT,
    "agent": Role.ASSISTANT,
    "bot": Role.ASSISTANT,
    "gebruiker": Role.USER,
    "user": Role.USER,
    "klant": Role.USER,
    "customer": Role.USER,
    "caller": Role.USER,
}
# The label starts at the first non-space, so a long run of spaces is
# not re-scanned from every position (Unicode \s on purpose: this is
# transcript text, not a wire token).
_LABEL = re.compile(r"\s*(\S[^:\n]{0,19}):[ \t]?(.*)")


def transcript_turns(text: str | None) -> tuple[Turn, ...]:
    """
    Split a v1 ``transcriptText`` into turns.

    A line starting with a known speaker label (``AI:``, ``Gebruiker:``,
    ``User:`` …) starts a turn; any other line continues the turn before
    it, so a colon inside an answer ("om 14:00") is not a new speaker.

    Args:
        text: The transcript, one ``Label: text`` line per turn.

    Returns:
        The turns in order; text before the first label has role
        `Role.UNKNOWN`.
    """
    turns: list[tuple[Role, list[str]]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = _LABEL.match(line)
        role = _SPEAKERS.get(match.group(1).strip().lower()) if match else None
        if match and role is not None:
            turns.append((role, [match.group(2)]))
        elif turns:
            turns[-1][1].append(line)
        else:
            turns.append((Role.UNKNOWN, [line]))
    return tuple(
        Turn(role=role, text="\n".join(lines).strip()) for role, lines in turns
    )


def message_turns(
    messages: Iterable[tuple[str | None, str | None]],
) -> tuple[Turn, ...]:
    """
    Turn the newer report's ``messages`` (role, content) into turns.

    Args:
        messages: ``(role, content)`` pairs; roles such as ``"AI"`` or
            ``"bot"`` are read as `Role.ASSISTANT`, unknown roles
            stay strings.

    Returns:
        The turns in order.
    """
    turns = []
    for label, content in messages:
        key = (label or "").lower()
        role: Role | str = _SPEAKERS.get(key) or key or Role.UNKNOWN
        turns.append(Turn(role=role, text=content or ""))
    return tuple(turns)


@attrs.frozen(kw_only=True)
class ToolResult:
    """
    The answer to one tool call.

    Attributes:
        tool_call_id: The `ToolCall.id` it answers.
        result: Text for the model (v1 requires text; the newer API
            takes any JSON value).
    """

    tool_call_id: str
    result: Any


@attrs.frozen(kw_only=True)
class ToolCall:
    """
    One function the model wants run.

    Attributes:
        id: Unique id (v1 ``taskId``); the answer must repeat it.
        name: The function's name (v1 ``taskName``).
        arguments: The arguments object (v1 ``taskPayload``); ``None``
            when the event carries none.
        type: ``"function"`` (v1 events have no type).
    """

    id: str
    name: str
    arguments: Mapping[str, Any] | None = None
    type: str = "function"

    def result(self, value: Any) -> ToolResult:
        """
        Pair *value* with this call's id.

        Args:
            value: The result text (or, on the newer API, any JSON value).

        Returns:
            A [`ToolResult`][flireo_async.events.ToolResult] for
            `tool_call_results()`.
        """
        return ToolResult(tool_call_id=self.id, result=value)


@attrs.frozen(kw_only=True)
class Event:
    """
    What every event carries.

    Attributes:
        type: The event type (a plain string for an unknown one).
        format: The wire generation it came in.
        call_id: The call (v1 ``callId`` or ``callSession``, newer
            ``message.call.id``).
        timestamp: When it was sent, timezone-aware (v1 ``eventTime``
            or ``eventTimestamp`` in epoch ms, newer ISO ``timestamp``).
        from_caller: The caller's number (newer ``customer.number``).
        to_assistant: The number called (newer ``phoneNumber.number``).
        call: The newer envelope's ``call`` object.
        phone_number: The newer envelope's ``phoneNumber`` object.
        customer: The newer envelope's ``customer`` object.
        assistant: The newer envelope's optional ``assistant`` object.
        raw: The whole decoded body, for fields not modelled here (left
            out of ``==`` and ``repr``).

    ``==`` compares every field but ``raw``; ``hash()`` fails on events
    holding JSON objects (arguments, analysis), as it would on a dict.
    """

    type: EventType | str
    format: WireFormat
    call_id: str | None = None
    timestamp: datetime | None = None
    from_caller: str | None = None
    to_assistant: str | None = None
    call: Call | None = None
    phone_number: EventPhoneNumber | None = None
    customer: Customer | None = None
    assistant: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class AssistantRequestEvent(Event):
    """
    An inbound call needs its assistant configuration (answer within 5 s
    with `assistant_config()`, `default_assistant()` or
    `reject_call()`).
    """


@attrs.frozen(kw_only=True)
class ToolCallsEvent(Event):
    """
    The model wants functions run; answer every one with
    `tool_call_results()` (within 10 s on the newer API, 5 s on v1).

    Attributes:
        tool_calls: The calls, in event order (v1 ``tasksInitiated``,
            newer ``toolCallList``/``tool_call_list``).
        user_metadata: v1 ``userMetadata`` (undocumented type).
    """

    tool_calls: tuple[ToolCall, ...] = ()
    user_metadata: Any = None


@attrs.frozen(kw_only=True)
class EndOfCallReportEvent(Event):
    """
    A call has ended.

    Attributes:
        duration_seconds: Length of the call (v1 ``callLengthSeconds``,
            a float; newer ``durationSeconds``).
        summary: v1 ``summaryText``, newer ``summary``.
        transcript: v1 ``transcriptText`` as sent.
        turns: The transcript split into turns (v1 ``AI:`` and
            ``Gebruiker:`` lines, or the newer ``messages``).
        recordings: v1 ``recordings``.
        recording_url: Newer ``recording_url``.
        analysis: The structured analysis, when a plan is configured.
        end_reason: E.g. ``"user_hangup"``, ``"max_duration"``.
        started_at: When the call started (newer).
        ended_at: When it ended (newer).
    """

    duration_seconds: float | None = None
    summary: str | None = None
    transcript: str | None = None
    turns: tuple[Turn, ...] = ()
    recordings: Recordings | None = None
    recording_url: str | None = None
    analysis: Mapping[str, Any] | None = None
    end_reason: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@attrs.frozen(kw_only=True)
class StatusUpdateEvent(Event):
    """
    A call's status changed.

    Attributes:
        status: ``in-progress``, ``ended``, ``ended-with-debugging``
            (v1), ``ended-with-error`` (newer), or an unknown string.
        debugging_artifact: v1 ``"debugging-artifact"`` (kebab-case on
            the wire), the technical reason of ``ended-with-debugging``.
        error: Newer ``message.error`` of ``ended-with-error``.
        end_reason: Newer ``end_reason`` (e.g. ``customer-ended-call``).
    """

    status: CallStatus | str | None = None
    debugging_artifact: str | None = None
    error: str | None = None
    end_reason: str | None = None


@attrs.frozen(kw_only=True)
class UnknownEvent(Event):
    """
    An event of a type this version does not know (``type`` is the wire
    string, ``""`` when the body names none); read ``raw``.
    """


#: Every event `parse_event()` returns.
AnyEvent: TypeAlias = (
    AssistantRequestEvent
    | ToolCallsEvent
    | EndOfCallReportEvent
    | StatusUpdateEvent
    | UnknownEvent
)
