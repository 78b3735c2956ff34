"""
Every error ``flireo_async`` raises, and how a status or error code picks one.

The tree, and what each branch tells the caller:

```python
FlireoError
├── ConfigurationError          the client cannot be built as asked
│   └── JournalInUseError       another running job holds the journal
├── ValidationError             bad input (field, message); nothing sent
├── TransportError              may or may not have reached the server
│   ├── ConnectError            certainly not sent
│   ├── RequestTimeoutError     sent, no answer in time
│   └── ResponseTooLargeError   the body passed max_response_size
├── ResponseDecodeError         a 2xx body that is not JSON or not the
│                               documented shape
├── OrderOutcomeUnknownError    an order POST may have gone through and
│                               reconciliation could not tell
├── WaitTimeoutError            a wait() gave up before a final status
├── EventParseError             a webhook body that is not an event
├── SignatureError              a webhook's signature did not check out
│   ├── MissingSignatureError   no signature or timestamp header
│   ├── InvalidSignatureError   does not match body and timestamp
│   └── StaleSignatureError     authentic, but too old (.age)
└── APIError                    the server answered with an error
    ├── BadRequestError (400)
    │   ├── InvalidParametersError   invalid_parameters
    │   ├── InvalidStatusError       invalid_status
    │   ├── AlreadyLinkedError       already_linked
    │   ├── AlreadyInUseError        already_in_use
    │   └── NoPhoneNumberError       no_phone_number
    ├── AuthenticationError (401)
    ├── InsufficientCreditsError (402)
    ├── PermissionDeniedError (403)
    ├── NotFoundError (404)
    ├── ConflictError (409)
    ├── RateLimitError (429)         .retry_after
    └── ServerError (5xx)
        └── ProviderError            provider_error
```

The error code in the body (Flireo's names, or Telnyx's numeric strings such
as ``"85001"``) picks the class; the HTTP status picks it when the code is
unknown or the body is not JSON (a proxy's HTML 502 page is a
[`ServerError`][flireo_async.exceptions.ServerError]).  `error_class_for()` is
the one table lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


__all__ = [
    "APIError",
    "AlreadyInUseError",
    "AlreadyLinkedError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "EventParseError",
    "FLIREO_CODES",
    "FlireoError",
    "InsufficientCreditsError",
    "InvalidParametersError",
    "InvalidSignatureError",
    "InvalidStatusError",
    "JournalInUseError",
    "MissingSignatureError",
    "NoPhoneNumberError",
    "NotFoundError",
    "OrderOutcomeUnknownError",
    "PermissionDeniedError",
    "ProviderError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "ServerError",
    "SignatureError",
    "StaleSignatureError",
    "TransportError",
    "ValidationError",
    "WaitTimeoutError",
    "error_class_for",
]


class FlireoError(Exception):
    """
    Base class of every error raised by ``flireo_async``.
    """


class ConfigurationError(FlireoError):
    """
    The client was configured in a way that cannot work (no API key, a
    closed client, a bad base URL).
    """


class JournalInUseError(ConfigurationError):
    """
    Another running job holds the bulk journal; nothing was sent.

    A journal belongs to one job at a time (an exclusive lock while the
    job runs), so two runs can never interleave their records.

    Attributes:
        path: The journal file.
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class ValidationError(FlireoError, ValueError):
    """
    An argument is invalid; nothing was sent.

    Attributes:
        field: The name of the offending argument or body field.
        message: What is wrong with it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TransportError(FlireoError):
    """
    The request failed below HTTP; it may or may not have reached the server.
    """


class ConnectError(TransportError):
    """
    The connection could not be made, so the request certainly was not sent.
    """


class RequestTimeoutError(TransportError):
    """
    No answer arrived in time; the server may have processed the request.
    """


class ResponseTooLargeError(TransportError):
    """
    The answer's body grew past the client's ``max_response_size``.

    Reading stopped there, so memory stays bounded whatever the server
    sends; the request itself may have been processed.

    Attributes:
        limit: The size limit in bytes.
    """

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class ResponseDecodeError(FlireoError):
    """
    A successful answer whose body is not JSON or not the documented shape.

    Attributes:
        status: The HTTP status of the answer.
        body: The raw body (at most 2 KiB of it).
        errors: Readable paths of what did not fit, e.g.
            ``"invalid value for type, expected int @ $.credits_used"``.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: bytes = b"",
        errors: tuple[str, ...] = (),
    ) -> None:
        detail = f"{message}: {'; '.join(errors)}" if errors else message
        super().__init__(detail)
        self.status = status
        self.body = body[:2048]
        self.errors = errors


class OrderOutcomeUnknownError(FlireoError):
    """
    An order POST may have gone through, and the order list could not tell.

    The number may or may not be ordered (and charged).  Look it up with
    ``client.orders.list()`` before ordering it again.

    Attributes:
        phone_number: The number whose order is in doubt.
        idempotency_key: The key every attempt of the POST carried.
    """

    def __init__(
        self, message: str, *, phone_number: str, idempotency_key: str
    ) -> None:
        super().__init__(message)
        self.phone_number = phone_number
        self.idempotency_key = idempotency_key


class WaitTimeoutError(FlireoError, TimeoutError):
    """
    A ``wait()`` ran out of time before the resource reached a final state.

    Attributes:
        last: The last reading (an ``Order`` or ``VerificationGroup``).
    """

    def __init__(self, message: str, *, last: Any = None) -> None:
        super().__init__(message)
        self.last = last


