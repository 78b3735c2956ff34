"""How an error answer becomes an exception, and the documented tree."""

from __future__ import annotations

import re
from functools import partial

import orjson
import pytest

from flireo_async import exceptions
from flireo_async._core import _sansio
from flireo_async._core._transport import Response
from flireo_async._wire import FLIREO
from flireo_async.exceptions import (
    AlreadyInUseError,
    AlreadyLinkedError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FlireoError,
    InsufficientCreditsError,
    InvalidParametersError,
    InvalidStatusError,
    NoPhoneNumberError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
    ValidationError,
)


# The Flireo client's decipher: the core one with Flireo's dialect.
decipher = partial(_sansio.decipher, dialect=FLIREO)


URL = "https://api.example.test/api/v1/phone-numbers"


def nested(code: str) -> bytes:
    """The old docs' body: {"error": {"code", "message", "details"}}."""
    return orjson.dumps(
        {"error": {"code": code, "message": f"{code} happened", "details": {}}}
    )


def flat(error: str) -> bytes:
    """The newer docs' body: {"error": "...", "message": "..."}."""
    return orjson.dumps({"error": error, "message": "it went wrong"})


HTML = b"<html><head><title>Error</title></head><body>nginx</body></html>"


@pytest.mark.parametrize(
    ("status", "body", "expected_class", "expected_code"),
    [
        # §3.1, client errors.
        (400, nested("invalid_parameters"), InvalidParametersError,
         "invalid_parameters"),
        (400, nested("already_linked"), AlreadyLinkedError, "already_linked"),
        (400, nested("already_in_use"), AlreadyInUseError, "already_in_use"),
        (400, nested("no_phone_number"), NoPhoneNumberError,
         "no_phone_number"),
        (400, nested("invalid_status"), InvalidStatusError, "invalid_status"),
        (402, nested("insufficient_credits"), InsufficientCreditsError,
         "insufficient_credits"),
        (403, nested("forbidden"), PermissionDeniedError, "forbidden"),
        (404, nested("not_found"), NotFoundError, "not_found"),
        (429, nested("rate_limit_exceeded"), RateLimitError,
         "rate_limit_exceeded"),
        # §3.1, server errors.
        (500, nested("database_error"), ServerError, "database_error"),
        (500, nested("provider_error"), ProviderError, "provider_error"),
        (500, nested("server_error"), ServerError, "server_error"),
        # §6.3, the newer codes.
        (401, nested("unauthorized"), AuthenticationError, "unauthorized"),
        (401, nested("api_key_expired"), AuthenticationError,
         "api_key_expired"),
        (401, nested("api_key_revoked"), AuthenticationError,
         "api_key_revoked"),
        (400, nested("invalid_request"), InvalidParametersError,
         "invalid_request"),
        (400, nested("missing_field"), InvalidParametersError,
         "missing_field"),
        # §6.3's flat bodies ("Unauthorized" is a title, not a code).
        (401, flat("Unauthorized"), AuthenticationError, None),
        (403, flat("Forbidden"), PermissionDeniedError, None),
        (401, flat("unauthorized"), AuthenticationError, "unauthorized"),
        # Unknown codes: the status decides.
        (400, nested("brand_new_code"), BadRequestError, "brand_new_code"),
        (401, nested("brand_new_code"), AuthenticationError,
         "brand_new_code"),
        (402, nested("brand_new_code"), InsufficientCreditsError,
         "brand_new_code"),
        (403, nested("brand_new_code"), PermissionDeniedError,
         "brand_new_code"),
        (404, nested("brand_new_code"), NotFoundError, "brand_new_code"),
        (409, nested("brand_new_code"), ConflictError, "brand_new_code"),
        (422, nested("brand_new_code"), BadRequestError, "brand_new_code"),
        (418, nested("brand_new_code"), APIError, "brand_new_code"),
        (429, nested("brand_new_code"), RateLimitError, "brand_new_code"),
        (500, nested("brand_new_code"), ServerError, "brand_new_code"),
        (502, nested("brand_new_code"), ServerError, "brand_new_code"),
        (503, nested("brand_new_code"), ServerError, "brand_new_code"),
        (504, nested("brand_new_code"), ServerError, "brand_new_code"),
        # A code that contradicts the status class loses to the status.
        (500, nested("not_found"), ServerError, "not_found"),
        (502, nested("provider_error"), ProviderError, "provider_error"),
        # Bodies that are not JSON (or empty): the status decides.
        (400, HTML, BadRequestError, None),
        (401, b"", AuthenticationError, None),
        (402, b"Payment Required", InsufficientCreditsError, None),
        (403, HTML, PermissionDeniedError, None),
        (404, b"Not Found", NotFoundError, None),
        (409, b"", ConflictError, None),
        (418, b"I'm a teapot", APIError, None),
        (429, b"slow down", RateLimitError, None),
        (500, b"Internal Server Error", ServerError, None),
        (502, HTML, ServerError, None),
        (503, b"", ServerError, None),
        (504, HTML, ServerError, None),
        (599, b"{not json", ServerError, None),
        # JSON that is not an error object.
        (400, b"[1, 2, 3]", BadRequestError, None),
        (500, b'"oops"', ServerError, None),
    ],
)  # fmt: skip
def test_error_mapping(
    status: int,
    body: bytes,
    expected_class: type[APIError],
    expected_code: str | None,
) -> None:
    """Each documented code and each status raises the class users catch."""
    response = Response(status=status, body=body)
    with pytest.raises(APIError) as info:
        decipher(response, method="GET", url=URL, now=0.0)
    error = info.value
    assert expected_class is type(error)
    assert expected_code == error.code
    assert status == error.status
    assert isinstance(error, FlireoError)
    assert error.message


