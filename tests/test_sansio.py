"""The sans-I/O core: plain functions of plain data, no loop, no socket."""

from __future__ import annotations

import email.utils
from functools import partial

import orjson
import pytest

from flireo_async import (
    APIError,
    AuthenticationError,
    InsufficientCreditsError,
    InvalidParametersError,
    NotFoundError,
    RateLimitError,
    RateLimitInfo,
    Request,
    Response,
    ResponseDecodeError,
    ServerError,
)
from flireo_async._core import _sansio
from flireo_async._core._sansio import (
    build_request,
    encode_query,
    parse_retry_after,
    path_segment,
)
from flireo_async._wire import FLIREO


# The Flireo client's decipher: the core one with Flireo's dialect.
decipher = partial(_sansio.decipher, dialect=FLIREO)


BASE = "https://api.example.test/api"
KEY = "fl_live_sansio_secret_key"
HEADERS = {
    "Authorization": f"Bearer {KEY}",
    "User-Agent": "flireo-async/test",
    "Accept": "application/json",
}
# 2015-10-21T07:28:00Z, the HTTP-date of RFC 9110's examples.
DATE = "Wed, 21 Oct 2015 07:28:00 GMT"
DATE_TS = email.utils.parsedate_to_datetime(DATE).timestamp()
URL = f"{BASE}/v1/phone-numbers"


def _json(body: object) -> bytes:
    return orjson.dumps(body)


def _fail(
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    method: str = "GET",
    url: str = URL,
) -> APIError:
    response = Response(status=status, headers=headers or {}, body=body)
    with pytest.raises(APIError) as info:
        decipher(response, method=method, url=url, now=DATE_TS)
    return info.value


# -- build_request ---------------------------------------------------------


def test_build_request_passes_auth_and_user_agent_headers() -> None:
    """The client's constant headers reach the transport unchanged."""
    request = build_request("GET", BASE, "/v1/phone-numbers", headers=HEADERS)
    assert f"Bearer {KEY}" == request.headers["Authorization"]
    assert "flireo-async/test" == request.headers["User-Agent"]
    assert "application/json" == request.headers["Accept"]


def test_build_request_without_body_has_no_body_or_content_type() -> None:
    """A GET carries no body and no Content-Type."""
    request = build_request("GET", BASE, "/v1/phone-numbers", headers=HEADERS)
    assert b"" == request.body
    assert "Content-Type" not in request.headers
    assert f"{BASE}/v1/phone-numbers" == request.url
    assert "GET" == request.method


def test_build_request_encodes_json_body_with_content_type() -> None:
    """A JSON body is encoded as UTF-8 JSON and labelled as such."""
    body = {"phone_number": "+31851234567", "number_type": "national"}
    request = build_request(
        "POST", BASE, "/v1/phone-numbers", headers=HEADERS, json=body
    )
    assert body == orjson.loads(request.body)
    assert "application/json" == request.headers["Content-Type"]
    assert f"Bearer {KEY}" == request.headers["Authorization"]


def test_build_request_does_not_mutate_the_client_headers() -> None:
    """Per-call headers never leak into the client's constant headers."""
    constant = dict(HEADERS)
    request = build_request(
        "POST",
        BASE,
        "/v1/phone-numbers",
        headers=constant,
        json={"a": 1},
        extra_headers={"Idempotency-Key": "k-1"},
    )
    assert "k-1" == request.headers["Idempotency-Key"]
    assert HEADERS == constant


def test_build_request_query_drops_none_and_sorts_keys() -> None:
    """None parameters are left out and keys are sorted."""
    request = build_request(
        "GET",
        BASE,
        "/v1/phone-number-orders",
        headers=HEADERS,
        query={"status": None, "offset": 0, "limit": 20},
    )
    assert f"{BASE}/v1/phone-number-orders?limit=20&offset=0" == request.url