class EventParseError(FlireoError, ValueError):
    """
    A webhook body is not JSON, not an object, or a documented field of
    it has the wrong shape.

    Attributes:
        errors: Readable paths of what did not fit.
    """

    def __init__(self, message: str, errors: tuple[str, ...] = ()) -> None:
        detail = f"{message}: {'; '.join(errors)}" if errors else message
        super().__init__(detail)
        self.errors = errors


class SignatureError(FlireoError):
    """
    A webhook request's signature is missing, stale or wrong.
    """


class MissingSignatureError(SignatureError):
    """The signature or timestamp header is absent or empty."""


class InvalidSignatureError(SignatureError):
    """
    The signature does not match the body and timestamp (tampered body,
    wrong secret, replayed signature with a new timestamp), or a header
    is malformed.
    """


class StaleSignatureError(SignatureError):
    """
    The signature is right but its timestamp is further from now than the
    tolerance (a replay, or a badly skewed clock).

    Attributes:
        age: Seconds between the timestamp and now (negative: future).
    """

    def __init__(self, message: str, *, age: float) -> None:
        super().__init__(message)
        self.age = age


class APIError(FlireoError):
    """
    The API answered with an error status.

    Attributes:
        status: HTTP status code.
        code: The error code from the body (``"not_found"``), or ``None``.
        message: The human-readable message from the body.
        details: The ``details`` from the body (an object, a list or None).
        request_id: The server's ``X-Request-Id``, if it sent one.
        method: The request method.
        url: The request URL (never carries credentials).
        headers: The response headers (lower-case names).
        retry_after: Seconds the server asked to wait before a retry
            (its ``Retry-After``; for a 429 without one, the rate-limit
            window's reset), or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        details: Any = None,
        request_id: str | None = None,
        method: str = "",
        url: str = "",
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        prefix = f"{status} {code}" if code else str(status)
        where = f" ({method} {url})" if method else ""
        rid = f" [request {request_id}]" if request_id else ""
        super().__init__(f"{prefix}: {message}{where}{rid}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id
        self.method = method
        self.url = url
        self.headers: Mapping[str, str] = headers or {}
        self.retry_after = retry_after


class BadRequestError(APIError):
    """400: the request was invalid."""


class InvalidParametersError(BadRequestError):
    """400 ``invalid_parameters``: a parameter is missing or invalid."""


class InvalidStatusError(BadRequestError):
    """400 ``invalid_status``: the resource's status forbids this (e.g. an
    unapproved verification group)."""


class AlreadyLinkedError(BadRequestError):
    """400 ``already_linked``: the resource is already linked."""


class AlreadyInUseError(BadRequestError):
    """400 ``already_in_use``: the number is taken or in use elsewhere."""


class NoPhoneNumberError(BadRequestError):
    """400 ``no_phone_number``: there is no phone number to act on."""


class AuthenticationError(APIError):
    """401: the API key is missing, wrong, expired or revoked."""


class InsufficientCreditsError(APIError):
    """402 ``insufficient_credits``: the balance is below the price."""


class PermissionDeniedError(APIError):
    """403: the key may not touch this resource."""


class NotFoundError(APIError):
    """404: the resource does not exist."""


class ConflictError(APIError):
    """409: the request conflicts with the resource's state."""


class RateLimitError(APIError):
    """
    429: too many requests.

    ``retry_after`` is the seconds the server asked to wait (its
    ``Retry-After``, else the rate-limit window's reset), or ``None``.
    """


class ServerError(APIError):
    """5xx: the server (or a proxy in front of it) failed."""


class ProviderError(ServerError):
    """``provider_error``: the upstream carrier failed."""


# One declarative table per API: an error code the API documents picks its
# class; otherwise the status does.  This is Flireo's; Telnyx's numeric
# codes are in flireo_async.telnyx._sansio.  Codes of the newer docs
# (``unauthorized``, ``api_key_expired`` …) land on the class their status
# implies.
FLIREO_CODES: Mapping[str, type[APIError]] = {
    "invalid_parameters": InvalidParametersError,
    "invalid_request": InvalidParametersError,
    "missing_field": InvalidParametersError,
    "invalid_status": InvalidStatusError,
    "already_linked": AlreadyLinkedError,
    "already_in_use": AlreadyInUseError,
    "no_phone_number": NoPhoneNumberError,
    "unauthorized": AuthenticationError,
    "api_key_expired": AuthenticationError,
    "api_key_revoked": AuthenticationError,
    "insufficient_credits": InsufficientCreditsError,
    "forbidden": PermissionDeniedError,
    "not_found": NotFoundError,
    "conflict": ConflictError,
    "rate_limit_exceeded": RateLimitError,
    "provider_error": ProviderError,
    "database_error": ServerError,
    "server_error": ServerError,
}

_BY_STATUS: Mapping[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def error_class_for(
    status: int,
    code: str | None,
    codes: Mapping[str, type[APIError]] = FLIREO_CODES,
) -> type[APIError]:
    """
    Pick the exception class for an error answer.

    Args:
        status: The HTTP status.
        code: The error code from the body, if any.
        codes: The API's table of documented codes (Flireo's by default).

    Returns:
        The most specific class: by code when the code is known, else by
        status (any other 5xx is
        [`ServerError`][flireo_async.exceptions.ServerError], any other 4xx is
        [`APIError`][flireo_async.exceptions.APIError] itself).
    """
    if code is not None:
        by_code = codes.get(code)
        # A code only wins when it agrees with the status class; a 500
        # carrying "not_found" is still a server failure.
        if by_code is not None and (
            (status >= 500) == issubclass(by_code, ServerError)
        ):
            return by_code
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)
