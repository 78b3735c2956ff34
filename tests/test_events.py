"""Event models, parse_event and the answer builders, on the spec's bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import orjson
import pytest

from flireo_async import FlireoError, ValidationError
from flireo_async.events import (
    AssistantRequestEvent,
    Call,
    CallStatus,
    CallType,
    Customer,
    EndOfCallReportEvent,
    EventParseError,
    EventPhoneNumber,
    EventType,
    Recordings,
    Role,
    StatusUpdateEvent,
    ToolCall,
    ToolCallsEvent,
    ToolResult,
    Turn,
    UnknownEvent,
    WireFormat,
    acknowledge,
    assistant_config,
    default_assistant,
    message_turns,
    parse_event,
    reject_call,
    tool_call_error,
    tool_call_results,
    transcript_turns,
)


# --- recorded bodies: spec/flireo-api.md §5 (v1, flat) --------------------

ASSISTANT_REQUEST_V1 = b"""
{ "eventType": "assistant-request", "fromCaller": "+31601234567",
  "toAssistant": "+31850123456" }
"""

TOOL_CALLS_V1 = b"""
{
  "eventTime": 1756278882619,
  "callId": "875573b5-4458-45be-bac2-4d2b869f8297",
  "eventType": "tool-calls",
  "fromCaller": "+31601234567",
  "toAssistant": "+31850123456",
  "tasksInitiated": [
    {
      "taskId": "call_kLsrB3eFvT6bvo67BqTv7iXc",
      "taskName": "send_task",
      "taskPayload": { "message": "Bericht voor het team: Jonas wil graag teruggebeld worden op telefoonnummer 06 01 23 45 67." }
    }
  ],
  "userMetadata": null
}
"""  # noqa: E501

# §5.6: a task without taskPayload.
ASK_EMAIL_TASK = {
    "taskId": "call_kLsrD3eFvY6bko67BqTb7iXc",
    "taskName": "ask_email",
}

END_OF_CALL_REPORT_V1 = b"""
{
  "eventTimestamp": 1756294820944,
  "eventType": "end-of-call-report",
  "callId": "cc1abf4a-d005-44a8-825f-702334e8d4c8",
  "fromCaller": "+31623731537",
  "toAssistant": "+31850835003",
  "transcriptText": "AI: Goedemiddag, met Julia van Voorbeeld Bedrijf, hoe kan ik u vandaag helpen?\\nGebruiker: ...",
  "summaryText": "Dit gesprek was een professionele introductie ...",
  "recordings": { "linkStereo": "https://vapqsrlwmlidfqoenpcw.supabase.co/storage/v1/object/sign/recordings/example.mp3?token=EXAMPLE_TOKEN" },
  "callLengthSeconds": 132.5
}
"""  # noqa: E501

STATUS_UPDATE_V1 = b"""
{ "eventTimestamp": 1756368117035, "eventType": "status-update",
  "callSession": "d0132d99-a7a4-4826-ad7b-72fee9f6f61f",
  "fromCaller": "+31612345678", "toAssistant": "+31850123456",
  "status": "in-progress" }
"""

# --- recorded bodies: spec §6.6 (newer envelope) ----------------------------

STATUS_UPDATE_CAMEL = b"""
{ "message": { "type": "status-update", "timestamp": "2025-12-13T12:00:00.000Z",
  "call": { "id": "5c4d030f-43e3-4e65-899e-8148521e660f", "type": "inboundPhoneCall", "status": "in-progress" },
  "phoneNumber": { "number": "+31850835037", "name": "Flireo Demo" },
  "customer": { "number": "+31612345678" } } }
"""  # noqa: E501

STATUS_UPDATE_SNAKE = b"""
{ "message": { "type": "status-update", "timestamp": "2025-12-13T12:00:00.000Z",
  "call": { "id": "5c4d030f-43e3-4e65-899e-8148521e660f", "type": "inbound_phone_call", "status": "in-progress" },
  "phone_number": { "number": "+31850835037", "name": "Flireo Demo" },
  "customer": { "number": "+31612345678" } } }