@pytest.mark.parametrize(
    ("value", "expected"), [(True, "true"), (False, "false")]
)
def test_build_request_query_booleans_are_lowercase_strings(
    value: bool, expected: str
) -> None:
    """include_default goes out as the documented string "true"/"false"."""
    request = build_request(
        "GET",
        BASE,
        "/v1/phone-numbers",
        headers=HEADERS,
        query={"include_default": value},
    )
    assert f"{BASE}/v1/phone-numbers?include_default={expected}" == (
        request.url
    )


def test_build_request_query_of_only_none_adds_no_question_mark() -> None:
    """A query whose values are all None leaves the URL bare."""
    request = build_request(
        "GET", BASE, "/v1/x", headers=HEADERS, query={"query": None}
    )
    assert f"{BASE}/v1/x" == request.url


def test_encode_query_quotes_values() -> None:
    """Values are percent-encoded, so a '+' of E.164 survives."""
    assert "query=%2B3185&z=a+b" == encode_query(
        {"z": "a b", "query": "+3185"}
    )


def test_equal_queries_encode_equally() -> None:
    """Parameter order does not change the URL (cassettes rely on it)."""
    assert encode_query({"a": 1, "b": 2}) == encode_query({"b": 2, "a": 1})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("abc-123", "abc-123"),
        ("a/b", "a%2Fb"),
        ("../admin", "..%2Fadmin"),
        ("a b?c#d", "a%20b%3Fc%23d"),
    ],
)
def test_path_segment_quotes_everything_unsafe(
    raw: str, expected: str
) -> None:
    """An id can never smuggle a '/', '?' or '#' into the path."""
    assert expected == path_segment(raw)


def test_build_request_with_quoted_path_segment() -> None:
    """An id quoted with path_segment stays one segment of the URL."""
    path = f"/v1/phone-number-orders/{path_segment('a/b')}"
    request = build_request("GET", BASE, path, headers=HEADERS)
    assert f"{BASE}/v1/phone-number-orders/a%2Fb" == request.url


# -- parse_retry_after -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 45 ", 45.0),
        ("1.5", 1.5),
        ("-3", 0.0),
    ],
)
def test_parse_retry_after_seconds(value: str, expected: float) -> None:
    """Delta seconds are read as given (never negative)."""
    assert expected == parse_retry_after(value, now=DATE_TS)


def test_parse_retry_after_http_date_in_the_future() -> None:
    """An HTTP date is turned into seconds from now."""
    assert 30.0 == parse_retry_after(DATE, now=DATE_TS - 30)


def test_parse_retry_after_http_date_in_the_past_is_zero() -> None:
    """A date already passed means retry now, not a negative wait."""
    assert 0.0 == parse_retry_after(DATE, now=DATE_TS + 3600)


@pytest.mark.parametrize(
    "value", ["soon", "", "nan", "inf", "Wed, 99 Foo 2015 07:28:00 GMT"]
)
def test_parse_retry_after_garbage_is_none(value: str) -> None:
    """An unreadable header is ignored rather than trusted."""
    assert parse_retry_after(value, now=DATE_TS) is None


def test_parse_retry_after_absent_is_none() -> None:
    """No header means no server-imposed wait."""
    assert parse_retry_after(None, now=DATE_TS) is None


# -- RateLimitInfo ---------------------------------------------------------


def test_rate_limit_info_from_response_headers() -> None:
    """The X-RateLimit-* headers of an answer are read into numbers."""
    response = Response(
        status=200,
        headers={
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "7",
            "X-RateLimit-Reset": "1702479600",
        },
    )
    expected = RateLimitInfo(limit=100, remaining=7, reset=1702479600.0)
    assert expected == RateLimitInfo.from_headers(response.headers)


def test_rate_limit_info_from_plain_dict_with_documented_spelling() -> None:
    """The public parser reads the headers as the API documents them."""
    headers = {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "1702479600",
    }
    expected = RateLimitInfo(limit=100, remaining=0, reset=1702479600.0)
    assert expected == RateLimitInfo.from_headers(headers)


