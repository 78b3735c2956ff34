"""
What to answer each event with: JSON-ready bodies, exactly as documented.

``assistant-request`` takes an assistant configuration, ``{}`` for the
agent's default, or ``{"error": ...}`` to reject the call;
``tool-calls`` takes ``{"results": [{"toolCallId", "result"}]}`` with one
result per tool call; ``status-update`` and ``end-of-call-report`` only
need a 2xx.  Builders validate before anything is sent, so a missing
``toolCallId`` (which the docs warn breaks the model's flow) is an
exception here rather than a confused caller there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._core._validation import check_text
from ..exceptions import ValidationError
from ._models import ToolCallsEvent, ToolResult, WireFormat


__all__ = [
    "acknowledge",
    "assistant_config",
    "default_assistant",
    "reject_call",
    "tool_call_error",
    "tool_call_results",
]


def assistant_config(
    assistant: Mapping[str, Any] | None = None,
    *,
    max_duration_seconds: int | None = None,
) -> dict[str, Any]:
    """
    Answer an ``assistant-request`` with a configuration.

    The object is passed through as given, in whichever casing the
    account expects: the v1 docs' full config (``firstMessage``,
    ``model``, ``voice`` …, copied from the dashboard's "Copy JSON"), or
    the newer partial overrides (``firstMessage``, ``llm_config``,
    ``stt_config``, ``tts_config``, ``analysisPlan``).

    Args:
        assistant: The ``assistant`` object; ``None`` to send none.
        max_duration_seconds: Caps the call (the newer docs' top-level
            ``maxDurationSeconds``; v1 configs carry it inside
            *assistant* instead).

    Returns:
        ``{"assistant": {...}}``, plus ``"maxDurationSeconds"`` when
        given; ``{}`` (the default configuration) with neither.

    Raises:
        ValidationError: *assistant* is not a mapping, or the duration
            is not a positive integer.

    Example:
        ```python
        return assistant_config({"firstMessage": f"Hallo {name}!"})
        ```
    """
    answer: dict[str, Any] = {}
    if assistant is not None:
        if not isinstance(assistant, Mapping):
            msg = f"expected a mapping, got {type(assistant).__name__}"
            raise ValidationError("assistant", msg)
        answer["assistant"] = dict(assistant)
    if max_duration_seconds is not None:
        if (
            isinstance(max_duration_seconds, bool)
            or not isinstance(max_duration_seconds, int)
            or max_duration_seconds <= 0
        ):
            msg = f"expected a positive integer, got {max_duration_seconds!r}"
            raise ValidationError("max_duration_seconds", msg)
        answer["maxDurationSeconds"] = max_duration_seconds
    return answer


def default_assistant() -> dict[str, Any]:
    """
    Answer an ``assistant-request`` with "use the agent's default".

    Returns:
        ``{}``.
    """
    return {}


def reject_call(message: str) -> dict[str, Any]:
    """
    Answer an ``assistant-request`` by rejecting the call.

    Args:
        message: Spoken to the caller before the call ends.

    Returns:
        ``{"error": message}``.

    Raises:
        ValidationError: *message* is blank.
    """
    return {"error": check_text("message", message)}


def tool_call_error(message: str) -> dict[str, Any]:
    """
    Answer a whole ``tool-calls`` event with a failure (newer API only).

    Args:
        message: What went wrong, for the model (``"Contact niet
            gevonden"``).

    Returns:
        ``{"error": message}``.

    Raises:
        ValidationError: *message* is blank.
    """
    return {"error": check_text("message", message)}


def _pairs(
    results: Mapping[str, Any] | Iterable[ToolResult],
) -> list[tuple[str, Any]]:
    if isinstance(results, Mapping):
        return list(results.items())
    if isinstance(results, str | bytes):
        msg = "expected a mapping of tool call id to result, or ToolResults"
        raise ValidationError("results", msg)
    pairs = []
    for item in results:
        if not isinstance(item, ToolResult):
            msg = f"expected ToolResult items, got {type(item).__name__}"
            raise ValidationError("results", msg)
        pairs.append((item.tool_call_id, item.result))
    return pairs


def tool_call_results(
    event: ToolCallsEvent,
    results: Mapping[str, Any] | Iterable[ToolResult],
) -> dict[str, Any]:
    """
    Answer a ``tool-calls`` event: exactly one result per tool call.

    Args:
        event: The event being answered.
        results: ``{tool_call_id: result}``, or
            [`ToolResult`][flireo_async.events.ToolResult]
            items (``call.result(value)``).  A v1 (flat) event takes text
            results only; the newer API takes any JSON value.

    Returns:
        ``{"results": [{"toolCallId": ..., "result": ...}, ...]}`` in the
        event's order.

    Raises:
        ValidationError: A tool call got no result or two, a result
            names a tool call the event does not have, or a v1 result is
            not text.
        TypeError: *event* is not a
            [`ToolCallsEvent`][flireo_async.events.ToolCallsEvent].

    Example:
        ```python
        return tool_call_results(
            event, [call.result("Verstuurd.") for call in event.tool_calls]
        )
        ```
    """
    if not isinstance(event, ToolCallsEvent):
        msg = f"expected a ToolCallsEvent, got {type(event).__name__}"
        raise TypeError(msg)
    wanted = {call.id for call in event.tool_calls}
    given: dict[str, Any] = {}
    for call_id, value in _pairs(results):
        if call_id in given:
            msg = f"two results for tool call {call_id!r}"
            raise ValidationError("results", msg)
        if call_id not in wanted:
            msg = f"the event has no tool call {call_id!r}"
            raise ValidationError("results", msg)
        if event.format is WireFormat.FLAT and not isinstance(value, str):
            msg = (
                f"the result for {call_id!r} is a {type(value).__name__}; "
                "v1 tool-calls answers take text"
            )
            raise ValidationError("results", msg)
        given[call_id] = value
    missing = [call.id for call in event.tool_calls if call.id not in given]
    if missing:
        msg = f"no result for tool call(s) {', '.join(map(repr, missing))}"
        raise ValidationError("results", msg)
    return {
        "results": [
            {"toolCallId": call.id, "result": given[call.id]}
            for call in event.tool_calls
        ]
    }


def acknowledge() -> dict[str, Any]:
    """
    Answer a ``status-update``, ``end-of-call-report`` or unknown event.

    The platform only needs a 2xx; the body is ignored.

    Returns:
        ``{}``.
    """
    return {}