"""  # noqa: E501

TOOL_CALL_ITEM = {
    "id": "tool_abc123def456",
    "type": "function",
    "function": {
        "name": "lookup_contact",
        "arguments": {"query": "Jan de Vries"},
    },
}

CALL_ID = "5c4d030f-43e3-4e65-899e-8148521e660f"
WHEN = datetime(2025, 12, 13, 12, 0, tzinfo=UTC)


def _envelope(**message: Any) -> bytes:
    base: dict[str, Any] = {
        "timestamp": "2025-12-13T12:00:00.000Z",
        "call": {"id": CALL_ID, "type": "inboundPhoneCall"},
    }
    return orjson.dumps({"message": base | message})


def _flat(**fields: Any) -> bytes:
    return orjson.dumps(fields)


# --- v1 events ----------------------------------------------------------


def test_v1_assistant_request_parses() -> None:
    """The §5.2 payload is an AssistantRequestEvent with both numbers."""
    expected = AssistantRequestEvent(
        type=EventType.ASSISTANT_REQUEST,
        format=WireFormat.FLAT,
        from_caller="+31601234567",
        to_assistant="+31850123456",
    )
    assert expected == parse_event(ASSISTANT_REQUEST_V1)


def test_v1_tool_calls_parses() -> None:
    """The §5.3 payload: call id, ms timestamp and the task's payload."""
    expected = ToolCallsEvent(
        type=EventType.TOOL_CALLS,
        format=WireFormat.FLAT,
        call_id="875573b5-4458-45be-bac2-4d2b869f8297",
        timestamp=datetime(2025, 8, 27, 7, 14, 42, 619000, tzinfo=UTC),
        from_caller="+31601234567",
        to_assistant="+31850123456",
        tool_calls=(
            ToolCall(
                id="call_kLsrB3eFvT6bvo67BqTv7iXc",
                name="send_task",
                arguments={
                    "message": "Bericht voor het team: Jonas wil graag "
                    "teruggebeld worden op telefoonnummer 06 01 23 45 67."
                },
            ),
        ),
        user_metadata=None,
    )
    assert expected == parse_event(TOOL_CALLS_V1)


def test_v1_tool_calls_with_several_tasks_and_no_payload() -> None:
    """Tasks keep their order; one without taskPayload has no arguments."""
    body = orjson.loads(TOOL_CALLS_V1)
    body["tasksInitiated"].append(ASK_EMAIL_TASK)
    event = parse_event(orjson.dumps(body))
    assert isinstance(event, ToolCallsEvent)
    expected = [
        ("call_kLsrB3eFvT6bvo67BqTv7iXc", "send_task", True),
        ("call_kLsrD3eFvY6bko67BqTb7iXc", "ask_email", False),
    ]
    assert expected == [
        (c.id, c.name, c.arguments is not None) for c in event.tool_calls
    ]


def test_v1_end_of_call_report_parses() -> None:
    """The §5.4 payload: float length, recordings, transcript turns."""
    expected = EndOfCallReportEvent(
        type=EventType.END_OF_CALL_REPORT,
        format=WireFormat.FLAT,
        call_id="cc1abf4a-d005-44a8-825f-702334e8d4c8",
        timestamp=datetime(2025, 8, 27, 11, 40, 20, 944000, tzinfo=UTC),
        from_caller="+31623731537",
        to_assistant="+31850835003",
        duration_seconds=132.5,
        summary="Dit gesprek was een professionele introductie ...",
        transcript="AI: Goedemiddag, met Julia van Voorbeeld Bedrijf, hoe "
        "kan ik u vandaag helpen?\nGebruiker: ...",
        turns=(
            Turn(
                role=Role.ASSISTANT,
                text="Goedemiddag, met Julia van Voorbeeld Bedrijf, hoe kan "
                "ik u vandaag helpen?",
            ),
            Turn(role=Role.USER, text="..."),
        ),
        recordings=Recordings(
            link_stereo="https://vapqsrlwmlidfqoenpcw.supabase.co/storage/v1/"
            "object/sign/recordings/example.mp3?token=EXAMPLE_TOKEN"
        ),
    )
    assert expected == parse_event(END_OF_CALL_REPORT_V1)


def test_v1_call_length_is_a_float_even_when_whole() -> None:
    """callLengthSeconds 132 arrives as the float 132.0."""
    event = parse_event(
        _flat(eventType="end-of-call-report", callLengthSeconds=132)
    )
    assert isinstance(event, EndOfCallReportEvent)
    assert (float, 132.0) == (type(event.duration_seconds), 132.0)


