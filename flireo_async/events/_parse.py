"""
``parse_event``: raw webhook bytes to the right event model.

Two steps.  The converter reads the body into private wire classes (one
per generation, each field accepted in camelCase or snake_case, see
``_converter.either_case``), then plain code maps them onto the public
models, unifying what the generations name differently.  Unknown types
become [`UnknownEvent`][flireo_async.events.UnknownEvent] and unknown fields
are ignored; only a body
that is not a JSON object, or a documented field of the wrong shape,
raises [`EventParseError`][flireo_async.exceptions.EventParseError].
"""

from __future__ import annotations

import contextlib
import enum
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import orjson

from .._core._converter import WIRE_NAMES, either_case, structure
from ..exceptions import EventParseError, ResponseDecodeError
from ._models import (
    AnyEvent,
    AssistantRequestEvent,
    Call,
    CallStatus,
    CallType,
    Customer,
    EndOfCallReportEvent,
    EventPhoneNumber,
    EventType,
    Recordings,
    StatusUpdateEvent,
    ToolCall,
    ToolCallsEvent,
    UnknownEvent,
    WireFormat,
    message_turns,
    transcript_turns,
)
from ._signature import header_value, raw_body


__all__ = ["EventParseError", "parse_event"]

E = TypeVar("E", bound=enum.Enum)

# Epoch seconds or milliseconds as text: ASCII digits only (str.isdigit
# takes "²" and "١٢"), and few enough that int() stays cheap.
_EPOCH_DIGITS = re.compile(r"[0-9]{1,20}")


# --- wire classes -------------------------------------------------------


def _names(*keys: str) -> dict[str, tuple[str, ...]]:
    return {WIRE_NAMES: keys}


@either_case
@attrs.frozen(kw_only=True)
class _FlatTask:
    task_id: str
    task_name: str
    task_payload: Any = None


@either_case
@attrs.frozen(kw_only=True)
class _Flat:
    event_type: str | None = attrs.field(
        default=None, metadata=_names("eventType", "event_type", "type")
    )
    # status-update calls the call id callSession, the others callId.
    call_id: str | None = attrs.field(
        default=None,
        metadata=_names("callId", "callSession", "call_id", "call_session"),
    )
    event_time: Any = attrs.field(
        default=None,
        metadata=_names(
            "eventTime", "eventTimestamp", "event_time", "event_timestamp"
        ),
    )
    from_caller: str | None = None
    to_assistant: str | None = None
    tasks_initiated: tuple[_FlatTask, ...] | None = None
    user_metadata: Any = None
    transcript_text: str | None = None
    summary_text: str | None = None
    recordings: Recordings | None = None
    call_length_seconds: float | None = None
    status: CallStatus | str | None = None
    debugging_artifact: str | None = attrs.field(
        default=None,
        metadata=_names(
            "debugging-artifact", "debuggingArtifact", "debugging_artifact"
        ),
    )


@either_case
@attrs.frozen(kw_only=True)
class _Function:
    name: str
    arguments: Any = None


@either_case
@attrs.frozen(kw_only=True)
class _ToolCall:
    id: str
    type: str | None = None
    function: _Function


@either_case
@attrs.frozen(kw_only=True)
class _Utterance:
    role: str | None = None
    content: str | None = attrs.field(
        default=None, metadata=_names("content", "message", "text")
    )


@either_case
@attrs.frozen(kw_only=True)
class _Message:
    type: str | None = None
    timestamp: Any = None
    call: Call | None = None
    call_id: str | None = None
    phone_number: EventPhoneNumber | None = None
    customer: Customer | None = None
    assistant: Any = None
    tool_call_list: tuple[_ToolCall, ...] | None = None
    status: CallStatus | str | None = None
    error: Any = None
    end_reason: str | None = None
    duration_seconds: float | None = None
    summary: str | None = None
    transcript: str | None = None
    analysis: Any = None
    messages: tuple[_Utterance, ...] | None = None
    recording_url: str | None = None
    started_at: Any = None
    ended_at: Any = None


