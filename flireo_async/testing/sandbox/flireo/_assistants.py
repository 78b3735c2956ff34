"""
Assistant ↔ phone number linking (spec §4.12): rules and endpoints.

Each assistant has at most one number.  An owned number is linked to at
most one assistant; the shared default numbers can be used by one
assistant at a time, and linking one releases the other assistants that
use a default number (``released_assistants``).
"""

from __future__ import annotations

from aiohttp import web

from .._core._params import body_fields
from .._core._pipeline import Body
from ._entities import Assistant, OwnedNumber
from ._state import SandboxState
from ._wire import ApiError, dumps, invalid, not_found


def _assistant(state: SandboxState, request: web.Request) -> Assistant:
    assistant_id = request.match_info["id"]
    state.settle()
    assistant = state.assistants.get(assistant_id)
    if assistant is None:
        raise not_found("Assistant", assistant_id)
    return assistant


def link(
    state: SandboxState, assistant: Assistant, number_id: str
) -> tuple[OwnedNumber, str | None, int]:
    """
    Link a number to *assistant*, replacing its current one.

    Args:
        state: The sandbox state.
        assistant: The assistant.
        number_id: An owned or shared number id.

    Returns:
        ``(number, previous_number_id, released_assistants)``.

    Raises:
        ApiError: ``not_found``, ``already_linked``, ``already_in_use``.
    """
    number = state.numbers_by_id.get(number_id)
    if number is None:
        raise not_found("Phone number", number_id)
    if assistant.number is number:
        raise ApiError(
            400,
            "already_linked",
            "Phone number is already linked to this assistant",
            {"phone_number_id": number_id},
        )
    if number.assistant is not None:
        raise ApiError(
            400,
            "already_in_use",
            "Phone number is linked to another assistant",
            {"assistant_id": number.assistant.id},
        )
    previous = assistant.number
    if previous is not None:
        previous.assistant = None
    released = 0
    if number.shared:
        for other in state.assistants.values():
            if (
                other is not assistant
                and other.number is not None
                and (other.number.shared)
            ):
                other.number = None
                released += 1
    else:
        number.assistant = assistant
    assistant.number = number
    return number, None if previous is None else previous.id, released


def get_assistant_number(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``GET /v1/assistants/{id}/phone-number``."""
    assistant = _assistant(state, request)
    return 200, dumps({"data": assistant.view()})


def link_assistant_number(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``POST /v1/assistants/{id}/phone-number``."""
    assistant = _assistant(state, request)
    number_id = body_fields(body).get("phone_number_id")
    if not isinstance(number_id, str) or not number_id:
        raise invalid("phone_number_id", "phone_number_id is required")
    number, previous, released = link(state, assistant, number_id)
    return 200, dumps(
        {
            "message": "Phone number linked successfully",
            "data": {
                "assistant_id": assistant.id,
                "phone_number": number.link_view(origin=False),
                "previous_phone_number_id": previous,
                "released_assistants": released,
            },
        }
    )


def unlink_assistant_number(
    state: SandboxState, request: web.Request, body: Body
) -> tuple[int, bytes]:
    """``DELETE /v1/assistants/{id}/phone-number``."""
    assistant = _assistant(state, request)
    number = assistant.number
    if number is None:
        raise ApiError(
            400,
            "no_phone_number",
            "Assistant has no phone number linked",
            {"assistant_id": assistant.id},
        )
    number.assistant = None
    assistant.number = None
    return 200, dumps(
        {
            "message": "Phone number unlinked successfully",
            "data": {
                "assistant_id": assistant.id,
                "unlinked_phone_number": {
                    "id": number.id,
                    "number": number.phone_number,
                },
            },
        }
    )