def test_v1_status_update_uses_call_session_as_call_id() -> None:
    """The §5.5 payload: callSession becomes call_id."""
    expected = StatusUpdateEvent(
        type=EventType.STATUS_UPDATE,
        format=WireFormat.FLAT,
        call_id="d0132d99-a7a4-4826-ad7b-72fee9f6f61f",
        timestamp=datetime(2025, 8, 28, 8, 1, 57, 35000, tzinfo=UTC),
        from_caller="+31612345678",
        to_assistant="+31850123456",
        status=CallStatus.IN_PROGRESS,
    )
    assert expected == parse_event(STATUS_UPDATE_V1)


def test_v1_status_update_ended_is_read() -> None:
    """A normal end is CallStatus.ENDED."""
    event = parse_event(_flat(eventType="status-update", status="ended"))
    assert isinstance(event, StatusUpdateEvent)
    assert CallStatus.ENDED == event.status


def test_v1_ended_with_debugging_reads_the_kebab_case_artifact() -> None:
    """The §5.5 error example keeps its "debugging-artifact"."""
    body = _flat(
        eventType="status-update",
        callSession="d0132d99",
        status="ended-with-debugging",
        **{
            "debugging-artifact": "Couldn't Get Assistant. Assistant "
            "Request Did Not Return One."
        },
    )
    event = parse_event(body)
    assert isinstance(event, StatusUpdateEvent)
    assert (
        CallStatus.ENDED_WITH_DEBUGGING,
        "Couldn't Get Assistant. Assistant Request Did Not Return One.",
    ) == (event.status, event.debugging_artifact)


# --- newer envelope ------------------------------------------------------


def test_envelope_status_update_camel_case_parses() -> None:
    """The §6.6 camelCase envelope maps onto the unified fields."""
    expected = StatusUpdateEvent(
        type=EventType.STATUS_UPDATE,
        format=WireFormat.MESSAGE,
        call_id=CALL_ID,
        timestamp=WHEN,
        from_caller="+31612345678",
        to_assistant="+31850835037",
        call=Call(
            id=CALL_ID,
            type=CallType.INBOUND_PHONE_CALL,
            status=CallStatus.IN_PROGRESS,
        ),
        phone_number=EventPhoneNumber(
            number="+31850835037", name="Flireo Demo"
        ),
        customer=Customer(number="+31612345678"),
        status=CallStatus.IN_PROGRESS,
    )
    assert expected == parse_event(STATUS_UPDATE_CAMEL)


def test_envelope_snake_case_equals_camel_case() -> None:
    """The snake_case variant parses to the same event."""
    assert parse_event(STATUS_UPDATE_CAMEL) == parse_event(STATUS_UPDATE_SNAKE)


def test_envelope_ended_with_error_carries_the_error() -> None:
    """ended-with-error adds message.error and end_reason."""
    body = _envelope(
        type="status-update",
        call={"id": CALL_ID, "status": "ended-with-error"},
        error="STT connection failed",
        end_reason="pipeline-error",
    )
    event = parse_event(body)
    assert isinstance(event, StatusUpdateEvent)
    assert (
        CallStatus.ENDED_WITH_ERROR,
        "STT connection failed",
        "pipeline-error",
    ) == (event.status, event.error, event.end_reason)


def test_envelope_status_falls_back_to_message_status() -> None:
    """A status on the message itself is used when call has none."""
    event = parse_event(
        _envelope(type="status-update", status="ended", error={"code": 1})
    )
    assert isinstance(event, StatusUpdateEvent)
    assert (CallStatus.ENDED, '{"code":1}') == (event.status, event.error)


@pytest.mark.parametrize("key", ["toolCallList", "tool_call_list"])
def test_envelope_tool_calls_parse_in_both_casings(key: str) -> None:
    """toolCallList and tool_call_list give the same tool calls."""
    event = parse_event(
        _envelope(type="tool-calls", **{key: [TOOL_CALL_ITEM]})
    )
    expected = (
        ToolCall(
            id="tool_abc123def456",
            name="lookup_contact",
            arguments={"query": "Jan de Vries"},
        ),
    )
    assert isinstance(event, ToolCallsEvent)
    assert expected == event.tool_calls


def test_envelope_tool_call_arguments_as_json_text_are_decoded() -> None:
    """Arguments sent as a JSON string are read as the object."""
    item = TOOL_CALL_ITEM | {
        "function": {"name": "f", "arguments": '{"a": 1}'}
    }
    event = parse_event(_envelope(type="tool-calls", toolCallList=[item]))
    assert isinstance(event, ToolCallsEvent)
    assert {"a": 1} == event.tool_calls[0].arguments


