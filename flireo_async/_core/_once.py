"""
The exactly-once loop shared by every ordering POST (Flireo and Telnyx).

Strategy: send; an error that proves nothing was processed (a connection
never made; 429s are retried below this, in the retry layer) is raised
as is.  An ambiguous one — dropped connection or timeout after sending,
a 5xx — or a conflict answered to a *re-send* triggers a lookup: found
means the earlier attempt went through and its result is returned as
reconciled; not found means certainly absent, so the POST may go again
(within the policy's attempts).  A lookup that fails, or a conflict the
lookup cannot explain, is ``OrderOutcomeUnknownError``: we never guess.

A 2xx whose body cannot be read means the order exists (API.md §5): the
lookup is the only way to its receipt, and when the list does not show
it the answer is ``OrderOutcomeUnknownError`` — never a re-send, never
"not placed".
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..exceptions import (
    AlreadyInUseError,
    ConflictError,
    ConnectError,
    FlireoError,
    OrderOutcomeUnknownError,
    ResponseDecodeError,
    ServerError,
    TransportError,
)
from . import _telemetry


__all__ = ["exactly_once", "new_key"]

T = TypeVar("T")


def new_key() -> str:
    """
    A fresh idempotency key: 128 random bits as 32 hex digits.

    Returns:
        The key (``uuid4()`` costs four times as much for the same bits).
    """
    return os.urandom(16).hex()


# Answers to a re-send that may mean "you already did this".
_CONFLICTS = (AlreadyInUseError, ConflictError)


async def exactly_once(
    send: Callable[[], Awaitable[T]],
    find: Callable[[], Awaitable[T | None]],
    *,
    max_sends: int,
    subject: str,
    key: str,
    in_doubt: bool = False,
    failed: FlireoError | None = None,
) -> T:
    """
    Run a non-repeatable create so that it takes effect exactly once.

    Args:
        send: One attempt of the POST (retried below only when certainly
            unprocessed).
        find: Looks for the result of an earlier attempt; returns it
            (marked reconciled) or ``None`` when certainly absent.
        max_sends: Most times the POST may be sent.
        subject: What is being created, for messages (the phone numbers).
        key: The idempotency key or reference every attempt carries.
        in_doubt: An earlier attempt (of a crashed run, say) may already
            have taken effect, so even the first conflict is looked up.
        failed: The ambiguous error of a first send the caller made
            itself (its success path); the loop starts by looking up.

    Returns:
        What *send* returned, or what *find* found.

    Raises:
        OrderOutcomeUnknownError: Whether it took effect cannot be told.
        FlireoError: It certainly did not take effect.
    """
    sends = 0 if failed is None else 1
    while True:
        if failed is None:
            sends += 1
            placed = False
            try:
                return await send()
            except ConnectError:
                raise
            except _CONFLICTS as exc:
                if not in_doubt:
                    raise
                error: FlireoError = exc
            except ResponseDecodeError as exc:
                # Only a 2xx is decoded, and a 2xx means it was created.
                error, placed = exc, True
            except (TransportError, ServerError) as exc:
                error = exc
        else:
            # The caller's own first send failed ambiguously.
            error, failed = failed, None
            placed = isinstance(error, ResponseDecodeError)
        in_doubt = True
        try:
            found = await find()
        except FlireoError as exc:
            _telemetry.event("reconcile", {"outcome": "unknown"})
            msg = (
                f"creating the order for {subject} failed ambiguously "
                f"({error}) and the order list could not be read ({exc}); "
                f"look it up before ordering again"
            )
            raise OrderOutcomeUnknownError(
                msg, phone_number=subject, idempotency_key=key
            ) from exc
        _telemetry.event(
            "reconcile", {"outcome": "absent" if found is None else "found"}
        )
        if found is not None:
            return found
        if placed:
            msg = (
                f"the order for {subject} was accepted ({error}) but its "
                f"receipt could not be read and the order list does not "
                f"show it yet; look it up before ordering again"
            )
            raise OrderOutcomeUnknownError(
                msg, phone_number=subject, idempotency_key=key
            ) from error
        if isinstance(error, _CONFLICTS):
            msg = (
                f"{subject}: the re-sent order was refused as a conflict "
                f"({error}) but no earlier order of ours is listed"
            )
            raise OrderOutcomeUnknownError(
                msg, phone_number=subject, idempotency_key=key
            ) from error
        if sends >= max_sends:
            error.add_note(f"no order for {subject} exists: it was not placed")
            raise error
