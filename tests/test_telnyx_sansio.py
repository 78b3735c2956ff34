"""Telnyx's wire conventions as plain data: deepObject and decipher."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import parse_qsl

import orjson
import pytest

import flireo_async as flireo
from flireo_async._core import _sansio
from flireo_async._core._sansio import RateLimitInfo, encode_query
from flireo_async.telnyx._sansio import TELNYX, deep_object


# The Telnyx client's decipher: the core one with Telnyx's dialect.
decipher = partial(_sansio.decipher, dialect=TELNYX)


NOW = 1_700_000_000.0
URL = "https://api.telnyx.com/v2/number_orders"

# spec/telnyx.md §2.1, verbatim.
ENVELOPE = {
    "errors": [
        {
            "code": "10015",
            "title": "Bad Request",
            "detail": "You must provide at least 1 phone number.",
            "source": {"pointer": "/phone_numbers"},
            "meta": {
                "url": "https://developers.telnyx.com/docs/overview/errors/10015"
            },
        }
    ]
}


def answer(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> Any:
    """Decipher one answer to ``POST /v2/number_orders``."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    response = flireo.Response(
        status=status,
        headers=headers or {},
        body=b"" if body is None else raw,
    )
    return decipher(response, method="POST", url=URL, now=NOW)


def refusal(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> flireo.APIError:
    """The error an answer raises."""
    with pytest.raises(flireo.APIError) as info:
        answer(status, body, headers)
    return info.value


# -- deep_object --------------------------------------------------------------


def test_flat_filter() -> None:
    """A flat mapping becomes filter[key]."""
    assert {"filter[country_code]": "NL"} == deep_object(
        "filter", {"country_code": "NL"}
    )


def test_nested_filter() -> None:
    """Nested mappings nest the brackets, to any depth."""
    assert {
        "filter[phone_number][starts_with]": "85",
        "filter[created_at][gt]": "2026-01-01T00:00:00Z",
    } == deep_object(
        "filter",
        {
            "phone_number": {"starts_with": "85"},
            "created_at": {"gt": "2026-01-01T00:00:00Z"},
        },
    )


@pytest.mark.parametrize("features", [["sms", "voice"], ("sms", "voice")])
def test_arrays_are_comma_joined(features: Any) -> None:
    """Lists and tuples are comma-joined, as the official SDK sends them."""
    assert {"filter[features]": "sms,voice"} == deep_object(
        "filter", {"features": features}
    )


def test_none_and_empty_are_left_out() -> None:
    """None, empty lists and all-None sub-filters send nothing."""
    assert {} == deep_object(
        "filter",
        {
            "locality": None,
            "features": [],
            "phone_number": {"starts_with": None, "ends_with": None},
        },
    )


def test_scalars_keep_their_type() -> None:
    """Numbers and booleans stay typed until the query is encoded."""
    assert {"filter[limit]": 5, "filter[best_effort]": False} == deep_object(
        "filter", {"limit": 5, "best_effort": False}
    )


def test_a_bare_value_keeps_its_name() -> None:
    """A scalar at the top is one parameter of that name."""
    assert {"page[size]": 25} == deep_object("page[size]", 25)


def test_matches_the_official_sdk_query() -> None:
    """The encoded query is the one spec §3.9 observed, key for key."""
    observed = (
        "filter[country_code]=US&filter[features]=sms,voice"
        "&filter[phone_number][starts_with]=312&filter[limit]=2"
        "&filter[best_effort]=false"
    )
    query = encode_query(
        deep_object(
            "filter",
            {
                "country_code": "US",
                "features": ["sms", "voice"],
                "phone_number": {"starts_with": "312"},
                "limit": 2,
                "best_effort": False,
            },
        )
    )

    assert sorted(parse_qsl(observed)) == parse_qsl(query)
    # Brackets and commas go out literally, not percent-encoded.
    assert "filter[features]=sms,voice" in query


# -- decipher: success --------------------------------------------------------


def test_data_envelope_is_returned() -> None:
    """A 2xx JSON body is returned decoded."""
    assert {"data": {"id": "o1"}} == answer(200, {"data": {"id": "o1"}})


def test_bare_array_is_returned() -> None:
    """Requirement-group lists are bare arrays; they pass through."""
    assert [{"id": "g1"}] == answer(200, [{"id": "g1"}])


def test_empty_success_is_none() -> None:
    """A 2xx without a body is None."""
    assert answer(204) is None


def test_non_json_success_is_a_decode_error() -> None:
    """A 2xx that is not JSON raises ResponseDecodeError."""
    with pytest.raises(flireo.ResponseDecodeError) as info:
        answer(200, b"<html>ok</html>")

    assert 200 == info.value.status


# -- decipher: the errors[] envelope ------------------------------------------


def test_documented_envelope() -> None:
    """Spec §2.1: code, title + detail, every entry, status, request id."""
    error = refusal(400, ENVELOPE, {"x-request-id": "r-1"})

    assert isinstance(error, flireo.InvalidParametersError)
    assert ("10015", 400, "r-1") == (
        error.code,
        error.status,
        error.request_id,
    )
    assert "Bad Request: You must provide at least 1 phone number." == (
        error.message
    )
    assert ENVELOPE["errors"] == error.details
    assert ("POST", URL) == (error.method, error.url)


def test_numeric_code_is_a_string() -> None:
    """A code sent as a number is normalised to its string."""
    error = refusal(422, {"errors": [{"code": 85001, "title": "Taken"}]})

    assert isinstance(error, flireo.AlreadyInUseError)
    assert "85001" == error.code


def test_description_stands_in_for_detail() -> None:
    """The shared APIError model's description is read when detail is
    missing."""
    error = refusal(
        404,
        {
            "errors": [
                {
                    "code": "10005",
                    "title": "Resource not found",
                    "description": "No such order",
                }
            ]
        },
    )

    assert isinstance(error, flireo.NotFoundError)
    assert "Resource not found: No such order" == error.message


def test_detail_wins_over_description() -> None:
    """With both, detail is the text."""
    error = refusal(
        400,
        {"errors": [{"code": "10015", "detail": "d", "description": "x"}]},
    )

    assert "d" == error.message


def test_first_entry_picks_the_class() -> None:
    """Several entries: the first decides, all are kept."""
    errors = [
        {"code": "85001", "title": "Numbers no longer available"},
        {"code": "10016", "title": "Not E.164"},
    ]

    error = refusal(422, {"errors": errors})

    assert isinstance(error, flireo.AlreadyInUseError)
    assert errors == error.details


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "10009", flireo.AuthenticationError),
        (403, "20013", flireo.PermissionDeniedError),
        (409, "10035", flireo.ConflictError),
        (422, "10016", flireo.InvalidParametersError),
        (422, "85000", flireo.InvalidParametersError),
        (422, "99999", flireo.BadRequestError),
        (418, "99999", flireo.APIError),
        (500, "10005", flireo.ServerError),
        (503, "10007", flireo.ServerError),
    ],
)
def test_code_and_status_pick_the_class(
    status: int, code: str, cls: type[flireo.APIError]
) -> None:
    """Known codes pick their class; else (or on a 5xx) the status does."""
    error = refusal(status, {"errors": [{"code": code, "title": "t"}]})

    assert cls is type(error)
    assert code == error.code


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>502 Bad Gateway</body></html>",
        {"errors": []},
        {"errors": "broken"},
        {"errors": ["not an object"]},
        {"message": "something else"},
    ],
)
def test_unreadable_bodies_fall_back_to_the_status(body: Any) -> None:
    """No usable errors[]: no code, and the status picks the class."""
    error = refusal(502, body)

    assert flireo.ServerError is type(error)
    assert (None, "server error") == (error.code, error.message)