def test_envelope_end_of_call_report_camel_case() -> None:
    """durationSeconds, summary and analysis of the reference docs."""
    analysis = {
        "sentiment": 8,
        "hoofdonderwerp": "Afspraak maken",
        "vraag_beantwoord": True,
        "gesprek_kwaliteit": "Goed",
    }
    event = parse_event(
        _envelope(
            type="end-of-call-report",
            durationSeconds=95,
            summary="Afspraak gemaakt.",
            analysis=analysis,
        )
    )
    assert isinstance(event, EndOfCallReportEvent)
    assert (95.0, "Afspraak gemaakt.", analysis) == (
        event.duration_seconds,
        event.summary,
        event.analysis,
    )


def test_envelope_end_of_call_report_snake_case_sdk_extras() -> None:
    """The SDK's messages, recording_url, end_reason and times are read."""
    event = parse_event(
        _envelope(
            type="end-of-call-report",
            duration_seconds=60,
            summary="Kort gesprek.",
            messages=[
                {"role": "assistant", "content": "Hallo!"},
                {"role": "user", "content": "Hoi."},
                {"role": "tool", "content": "{}"},
            ],
            recording_url="https://rec.example/1.mp3",
            end_reason="user_hangup",
            started_at="2025-12-13T12:00:00Z",
            ended_at="2025-12-13T12:01:00Z",
        )
    )
    expected_turns = (
        Turn(role=Role.ASSISTANT, text="Hallo!"),
        Turn(role=Role.USER, text="Hoi."),
        Turn(role="tool", text="{}"),
    )
    assert isinstance(event, EndOfCallReportEvent)
    assert (
        60.0,
        expected_turns,
        "https://rec.example/1.mp3",
        "user_hangup",
        WHEN,
        datetime(2025, 12, 13, 12, 1, tzinfo=UTC),
    ) == (
        event.duration_seconds,
        event.turns,
        event.recording_url,
        event.end_reason,
        event.started_at,
        event.ended_at,
    )


def test_envelope_report_falls_back_to_transcript_text() -> None:
    """Without messages, a transcript string is split into turns."""
    event = parse_event(
        _envelope(type="end-of-call-report", transcript="AI: Hoi\nUser: Ja")
    )
    assert isinstance(event, EndOfCallReportEvent)
    expected = (
        Turn(role=Role.ASSISTANT, text="Hoi"),
        Turn(role=Role.USER, text="Ja"),
    )
    assert expected == event.turns


def test_envelope_assistant_request_with_assistant_and_web_call() -> None:
    """A web call has null numbers; the optional assistant is kept."""
    event = parse_event(
        _envelope(
            type="assistant-request",
            call={"id": "call-_+31612345678_abc123", "type": "webCall"},
            phone_number=None,
            customer={"number": None},
            assistant={"id": "a1"},
        )
    )
    expected = AssistantRequestEvent(
        type=EventType.ASSISTANT_REQUEST,
        format=WireFormat.MESSAGE,
        call_id="call-_+31612345678_abc123",
        timestamp=WHEN,
        call=Call(id="call-_+31612345678_abc123", type=CallType.WEB_CALL),
        customer=Customer(number=None),
        assistant={"id": "a1"},
    )
    assert expected == event


def test_envelope_phone_number_id_and_pipeline_are_read() -> None:
    """The newest SDK's phone_number.id and call.pipeline survive."""
    event = parse_event(
        _envelope(
            type="status-update",
            call={"id": CALL_ID, "pipeline": "standard"},
            phone_number={"id": "n1", "number": "+31850835037"},
        )
    )
    assert (
        EventPhoneNumber(id="n1", number="+31850835037"),
        "standard",
    ) == (event.phone_number, event.call.pipeline if event.call else None)


# --- tolerance ------------------------------------------------------------


def test_unknown_event_type_is_an_unknown_event() -> None:
    """A type this version does not know is kept, never an error."""
    event = parse_event(
        _envelope(type="transcript-update", transcript="AI: hoi", extra=1)
    )
    assert isinstance(event, UnknownEvent)
    assert ("transcript-update", CALL_ID, 1) == (
        event.type,
        event.call_id,
        event.raw["message"]["extra"],
    )


