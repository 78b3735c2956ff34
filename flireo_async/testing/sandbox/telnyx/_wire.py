"""
Telnyx wire conventions of the sandbox: the ``{"errors": [...]}``
envelope, deepObject query parameters, JSON bodies and timestamps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ..flireo._wire import WireError, dumps, read_int, read_object


#: ``+``, a non-zero digit, 7 to 15 digits in all.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")

ORDER_STATUSES = ("pending", "success", "failure", "cancelled", "deleted")
NUMBER_TYPES = ("local", "toll_free", "mobile", "national", "shared_cost")
SUB_ORDER_TYPES = (*NUMBER_TYPES, "landline")
FEATURES = (
    "sms",
    "mms",
    "voice",
    "fax",
    "emergency",
    "hd_voice",
    "international_sms",
    "local_calling",
)
ACTIONS = ("ordering", "porting")
#: The statuses of a requirement of a group (spec §1.10): the group's
#: own, less ``no-longer-eligible``.
REQUIREMENT_STATUSES = (
    "unapproved",
    "pending-approval",
    "approved",
    "declined",
    "expired",
)
GROUP_STATUSES = (*REQUIREMENT_STATUSES, "no-longer-eligible")
#: ``GET /v2/phone_numbers`` ``filter[status]`` values (the SDK's).
PHONE_NUMBER_STATUSES = (
    "purchase-pending",
    "purchase-failed",
    "port-pending",
    "active",
    "deleted",
    "port-failed",
    "emergency-only",
    "ported-out",
    "port-out-pending",
    "requirement-info-pending",
    "requirement-info-under-review",
    "requirement-info-exception",
    "provision-pending",
)

_TITLES = {
    "10004": "Missing required parameter",
    "10005": "Resource not found",
    "10007": "Unexpected error",
    "10009": "Authentication failed",
    "10011": "Too many requests",
    "10015": "Bad Request",
    "10016": "Phone number must be in +E.164 format",
    "10031": "Invalid filter",
    "10032": "Invalid enum value",
    "10033": "Value out of range",
    "85000": "Must search phone number via search API first",
    "85001": "Numbers no longer available",
    "85003": "Requirements already met",
}


#: Codes answered with 400 (spec §2.2): a malformed request or filter.
#: Any other refusal of a well-formed request is a 422.
_BAD_REQUEST_CODES = frozenset({"10015", "10031"})


def entry(
    code: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """
    Build one ``errors[]`` entry.

    Args:
        code: The Telnyx error code, a string such as ``"10015"``.
        detail: Human-readable text.
        pointer: JSON Pointer into the request body.
        parameter: The offending query parameter.
        title: The title, when not the catalogue's for *code*.

    Returns:
        ``{code, title, detail, source?, meta: {url}}``.
    """
    error: dict[str, Any] = {
        "code": code,
        "title": title or _TITLES.get(code, "Error"),
        "detail": detail,
    }
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    elif parameter is not None:
        error["source"] = {"parameter": parameter}
    error["meta"] = {
        "url": f"https://developers.telnyx.com/docs/overview/errors/{code}"
    }
    return error


def errors_body(*entries: dict[str, Any]) -> bytes:
    """Return ``{"errors": [...]}`` encoded."""
    return dumps({"errors": list(entries)})


class TelnyxError(WireError):
    """
    A documented Telnyx error answer with one or more ``errors[]`` entries.

    Args:
        status: HTTP status.
        entries: The entries, built with `entry`.
    """

    def __init__(self, status: int, *entries: dict[str, Any]) -> None:
        super().__init__(entries[0]["detail"] if entries else "error")
        self.status = status
        self.entries = entries

    def body(self) -> bytes:
        """Return the encoded envelope."""
        return errors_body(*self.entries)


def refusal(*entries: dict[str, Any]) -> TelnyxError:
    """
    Refuse a request for every reason in *entries*, with the status of
    spec §2.2: 400 when each is a malformed request (``10015``) or filter
    (``10031``), else 422.
    """
    bad = all(e["code"] in _BAD_REQUEST_CODES for e in entries)
    return TelnyxError(400 if bad else 422, *entries)


def bad_request(
    detail: str, *, pointer: str | None = None, parameter: str | None = None
) -> TelnyxError:
    """A 400 ``10015`` (malformed request)."""
    return refusal(
        entry("10015", detail, pointer=pointer, parameter=parameter)
    )


def not_found(what: str, ident: str) -> TelnyxError:
    """A 404 ``10005`` for the resource *what* with id *ident*."""
    return TelnyxError(
        404,
        entry("10005", f"{what} {ident!r} was not found", parameter="id"),
    )


UNAUTHORIZED_BODY = errors_body(
    entry("10009", "The API key is missing, invalid or revoked.")
)
SERVER_ERROR_BODY = errors_body(
    entry("10007", "An unexpected error occurred.")
)


def rate_limit_body() -> bytes:
    """The 429 body: code ``10011``, and no ``Retry-After`` anywhere."""
    return errors_body(
        entry(
            "10011",
            "Rate limit exceeded; retry after the number of seconds in "
            "x-ratelimit-reset.",
        )
    )


def reset_header(seconds: float) -> str:
    """
    Format ``x-ratelimit-reset``: seconds until the window resets.

    Whole seconds, rounded up, as Telnyx documents, whatever the window's
    length: ``1`` in the last second of a window (and in every second of
    a window shorter than one).
    """
    return str(max(0, math.ceil(seconds)))


# -- timestamps ---------------------------------------------------------------


def timestamp(moment: datetime) -> str:
    """``2026-01-02T03:04:05.123456Z``: Telnyx's UTC form."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(query: Mapping[str, str], name: str) -> datetime | None:
    """
    Read an ISO 8601 query parameter (naive values are UTC).

    Raises:
        TelnyxError: 400 ``10015`` naming the parameter.
    """
    raw = query.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        msg = f"{name} must be an ISO 8601 date-time, got {raw!r}"
        raise bad_request(msg, parameter=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- query parameters ---------------------------------------------------------


def enum_param(
    query: Mapping[str, str], name: str, allowed: tuple[str, ...]
) -> str | None:
    """
    Read an optional enum parameter.

    Raises:
        TelnyxError: 422 ``10032`` when present and not allowed.
    """
    value = query.get(name)
    if value is None or value in allowed:
        return value
    msg = f"{name} must be one of {', '.join(allowed)}; got {value!r}"
    raise TelnyxError(422, entry("10032", msg, parameter=name))


def bool_param(query: Mapping[str, str], name: str) -> bool | None:
    """
    Read an optional ``true``/``false`` parameter.

    Raises:
        TelnyxError: 400 ``10015`` for any other value.
    """
    value = query.get(name)
    if value is None:
        return None
    if value in ("true", "false"):
        return value == "true"
    msg = f"{name} must be true or false, got {value!r}"
    raise bad_request(msg, parameter=name)


def int_param(
    query: Mapping[str, str], name: str, default: int, low: int, high: int
) -> int:
    """
    Read an integer parameter within ``[low, high]``.

    Raises:
        TelnyxError: 400 ``10015`` when not an integer, 422 ``10033``
            when out of range.
    """
    return read_int(
        query,
        name,
        default,
        low,
        high,
        lambda raw: bad_request(
            f"{name} must be an integer, got {raw!r}", parameter=name
        ),
        lambda value: TelnyxError(
            422,
            entry(
                "10033",
                f"{name} must be between {low} and {high}, got {value}",
                parameter=name,
            ),
        ),
    )


def list_param(request: web.Request, name: str) -> list[str]:
    """
    Read an array filter: comma-joined (``filter[features]=sms,voice``, as
    the official SDK sends it) or repeated (``filter[features][]=sms``).
    """
    values: list[str] = []
    for key in (name, f"{name}[]"):
        for raw in request.query.getall(key, ()):
            values.extend(v for v in raw.split(",") if v)
    return values


# -- bodies -------------------------------------------------------------------


async def read_json(request: web.Request) -> dict[str, Any]:
    """
    Read a JSON object body; an empty body counts as ``{}``.

    Raises:
        TelnyxError: 400 ``10015`` for malformed JSON or a non-object.
    """
    return await read_object(
        request,
        lambda: bad_request("The request body is not valid JSON."),
        lambda: bad_request("The request body must be a JSON object."),
    )


def optional_text(body: Mapping[str, Any], name: str) -> str | None:
    """
    Read an optional string field.

    Raises:
        TelnyxError: 400 ``10015`` when present and not a string.
    """
    value = body.get(name)
    if value is None or isinstance(value, str):
        return value
    raise bad_request(f"{name} must be a string", pointer=f"/{name}")


def requirement_values(
    body: Mapping[str, Any], *, pointer: str = "/regulatory_requirements"
) -> dict[str, str] | None:
    """
    Read ``regulatory_requirements: [{requirement_id, field_value}]``.

    Returns:
        requirement id → value, or ``None`` when the field is absent.

    Raises:
        TelnyxError: 400 ``10015`` for a malformed item.
    """
    items = body.get("regulatory_requirements")
    if items is None:
        return None
    if not isinstance(items, list):
        msg = "regulatory_requirements must be an array"
        raise bad_request(msg, pointer=pointer)
    values: dict[str, str] = {}
    for i, item in enumerate(items):
        ident = item.get("requirement_id") if isinstance(item, dict) else None
        value = item.get("field_value") if isinstance(item, dict) else None
        if not isinstance(ident, str) or not isinstance(value, str):
            msg = "each item needs requirement_id and field_value strings"
            raise bad_request(msg, pointer=f"{pointer}/{i}")
        values[ident] = value
    return values