def _drawn_tree(doc: str) -> list[tuple[int, str]]:
    # Lines like "    │   ├── ConnectError   certainly not sent": the depth
    # is how far right of the root's column the name starts, in steps of
    # four columns.
    drawn = []
    root = 0
    for line in doc.splitlines():
        match = re.search(r"(?:├── |└── )([A-Za-z]+)", line)
        if match:
            drawn.append(((match.start(1) - root) // 4, match.group(1)))
        elif line.strip() == "FlireoError":
            root = line.index("FlireoError")
            drawn.append((0, "FlireoError"))
    return drawn


def _exception_classes() -> set[str]:
    return {
        name
        for name in exceptions.__all__
        if isinstance(getattr(exceptions, name), type)
        and issubclass(getattr(exceptions, name), BaseException)
    }


def test_module_docstring_draws_every_exception() -> None:
    """The drawn tree in the docs lists every exception the SDK exports."""
    assert exceptions.__doc__ is not None
    drawn = {name for _, name in _drawn_tree(exceptions.__doc__)}
    assert _exception_classes() == drawn


def test_module_docstring_tree_matches_the_class_hierarchy() -> None:
    """Each drawn parent is the class's real base, so except-clauses work."""
    assert exceptions.__doc__ is not None
    parents: dict[int, str] = {}
    for depth, name in _drawn_tree(exceptions.__doc__):
        parents[depth] = name
        if depth == 0:
            continue
        cls = getattr(exceptions, name)
        parent = getattr(exceptions, parents[depth - 1])
        assert parent in cls.__bases__, f"{name} is drawn under {parent}"


def test_validation_error_carries_field_and_message() -> None:
    """A ValidationError names the offending field for the caller."""
    error = ValidationError("phone_number", "not E.164")
    assert "phone_number" == error.field
    assert "not E.164" == error.message
    assert "phone_number: not E.164" == str(error)
    assert isinstance(error, ValueError)
    assert isinstance(error, FlireoError)


def test_api_error_message_shape() -> None:
    """str(APIError) gives status, code, message, call and request id."""
    error = NotFoundError(
        "No such order",
        status=404,
        code="not_found",
        request_id="req_1",
        method="GET",
        url=URL,
    )
    expected = f"404 not_found: No such order (GET {URL}) [request req_1]"
    assert expected == str(error)


def test_rate_limit_error_defaults_retry_after_to_none() -> None:
    """A RateLimitError built without Retry-After has retry_after None."""
    assert RateLimitError("slow", status=429).retry_after is None


def test_error_class_for_is_exported() -> None:
    """The one table lookup is public for callers that map codes."""
    assert ProviderError is exceptions.error_class_for(500, "provider_error")
    assert APIError is exceptions.error_class_for(418, None)