def test_unknown_v1_event_type_is_an_unknown_event() -> None:
    """A flat event of an unknown type keeps its common fields."""
    event = parse_event(_flat(eventType="speech-update", callId="c1"))
    assert isinstance(event, UnknownEvent)
    assert ("speech-update", WireFormat.FLAT, "c1") == (
        event.type,
        event.format,
        event.call_id,
    )


def test_object_without_a_type_is_an_unknown_event() -> None:
    """A JSON object naming no type is an UnknownEvent with type ""."""
    event = parse_event(b'{"hello": "world"}')
    assert isinstance(event, UnknownEvent)
    assert ("", {"hello": "world"}) == (event.type, event.raw)


def test_unknown_fields_are_ignored() -> None:
    """Fields the docs do not name do not change the parsed event."""
    body = orjson.loads(TOOL_CALLS_V1)
    body["brandNew"] = {"nested": [1, 2]}
    body["tasksInitiated"][0]["taskPriority"] = "high"
    assert parse_event(TOOL_CALLS_V1) == parse_event(orjson.dumps(body))


def test_unknown_status_and_call_type_stay_strings() -> None:
    """Open enums: unknown values are kept as (snake_case) strings."""
    event = parse_event(
        _envelope(
            type="status-update",
            call={"id": "c", "type": "sipTrunkCall", "status": "ringing"},
        )
    )
    assert isinstance(event, StatusUpdateEvent)
    assert ("sip_trunk_call", "ringing") == (
        event.call.type if event.call else None,
        event.status,
    )


def test_headers_fill_in_type_and_time() -> None:
    """X-Webhook-Event and X-Webhook-Timestamp fill what the body lacks."""
    headers = {
        "x-webhook-event": "status-update",
        "X-Webhook-Timestamp": "1765627200",
    }
    event = parse_event(b'{"message": {"call": {"id": "c"}}}', headers)
    assert isinstance(event, StatusUpdateEvent)
    assert WHEN == event.timestamp


def test_a_malformed_timestamp_header_is_ignored() -> None:
    """The header is only a fallback; junk in it does not reject."""
    event = parse_event(ASSISTANT_REQUEST_V1, {"X-Webhook-Timestamp": "soon"})
    assert None is event.timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1765627200000, WHEN),
        (1765627200, WHEN),
        ("1765627200000", WHEN),
        ("2025-12-13T12:00:00", WHEN),
        ("2025-12-13T13:00:00+01:00", WHEN),
    ],
)
def test_timestamps_in_ms_seconds_and_iso_are_unified(
    value: object, expected: datetime
) -> None:
    """Epoch ms, epoch seconds and ISO 8601 all become aware UTC times."""
    event = parse_event(_flat(eventType="status-update", eventTime=value))
    assert expected == event.timestamp


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'"tool-calls"',
        b'{"eventType": "tool-calls", "tasksInitiated": [{"taskName": "x"}]}',
        b'{"eventType": "tool-calls", "tasksInitiated": "x"}',
        b'{"eventType": "tool-calls", "tasksInitiated": '
        b'[{"taskId": "t", "taskName": "x", "taskPayload": [1]}]}',
        b'{"eventType": "end-of-call-report", "callLengthSeconds": "132.5"}',
        b'{"eventType": "status-update", "eventTime": true}',
        b'{"eventType": "status-update", "eventTime": "yesterday"}',
        b'{"message": {"type": "tool-calls", "toolCallList": [{"id": "t"}]}}',
        b'{"message": {"type": "status-update", "call": "c1"}}',
    ],
)
def test_malformed_bodies_raise_event_parse_error(body: bytes) -> None:
    """Non-JSON, non-objects and wrongly shaped documented fields raise."""
    with pytest.raises(EventParseError) as caught:
        parse_event(body)
    assert isinstance(caught.value, FlireoError)


def test_parse_error_names_the_path() -> None:
    """The error lists where the shape broke."""
    with pytest.raises(EventParseError) as caught:
        parse_event(
            b'{"eventType": "tool-calls", "tasksInitiated": [{"taskName": 1}]}'
        )
    assert any("tasks_initiated" in e for e in caught.value.errors)


def test_parse_accepts_bytearray_and_memoryview() -> None:
    """Any bytes-like body parses the same."""
    expected = parse_event(ASSISTANT_REQUEST_V1)
    assert [expected, expected] == [
        parse_event(bytearray(ASSISTANT_REQUEST_V1)),
        parse_event(memoryview(ASSISTANT_REQUEST_V1)),
    ]