# --- value helpers ------------------------------------------------------


def _open(enum_cls: type[E], value: str) -> E | str:
    try:
        return enum_cls(value)
    except ValueError:
        return value


def _when(value: Any, field: str) -> datetime | None:
    # v1 sends epoch milliseconds, the envelope ISO 8601, the headers
    # epoch seconds; anything numeric past 1e11 cannot be seconds (that
    # is the year 5138), so it is read as milliseconds.
    if value is None:
        return None
    try:
        if isinstance(value, str) and _EPOCH_DIGITS.fullmatch(value.strip()):
            value = int(value.strip())
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if abs(value) >= 1e11 else value
            return datetime.fromtimestamp(seconds, UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC)
            # Out-of-range offsets parse, then fail every comparison.
            parsed.astimezone(UTC)
            return parsed
    except (ValueError, OverflowError, OSError):
        pass
    msg = "not a timestamp"
    raise EventParseError(msg, (f"{msg} @ $.{field}",))


def _arguments(value: Any, field: str) -> Mapping[str, Any] | None:
    # Documented as an object; some senders JSON-encode arguments the
    # way OpenAI does, which is unambiguous enough to accept.
    if isinstance(value, str):
        with contextlib.suppress(orjson.JSONDecodeError):
            value = orjson.loads(value)
    if value is None or isinstance(value, dict):
        return value
    msg = "arguments are not an object"
    raise EventParseError(msg, (f"{msg} @ $.{field}",))


def _object(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, dict) else None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _call_type(value: CallType | str | None) -> CallType | str | None:
    if value is None or isinstance(value, CallType):
        return value
    return _open(CallType, _CAMEL_HUMP.sub("_", value).lower())


def _sent_at(headers: Mapping[str, str] | None) -> datetime | None:
    # Only a fallback for a body without a time: a malformed header is
    # the signature check's business, not a reason to reject the event.
    try:
        return _when(header_value(headers, "X-Webhook-Timestamp"), "header")
    except EventParseError:
        return None


# --- the two generations ------------------------------------------------


def _wire(data: Any, cls: type[Any]) -> Any:
    try:
        return structure(data, cls)
    except ResponseDecodeError as exc:
        msg = "the event does not fit its documented shape"
        raise EventParseError(msg, exc.errors) from None


def _from_flat(
    data: dict[str, Any], header_type: str | None, sent_at: datetime | None
) -> AnyEvent:
    flat: _Flat = _wire(data, _Flat)
    kind = _open(EventType, flat.event_type or header_type or "")
    common: dict[str, Any] = {
        "type": kind,
        "format": WireFormat.FLAT,
        "call_id": flat.call_id,
        "timestamp": _when(flat.event_time, "eventTime") or sent_at,
        "from_caller": flat.from_caller,
        "to_assistant": flat.to_assistant,
        "raw": data,
    }
    if kind is EventType.ASSISTANT_REQUEST:
        return AssistantRequestEvent(**common)
    if kind is EventType.TOOL_CALLS:
        calls = tuple(
            ToolCall(
                id=task.task_id,
                name=task.task_name,
                arguments=_arguments(
                    task.task_payload, f"tasksInitiated[{i}].taskPayload"
                ),
            )
            for i, task in enumerate(flat.tasks_initiated or ())
        )
        return ToolCallsEvent(
            **common, tool_calls=calls, user_metadata=flat.user_metadata
        )
    if kind is EventType.END_OF_CALL_REPORT:
        return EndOfCallReportEvent(
            **common,
            duration_seconds=flat.call_length_seconds,
            summary=flat.summary_text,
            transcript=flat.transcript_text,
            turns=transcript_turns(flat.transcript_text),
            recordings=flat.recordings,
        )
    if kind is EventType.STATUS_UPDATE:
        return StatusUpdateEvent(
            **common,
            status=flat.status,
            debugging_artifact=flat.debugging_artifact,
        )
    return UnknownEvent(**common)


