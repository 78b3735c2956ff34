"""
What tells one API's wire from another's: one frozen value per API.

The request path (``decipher``, the rate-limit window) is the same for
Flireo and Telnyx; where their wires differ, it reads the client's
`Dialect` instead of calling an override hook: the error envelope,
and the table of documented error codes.  Flireo's value is
``flireo_async._wire.FLIREO``, Telnyx's
``flireo_async.telnyx._sansio.TELNYX``.

``X-RateLimit-Reset`` is not part of it: Flireo sends a Unix time and
Telnyx seconds from now, but the two forms cannot be confused (a Unix
time before 2001 is never a current reset), so one reader serves both —
and a gateway that sends the other form is still read right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..exceptions import APIError


__all__ = ["Dialect", "ErrorFields"]

#: Reads ``(code, message, details)`` from a decoded error body.
ErrorFields = Callable[[Any], tuple[str | None, str | None, Any]]


@attrs.frozen(kw_only=True)
class Dialect:
    """
    One API's wire conventions.

    Attributes:
        error_fields: Reads ``(code, message, details)`` from its error
            envelope.
        codes: Its documented error codes and the class each picks.
    """

    error_fields: ErrorFields
    codes: Mapping[str, type[APIError]]
