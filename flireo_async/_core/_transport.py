"""
The seam between the SDK and HTTP: two values and a protocol.

Everything above this line is pure (building requests, deciphering
answers); everything below it is a backend that moves bytes.  A backend
knows nothing of the Flireo API, so tests swap in a recorded or a mock
transport without patching anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs
from multidict import CIMultiDict, CIMultiDictProxy


__all__ = ["Request", "Response", "Transport"]

_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie"})


def _redacted(headers: Mapping[str, str]) -> str:
    # Reprs end up in logs and tracebacks; the API key must not.
    shown = {
        k: ("<redacted>" if k.lower() in _SECRET_HEADERS else v)
        for k, v in headers.items()
    }
    return repr(shown)


def _ci_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    # Lookups must not depend on the case a server or a test used.
    if headers.__class__ is CIMultiDictProxy or isinstance(
        headers, CIMultiDictProxy | CIMultiDict
    ):
        return headers
    return CIMultiDictProxy(CIMultiDict(headers))


@attrs.frozen(kw_only=True)
class Request:
    """
    One HTTP request, as the SDK hands it to a transport.

    Attributes:
        method: Upper-case HTTP method.
        url: The absolute URL, query string included.
        headers: Request headers (the ``Authorization`` value is redacted
            from the repr).
        body: The encoded body; empty for none.
    """

    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(
        factory=dict, repr=_redacted, eq=False
    )
    body: bytes = b""


@attrs.frozen(kw_only=True)
class Response:
    """
    One HTTP answer, as a transport hands it back.

    Attributes:
        status: The HTTP status code.
        headers: Response headers, looked up case-insensitively.
        body: The raw body.
    """

    status: int
    headers: Mapping[str, str] = attrs.field(
        factory=dict, converter=_ci_headers, eq=False
    )
    body: bytes = b""


@runtime_checkable
class Transport(Protocol):
    """
    Anything that can send a [`Request`][flireo_async.Request] and return a
    [`Response`][flireo_async.Response].

    ``send`` raises [`ConnectError`][flireo_async.exceptions.ConnectError] when
    the
    request certainly never reached the server, and
    [`TransportError`][flireo_async.exceptions.TransportError] or
    [`RequestTimeoutError`][flireo_async.exceptions.RequestTimeoutError] when
    it may have.
    The exactly-once rule for orders depends on that distinction.
    """

    async def send(self, request: Request) -> Response:
        """Send *request* and return the server's answer."""
        ...

    async def aclose(self) -> None:
        """Release what the transport owns; idempotent."""
        ...
