"""
Argument checks that run before anything is sent.

Each raises [`ValidationError`][flireo_async.exceptions.ValidationError] naming
the
field, so a typo costs an exception, not a request (or credits).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

from ..exceptions import ValidationError


__all__ = [
    "check_bool",
    "check_choice",
    "check_datetime",
    "check_e164",
    "check_id",
    "check_limit",
    "check_seconds",
    "check_text",
]

E = TypeVar("E", bound=str)

# E.164: a "+", a non-zero country digit, 8 to 15 ASCII digits in all
# ("\d" would also take full-width and other Unicode digits).
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")


def _encodable(value: str) -> bool:
    # A lone surrogate cannot be sent as UTF-8 (neither in a URL nor in
    # JSON); refusing it here keeps UnicodeEncodeError out of the send.
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_e164(field: str, value: object) -> str:
    """Return *value* if it is an E.164 number, else raise."""
    if not isinstance(value, str) or not _E164.fullmatch(value):
        msg = f"expected an E.164 number like '+31851234567', got {value!r}"
        raise ValidationError(field, msg)
    return value


def check_choice(field: str, value: object, choices: Iterable[E]) -> E:
    """Return the member of *choices* equal to *value*, else raise."""
    for choice in choices:
        if value == choice:
            return choice
    allowed = ", ".join(repr(str(c)) for c in choices)
    msg = f"expected one of {allowed}, got {value!r}"
    raise ValidationError(field, msg)


def check_limit(field: str, value: object, low: int, high: int) -> int:
    """Return *value* if it is an int within ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"expected an integer, got {value!r}"
        raise ValidationError(field, msg)
    if not low <= value <= high:
        msg = f"must be between {low} and {high}, got {value}"
        raise ValidationError(field, msg)
    return value


def check_text(field: str, value: object) -> str:
    """Return *value* if it is a non-blank string."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or not _encodable(value)
    ):
        msg = f"must be a non-empty string, got {value!r}"
        raise ValidationError(field, msg)
    return value


def check_bool(field: str, value: object) -> bool:
    """Return *value* if it is ``True`` or ``False``."""
    if not isinstance(value, bool):
        msg = f"expected True or False, got {value!r}"
        raise ValidationError(field, msg)
    return value


def check_datetime(field: str, value: object) -> datetime:
    """Return *value* if it is a `datetime`."""
    if not isinstance(value, datetime):
        msg = f"expected a datetime, got {value!r}"
        raise ValidationError(field, msg)
    return value


def check_seconds(
    field: str, value: object, *, positive: bool = False
) -> float:
    """
    Return *value* as float seconds if it is a finite number.

    Args:
        field: The argument's name, for the error.
        value: The number to check.
        positive: Refuse zero as well as negative values.

    Returns:
        The seconds as a float.

    Raises:
        ValidationError: Not a number, not finite (an infinite or NaN
            timeout would let a wait run forever), or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"expected a number of seconds, got {value!r}"
        raise ValidationError(field, msg)
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0 or (positive and not seconds):
        kind = "positive" if positive else "non-negative"
        msg = f"expected a finite, {kind} number of seconds, got {value!r}"
        raise ValidationError(field, msg)
    return seconds


# What nearly every id looks like (a UUID, a "grp_..." name): printable
# ASCII that is neither blank nor "." / "..", so it needs no more checks.
_PLAIN_ID = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9_.~-]*")


def check_id(field: str, value: object) -> str:
    """Return *value* if it can be an opaque id (a non-blank string)."""
    if isinstance(value, str) and _PLAIN_ID.fullmatch(value):
        return value
    # "." and ".." would be collapsed by URL normalisation and send the
    # request to another path (a DELETE to the parent, say).
    if (
        not isinstance(value, str)
        or not value.strip()
        or value.strip() in {".", ".."}
        or not _encodable(value)
    ):
        msg = f"expected an id string, got {value!r}"
        raise ValidationError(field, msg)
    return value
