"""
Flireo's wire conventions: its error envelope and its `Dialect`.
"""

from __future__ import annotations

from typing import Any

from ._core._dialect import Dialect
from .exceptions import FLIREO_CODES


__all__ = ["FLIREO", "flireo_error_fields"]


def flireo_error_fields(payload: Any) -> tuple[str | None, str | None, Any]:
    """
    Read ``(code, message, details)`` from a Flireo error body.
    """
    # Three documented shapes: {"error": {"code", "message", "details"}},
    # the flat {"error": "Unauthorized", "message": "..."} of the newer
    # docs, and a bare {"message": "..."}.
    if not isinstance(payload, dict):
        return None, None, None
    error = payload.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message")
        details = error.get("details")
    else:
        code = None
        message = payload.get("message")
        details = payload.get("details")
        if isinstance(error, str):
            # The flat form names the error ("Unauthorized"); keep it as a
            # code only when it looks like one.
            if (
                error.isascii()
                and error.replace("_", "").isalnum()
                and error.islower()
            ):
                code = error
            message = f"{error}: {message}" if message else error
    return (
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else None,
        details,
    )


#: Flireo's dialect: ``{"error": ...}`` envelopes and its string codes.
FLIREO = Dialect(
    error_fields=flireo_error_fields,
    codes=FLIREO_CODES,
)
