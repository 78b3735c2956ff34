"""
Server events: the webhooks Flireo POSTs to your server during a call.

Typed models for ``assistant-request``, ``tool-calls``,
``end-of-call-report`` and ``status-update`` in both wire generations
(the v1 docs' flat camelCase events and the newer ``{"message": {...}}``
envelope, camelCase or snake_case); `parse_event()` picks the model
([`UnknownEvent`][flireo_async.events.UnknownEvent] for a type it does not
know);
`verify_signature()` checks the HMAC-SHA256 signature of signed
webhooks; builders produce the documented answers; the command values of
``client.calls.control`` drive the live call.  A ready aiohttp.web router
lives in [`flireo_async.events.aiohttp`][flireo_async.events.aiohttp].

Example (any web framework):

```python
from flireo_async import events

async def webhook(raw: bytes, headers) -> dict:
    events.verify_signature(raw, headers, secret=WEBHOOK_SECRET)
    event = events.parse_event(raw, headers)
    if isinstance(event, events.ToolCallsEvent):
        return events.tool_call_results(
            event, [call.result("Gedaan.") for call in event.tool_calls]
        )
    if isinstance(event, events.AssistantRequestEvent):
        return events.assistant_config({"firstMessage": "Hallo!"})
    return events.acknowledge()
```
"""

from __future__ import annotations

from .._calls import (
    Command,
    ControlResult,
    EndCall,
    InjectContext,
    Say,
    Transfer,
)
from ..exceptions import (
    EventParseError,
    InvalidSignatureError,
    MissingSignatureError,
    SignatureError,
    StaleSignatureError,
)
from ._answers import (
    acknowledge,
    assistant_config,
    default_assistant,
    reject_call,
    tool_call_error,
    tool_call_results,
)
from ._models import (
    AnyEvent,
    AssistantRequestEvent,
    Call,
    CallStatus,
    CallType,
    Customer,
    EndOfCallReportEvent,
    Event,
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
    message_turns,
    transcript_turns,
)
from ._parse import parse_event
from ._signature import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    compute_signature,
    signature_headers,
    verify_signature,
)


__all__ = [
    "AnyEvent",
    "AssistantRequestEvent",
    "Call",
    "CallStatus",
    "CallType",
    "Command",
    "ControlResult",
    "Customer",
    "EVENT_HEADER",
    "EndCall",
    "EndOfCallReportEvent",
    "Event",
    "EventParseError",
    "EventPhoneNumber",
    "EventType",
    "InjectContext",
    "InvalidSignatureError",
    "MissingSignatureError",
    "Recordings",
    "Role",
    "SIGNATURE_HEADER",
    "Say",
    "SignatureError",
    "StaleSignatureError",
    "StatusUpdateEvent",
    "TIMESTAMP_HEADER",
    "ToolCall",
    "ToolCallsEvent",
    "ToolResult",
    "Transfer",
    "Turn",
    "UnknownEvent",
    "WireFormat",
    "acknowledge",
    "assistant_config",
    "compute_signature",
    "default_assistant",
    "message_turns",
    "parse_event",
    "reject_call",
    "signature_headers",
    "tool_call_error",
    "tool_call_results",
    "transcript_turns",
    "verify_signature",
]