def test_events_are_frozen_and_raw_is_not_in_repr() -> None:
    """Models cannot be changed; repr leaves the raw body out."""
    event = parse_event(TOOL_CALLS_V1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.call_id = "other"  # type: ignore[misc]
    assert "raw=" not in repr(event)


# --- transcripts ----------------------------------------------------------


def test_transcript_turns_keep_colons_and_continuation_lines() -> None:
    """Only known labels start turns; other lines continue the last one."""
    text = (
        "Welkom\nAI: Wanneer?\nGebruiker: Om 14:00\nTijd: liefst vroeg\n\n"
        "Assistant: Prima."
    )
    expected = (
        Turn(role=Role.UNKNOWN, text="Welkom"),
        Turn(role=Role.ASSISTANT, text="Wanneer?"),
        Turn(role=Role.USER, text="Om 14:00\nTijd: liefst vroeg"),
        Turn(role=Role.ASSISTANT, text="Prima."),
    )
    assert expected == transcript_turns(text)


def test_message_turns_map_roles() -> None:
    """Known roles map to Role, unknown stay strings, none is UNKNOWN."""
    expected = (
        Turn(role=Role.ASSISTANT, text="a"),
        Turn(role="system", text="b"),
        Turn(role=Role.UNKNOWN, text=""),
    )
    assert expected == message_turns(
        [("bot", "a"), ("system", "b"), (None, None)]
    )


# --- answers --------------------------------------------------------------

# §5.2's answer with its `{ ... }` and `[ ... ]` placeholders left empty.
ASSISTANT_ANSWER_V1 = b"""
{
  "assistant": {
    "firstMessage": "Goedemorgen, met Julia van Voorbeeld Bedrijf. Hoe kan ik je helpen?",
    "endCallMessage": "Bedankt voor het bellen, tot ziens.",
    "voicemailMessage": "Hallo, dit is Julia. Zou je een momentje kunnen vinden om mij terug te bellen? Heel erg bedankt!",
    "analysisPlan": { "summaryPlan": {}, "structuredDataPlan": {}, "minMessagesThreshold": 10, "successEvaluationPlan": {} },
    "messagePlan": {},
    "firstMessageInterruptionsEnabled": false,
    "firstMessageMode": "assistant-speaks-first",
    "maxDurationSeconds": 600,
    "backgroundSound": "off",
    "endCallPhrases": [],
    "compliancePlan": {},
    "startSpeakingPlan": {},
    "stopSpeakingPlan": {},
    "keypadInputPlan": {},
    "transcriber": {},
    "model": { "model": "gpt-4.1-mini", "tools": [], "messages": [], "provider": "openai", "maxTokens": 150, "temperature": 0.3, "emotionRecognitionEnabled": false },
    "voice": { "model": "eleven_flash_v2_5", "voiceId": "ukiwGs47sHyibruHJ1vg", "provider": "11labs", "stability": 0.5, "similarityBoost": 0.6, "useSpeakerBoost": true, "inputPunctuationBoundaries": [".", "!", "?"] }
  }
}
"""  # noqa: E501


def test_assistant_config_produces_the_v1_answer() -> None:
    """The full v1 configuration is wrapped exactly as documented."""
    documented = orjson.loads(ASSISTANT_ANSWER_V1)
    assert documented == assistant_config(documented["assistant"])


@pytest.mark.parametrize(
    ("answer", "documented"),
    [
        (default_assistant(), {}),
        (assistant_config(), {}),
        (
            assistant_config({"firstMessage": "..."}),
            {"assistant": {"firstMessage": "..."}},
        ),
        (
            assistant_config({"llm_config": {"model": "gpt-4.1-mini"}}),
            {"assistant": {"llm_config": {"model": "gpt-4.1-mini"}}},
        ),
        (
            assistant_config({"first_message": "Hello!"}),
            {"assistant": {"first_message": "Hello!"}},
        ),
        (
            assistant_config(max_duration_seconds=300),
            {"maxDurationSeconds": 300},
        ),
        (
            assistant_config(
                {
                    "analysisPlan": {
                        "structuredDataPlan": {
                            "enabled": True,
                            "schema": {},
                            "messages": [],
                        },
                        "minMessagesThreshold": 2,
                    }
                }
            ),
            {
                "assistant": {
                    "analysisPlan": {
                        "structuredDataPlan": {
                            "enabled": True,
                            "schema": {},
                            "messages": [],
                        },
                        "minMessagesThreshold": 2,
                    }
                }
            },
        ),
        (reject_call("<text>"), {"error": "<text>"}),
    ],
)
def test_assistant_request_answers_match_the_newer_docs(
    answer: dict[str, Any], documented: dict[str, Any]
) -> None:
    """Each §6.6 assistant-request answer form is produced exactly."""
    assert documented == answer


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: assistant_config(["not", "a", "mapping"]), "assistant"),
        (
            lambda: assistant_config(max_duration_seconds=0),
            "max_duration_seconds",
        ),
        (
            lambda: assistant_config(max_duration_seconds=True),
            "max_duration_seconds",
        ),
        (lambda: reject_call("  "), "message"),
        (lambda: tool_call_error(""), "message"),
    ],
)
def test_answer_builders_validate(call: Any, field: str) -> None:
    """Bad builder input is a ValidationError naming the field."""
    with pytest.raises(ValidationError) as caught:
        call()
    assert field == caught.value.field