# -- decipher: 429 and the reset header ---------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-ratelimit-reset": "3"}, 3.0),
        ({"x-ratelimit-reset": "0.25"}, 0.25),
        ({"x-ratelimit-reset": str(int(NOW) + 5)}, 5.0),
        ({"x-ratelimit-reset": str(int(NOW) - 5)}, 0.0),
        ({"x-ratelimit-reset": "30", "retry-after": "2"}, 2.0),
        ({"x-ratelimit-reset": "soon"}, None),
        ({"x-ratelimit-reset": "-1"}, None),
        ({"x-ratelimit-reset": "nan"}, None),
        ({}, None),
    ],
)
def test_429_waits_for_the_reset(
    headers: dict[str, str], expected: float | None
) -> None:
    """Reset is seconds, or an epoch; a Retry-After wins when present."""
    error = refusal(
        429,
        {"errors": [{"code": "10011", "title": "Too many requests"}]},
        headers,
    )

    assert isinstance(error, flireo.RateLimitError)
    assert expected == error.retry_after
    assert "10011" == error.code


@pytest.mark.parametrize(
    ("reset", "expected"),
    [("3", NOW + 3), (str(int(NOW) + 60), NOW + 60)],
)
def test_rate_limit_window_reads_both_reset_forms(
    reset: str, expected: float
) -> None:
    """The window is an absolute time, from seconds or from an epoch."""
    info = RateLimitInfo.from_headers(
        {
            "x-ratelimit-limit": "100",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": reset,
        },
        now=NOW,
    )

    assert RateLimitInfo(limit=100, remaining=0, reset=expected) == info