def test_rate_limit_info_without_limit_header() -> None:
    """Remaining and Reset alone are enough; Limit is optional."""
    headers = Response(
        status=200,
        headers={
            "x-ratelimit-remaining": "3",
            "x-ratelimit-reset": "1702479600.5",
        },
    ).headers
    expected = RateLimitInfo(limit=None, remaining=3, reset=1702479600.5)
    assert expected == RateLimitInfo.from_headers(headers, now=DATE_TS)


def test_rate_limit_info_relative_reset_is_measured_from_now() -> None:
    """A Reset in seconds (Telnyx's form) is turned into a Unix time."""
    headers = Response(
        status=200,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "60"},
    ).headers
    expected = RateLimitInfo(limit=None, remaining=0, reset=DATE_TS + 60)
    assert expected == RateLimitInfo.from_headers(headers, now=DATE_TS)


def test_rate_limit_info_absolute_reset_ignores_now() -> None:
    """A Reset that is a Unix time (Flireo's form) is kept as given."""
    headers = Response(
        status=200,
        headers={
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": "1702479600",
        },
    ).headers
    info = RateLimitInfo.from_headers(headers, now=DATE_TS)
    assert info is not None
    assert 1702479600.0 == info.reset


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-ratelimit-remaining": "3"},
        {"x-ratelimit-reset": "1702479600"},
        {"x-ratelimit-limit": "100"},
    ],
)
def test_rate_limit_info_absent(headers: dict[str, str]) -> None:
    """Without Remaining and Reset there is no window to respect."""
    assert RateLimitInfo.from_headers(headers) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"x-ratelimit-remaining": "many", "x-ratelimit-reset": "1"},
        {"x-ratelimit-remaining": "1", "x-ratelimit-reset": "tomorrow"},
        {
            "x-ratelimit-limit": "lots",
            "x-ratelimit-remaining": "1",
            "x-ratelimit-reset": "1",
        },
    ],
)
def test_rate_limit_info_non_numeric(headers: dict[str, str]) -> None:
    """Non-numeric headers are ignored, never an exception."""
    assert RateLimitInfo.from_headers(headers) is None


# -- decipher: success -----------------------------------------------------


def test_decipher_2xx_json_returns_the_payload() -> None:
    """A 200 JSON answer comes back decoded."""
    body = {"data": [], "meta": {"total": 0, "limit": 20, "offset": 0}}
    response = Response(status=200, body=_json(body))
    assert body == decipher(response, method="GET", url=URL, now=DATE_TS)


@pytest.mark.parametrize("status", [200, 201, 204])
def test_decipher_2xx_empty_body_is_none(status: int) -> None:
    """An empty success (204 No Content) decodes to None."""
    response = Response(status=status, body=b"")
    assert decipher(response, method="DELETE", url=URL, now=DATE_TS) is None


def test_decipher_2xx_non_json_raises_response_decode_error() -> None:
    """A 200 that is not JSON is a decode error, not a crash."""
    response = Response(status=200, body=b"<html>OK</html>")
    with pytest.raises(ResponseDecodeError) as info:
        decipher(response, method="GET", url=URL, now=DATE_TS)
    assert 200 == info.value.status
    assert b"<html>OK</html>" == info.value.body
    assert URL in str(info.value)


# -- decipher: errors ------------------------------------------------------


def test_decipher_nested_error_body() -> None:
    """The documented {"error": {code, message, details}} picks the class."""
    body = {
        "error": {
            "code": "insufficient_credits",
            "message": "Not enough credits: need 10",
            "details": {"required": 10, "available": 0},
        }
    }
    error = _fail(402, _json(body), method="POST")
    assert InsufficientCreditsError is type(error)
    assert 402 == error.status
    assert "insufficient_credits" == error.code
    assert "Not enough credits: need 10" == error.message
    assert {"required": 10, "available": 0} == error.details


def test_decipher_flat_error_body() -> None:
    """The newer docs' flat {"error": "Unauthorized", ...} is understood."""
    body = {"error": "Unauthorized", "message": "Invalid or missing API key"}
    error = _fail(401, _json(body))
    assert AuthenticationError is type(error)
    assert error.code is None
    assert "Invalid or missing API key" in error.message
    assert "Unauthorized" in error.message