def _from_message(
    data: dict[str, Any],
    message: dict[str, Any],
    header_type: str | None,
    sent_at: datetime | None,
) -> AnyEvent:
    m: _Message = _wire(message, _Message)
    kind = _open(EventType, m.type or header_type or "")
    call = (
        attrs.evolve(m.call, type=_call_type(m.call.type)) if m.call else None
    )
    number = m.phone_number
    customer = m.customer
    common: dict[str, Any] = {
        "type": kind,
        "format": WireFormat.MESSAGE,
        "call_id": (call.id if call else None) or m.call_id,
        "timestamp": _when(m.timestamp, "message.timestamp") or sent_at,
        "from_caller": customer.number if customer else None,
        "to_assistant": number.number if number else None,
        "call": call,
        "phone_number": number,
        "customer": customer,
        "assistant": _object(m.assistant),
        "raw": data,
    }
    if kind is EventType.ASSISTANT_REQUEST:
        return AssistantRequestEvent(**common)
    if kind is EventType.TOOL_CALLS:
        calls = tuple(
            ToolCall(
                id=t.id,
                name=t.function.name,
                arguments=_arguments(
                    t.function.arguments,
                    f"message.toolCallList[{i}].function.arguments",
                ),
                type=t.type or "function",
            )
            for i, t in enumerate(m.tool_call_list or ())
        )
        return ToolCallsEvent(**common, tool_calls=calls)
    if kind is EventType.END_OF_CALL_REPORT:
        return EndOfCallReportEvent(
            **common,
            duration_seconds=m.duration_seconds,
            summary=m.summary,
            transcript=m.transcript,
            turns=message_turns((u.role, u.content) for u in m.messages or ())
            or transcript_turns(m.transcript),
            recording_url=m.recording_url,
            analysis=_object(m.analysis),
            end_reason=m.end_reason,
            started_at=_when(m.started_at, "message.started_at"),
            ended_at=_when(m.ended_at, "message.ended_at"),
        )
    if kind is EventType.STATUS_UPDATE:
        return StatusUpdateEvent(
            **common,
            status=(call.status if call else None) or m.status,
            error=_text(m.error),
            end_reason=m.end_reason,
        )
    return UnknownEvent(**common)


def parse_event(
    body: bytes | bytearray | memoryview,
    headers: Mapping[str, str] | None = None,
) -> AnyEvent:
    """
    Parse a webhook body into the model of its event type.

    Verify the signature first (`verify_signature()`) when the
    webhook is signed: it works on these same raw bytes.

    Args:
        body: The raw request body.
        headers: The request headers, if at hand; ``X-Webhook-Event``
            and ``X-Webhook-Timestamp`` fill in a type or time the body
            lacks.

    Returns:
        An
        [`AssistantRequestEvent`][flireo_async.events.AssistantRequestEvent],
        [`ToolCallsEvent`][flireo_async.events.ToolCallsEvent],
        [`EndOfCallReportEvent`][flireo_async.events.EndOfCallReportEvent],
        [`StatusUpdateEvent`][flireo_async.events.StatusUpdateEvent], or an
        [`UnknownEvent`][flireo_async.events.UnknownEvent] for a type this
        version does not know.

    Raises:
        EventParseError: The body is not a JSON object, or a documented
            field has the wrong shape (a tool call without an id, say).
        TypeError: *body* is not bytes, or *headers* not a mapping.

    Example:
        ```python
        event = parse_event(await request.read(), request.headers)
        if isinstance(event, ToolCallsEvent):
            ...
        ```
    """
    try:
        data = orjson.loads(raw_body(body))
    except orjson.JSONDecodeError:
        msg = "the body is not JSON"
        raise EventParseError(msg) from None
    if not isinstance(data, dict):
        msg = "the body is not a JSON object"
        raise EventParseError(msg)
    header_type = header_value(headers, "X-Webhook-Event")
    sent_at = _sent_at(headers)
    message = data.get("message")
    if isinstance(message, dict):
        return _from_message(data, message, header_type, sent_at)
    return _from_flat(data, header_type, sent_at)