def _tool_calls(*ids: str, flat: bool = True) -> ToolCallsEvent:
    return ToolCallsEvent(
        type=EventType.TOOL_CALLS,
        format=WireFormat.FLAT if flat else WireFormat.MESSAGE,
        tool_calls=tuple(ToolCall(id=i, name="f") for i in ids),
    )


def test_tool_call_results_match_the_single_result_example() -> None:
    """The §5.3 answer, from the §5.3 event."""
    event = parse_event(TOOL_CALLS_V1)
    assert isinstance(event, ToolCallsEvent)
    documented = orjson.loads(
        b'{ "results": [ { "toolCallId": "call_kLsrB3eFvT6bvo67BqTv7iXc", '
        b'"result": "Bericht succesvol ontvangen, het team zal Jonas '
        b'terugbellen." } ] }'
    )
    answer = tool_call_results(
        event,
        [
            event.tool_calls[0].result(
                "Bericht succesvol ontvangen, het team zal Jonas terugbellen."
            )
        ],
    )
    assert documented == answer


def test_tool_call_results_match_the_multiple_result_example() -> None:
    """The §5.3 multiple-result answer, in event order from a mapping."""
    documented = orjson.loads(b"""{ "results": [
      { "toolCallId": "call_abc123", "result": "Slot found: 2025-09-01 14:00" },
      { "toolCallId": "call_def456", "result": "Email sent to jonas@example.com" }
    ] }""")  # noqa: E501
    answer = tool_call_results(
        _tool_calls("call_abc123", "call_def456"),
        {
            "call_def456": "Email sent to jonas@example.com",
            "call_abc123": "Slot found: 2025-09-01 14:00",
        },
    )
    assert documented == answer


def test_newer_tool_results_may_be_any_json() -> None:
    """The newer API takes any JSON value as a result."""
    answer = tool_call_results(
        _tool_calls("tool_abc123def456", flat=False),
        [ToolResult(tool_call_id="tool_abc123def456", result={"found": 1})],
    )
    expected = {
        "results": [
            {"toolCallId": "tool_abc123def456", "result": {"found": 1}}
        ]
    }
    assert expected == answer


@pytest.mark.parametrize(
    ("results", "needle"),
    [
        ({"a": "x"}, "no result for tool call(s) 'b'"),
        ({"a": "x", "b": "y", "c": "z"}, "no tool call 'c'"),
        (
            [
                ToolResult(tool_call_id="a", result="x"),
                ToolResult(tool_call_id="a", result="y"),
                ToolResult(tool_call_id="b", result="z"),
            ],
            "two results for tool call 'a'",
        ),
        ({"a": "x", "b": {"not": "text"}}, "v1 tool-calls answers take text"),
        (["a", "b"], "expected ToolResult items"),
        ("ab", "expected a mapping"),
    ],
)
def test_tool_call_results_need_exactly_one_result_per_call(
    results: Any, needle: str
) -> None:
    """Missing, extra, duplicate and v1 non-text results are refused."""
    with pytest.raises(ValidationError) as caught:
        tool_call_results(_tool_calls("a", "b"), results)
    assert ("results", True) == (
        caught.value.field,
        needle in caught.value.message,
    )


def test_tool_call_error_and_acknowledge() -> None:
    """The error form of a tool answer, and the plain acknowledgement."""
    assert [{"error": "Contact niet gevonden"}, {}] == [
        tool_call_error("Contact niet gevonden"),
        acknowledge(),
    ]