def test_decipher_flat_error_with_code_like_value() -> None:
    """A flat error that looks like a code is kept as the code."""
    body = {"error": "not_found", "message": "No such order"}
    error = _fail(404, _json(body))
    assert NotFoundError is type(error)
    assert "not_found" == error.code


def test_decipher_plain_message_body() -> None:
    """A bare {"message": ...} still yields the message."""
    error = _fail(400, _json({"message": "limit must be <= 50"}))
    assert "limit must be <= 50" == error.message
    assert error.code is None
    assert 400 == error.status


def test_decipher_html_502_is_server_error() -> None:
    """A proxy's HTML 502 page is a ServerError picked by status."""
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    error = _fail(502, page, {"Content-Type": "text/html"})
    assert ServerError is type(error)
    assert 502 == error.status
    assert error.code is None


def test_decipher_keeps_request_id() -> None:
    """X-Request-Id is kept on the error and shown in its message."""
    body = {"error": {"code": "not_found", "message": "No such order"}}
    error = _fail(404, _json(body), {"X-Request-Id": "req_abc123"})
    assert "req_abc123" == error.request_id
    assert "req_abc123" in str(error)


def test_decipher_without_request_id() -> None:
    """No X-Request-Id means request_id is None."""
    assert _fail(404).request_id is None


def test_decipher_429_retry_after_seconds() -> None:
    """A 429's Retry-After becomes RateLimitError.retry_after."""
    body = {
        "error": {
            "code": "rate_limit_exceeded",
            "message": "Too many requests. Please retry after 45 seconds.",
        }
    }
    error = _fail(429, _json(body), {"Retry-After": "45"})
    assert isinstance(error, RateLimitError)
    assert 45.0 == error.retry_after


def test_decipher_429_retry_after_http_date() -> None:
    """A 429's Retry-After as an HTTP date is measured from now."""
    response = Response(status=429, headers={"Retry-After": DATE})
    with pytest.raises(RateLimitError) as info:
        decipher(response, method="GET", url=URL, now=DATE_TS - 12)
    assert 12.0 == info.value.retry_after


def test_decipher_429_without_retry_after() -> None:
    """A 429 with no Retry-After has retry_after None."""
    error = _fail(429, b"")
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


def test_decipher_keeps_details_list() -> None:
    """A details list (the SDK's string[] form) is kept as given."""
    body = {
        "error": {
            "code": "invalid_parameters",
            "message": "Invalid",
            "details": ["phone_number is required"],
        }
    }
    error = _fail(400, _json(body))
    assert InvalidParametersError is type(error)
    assert ["phone_number is required"] == error.details


def test_decipher_error_names_method_and_url() -> None:
    """The error says which call failed."""
    url = f"{BASE}/v1/phone-number-orders/o-1"
    error = _fail(404, method="GET", url=url)
    assert "GET" == error.method
    assert url == error.url
    assert f"GET {url}" in str(error)


def test_decipher_error_keeps_response_headers() -> None:
    """The answer's headers stay readable on the error."""
    error = _fail(503, headers={"Retry-After": "5"})
    assert "5" == error.headers["retry-after"]


def test_decipher_error_never_shows_the_api_key() -> None:
    """A failed call's message, repr and args never contain the key."""
    request = build_request("GET", BASE, "/v1/phone-numbers", headers=HEADERS)
    body = {"error": "Unauthorized", "message": "Invalid or missing API key"}
    error = _fail(401, _json(body), method=request.method, url=request.url)
    assert KEY not in str(error)
    assert KEY not in repr(error)
    assert KEY not in repr(error.args)
    assert all(KEY not in value for value in error.headers.values())


def test_request_repr_hides_the_api_key() -> None:
    """A request in a log or traceback never shows the key."""
    request = build_request("GET", BASE, "/v1/phone-numbers", headers=HEADERS)
    assert isinstance(request, Request)
    assert KEY not in repr(request)
    assert KEY not in str(request)
    assert "flireo-async/test" in repr(request)
