"""
Argument checks that run before anything is sent.

Each raises :class:`~flireo_async.exceptions.ValidationError` naming the
field, so a typo costs an exception, not a request (or credits).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

from ._models import NumberType
from .exceptions import ValidationError


__all__ = [
    "check_choice",
    "check_e164",
    "check_id",
    "check_limit",
    "check_number_type",
    "check_text",
]

E = TypeVar("E", bound=str)

# E.164: a "+", a non-zero country digit, at most 15 digits in all.
_E164 = re.compile(r"\+[1-9]\d{6,14}")


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


def check_number_type(
    field: str,
    value: object,
    allowed: Iterable[NumberType] = tuple(NumberType),
) -> NumberType:
    """Return *value* as a :class:`NumberType` if allowed here."""
    return check_choice(field, value, tuple(allowed))


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
    if not isinstance(value, str) or not value.strip():
        msg = f"must be a non-empty string, got {value!r}"
        raise ValidationError(field, msg)
    return value


def check_id(field: str, value: object) -> str:
    """Return *value* if it can be an opaque id (a non-blank string)."""
    # "." and ".." would be collapsed by URL normalisation and send the
    # request to another path (a DELETE to the parent, say).
    if (
        not isinstance(value, str)
        or not value.strip()
        or value.strip() in {".", ".."}
    ):
        msg = f"expected an id string, got {value!r}"
        raise ValidationError(field, msg)
    return value
