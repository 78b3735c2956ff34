"""
Request parsing shared by the endpoint handlers: query parameters, JSON
bodies and the documented enums.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..flireo._wire import invalid, read_int, read_object
from ._pipeline import Body


NUMBER_TYPES = ("local", "mobile", "national")
ORDER_STATUSES = ("pending", "success", "failed")
GROUP_STATUSES = ("pending", "approved", "rejected", "deleted")
GROUP_FIELDS = (
    "phone_number_type",
    "name",
    "business_name",
    "contact_person_first_name",
    "contact_person_last_name",
    "contact_person_phone",
    "street_name",
    "house_number",
    "postal_code",
    "city",
    "province",
)

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_DIGITS = re.compile(r"[0-9]*")


def int_param(
    query: Mapping[str, str],
    name: str,
    default: int,
    low: int,
    high: int | None = None,
) -> int:
    """
    Read an integer query parameter within ``[low, high]``.

    Raises:
        ApiError: ``invalid_parameters`` naming the parameter.
    """
    return read_int(
        query,
        name,
        default,
        low,
        high,
        lambda raw: invalid(name, f"{name} must be an integer"),
        lambda value: invalid(name, f"{name} must be {_bounds(low, high)}"),
    )


def _bounds(low: int, high: int | None) -> str:
    return f">= {low}" if high is None else f"between {low} and {high}"


def enum_param(
    query: Mapping[str, Any], name: str, allowed: tuple[str, ...]
) -> str | None:
    """
    Read an optional enum parameter (query or body).

    Raises:
        ApiError: ``invalid_parameters`` when present and not allowed.
    """
    value = query.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise invalid(name, f"{name} must be one of {', '.join(allowed)}")
    return str(value)


def digits_param(query: Mapping[str, str]) -> str:
    raw = query.get("query")
    if raw is None:
        return ""
    # The pattern syntax is undocumented: accept digits with "+", spaces
    # and dashes, and match them as a substring of the number's digits.
    digits = re.sub(r"[+\s-]", "", raw)
    if not _DIGITS.fullmatch(digits):
        raise invalid("query", "query must contain digits only")
    return digits


def phone_number_field(body: Mapping[str, Any]) -> str:
    number = body.get("phone_number")
    if not isinstance(number, str) or not _E164.fullmatch(number):
        raise invalid("phone_number", "phone_number must be an E.164 number")
    return number


def body_fields(body: Body) -> dict[str, Any]:
    # The pipeline passes a dict for every route that reads a body.
    return body if body is not None else {}


async def read_json(request: web.Request) -> dict[str, Any]:
    """
    Read a JSON object body; an empty body counts as ``{}``.

    Raises:
        ApiError: ``invalid_parameters`` for malformed JSON or a non-object.
    """
    return await read_object(
        request,
        lambda: invalid("body", "Request body is not valid JSON"),
        lambda: invalid("body", "Request body must be a JSON object"),
    )


# -- available numbers -------------------------------------------------------
