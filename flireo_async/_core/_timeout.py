"""
The ``Timeout`` value: per-attempt time limits.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..exceptions import ConfigurationError


__all__ = ["Timeout"]


def _positive_or_none(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is not None and (
        not isinstance(value, int | float) or value <= 0
    ):
        msg = f"{attribute.name} must be a positive number or None"
        raise ConfigurationError(msg)


@attrs.frozen(kw_only=True)
class Timeout:
    """
    Time limits for one attempt of one request, in seconds.

    Attributes:
        connect: Limit for opening a connection (``None``: no limit).
        read: Limit between two reads of the answer (``None``: no limit).
        total: Limit for the whole attempt, connect to last byte.

    A bare float given where a ``Timeout`` is accepted means ``total``.
    """

    connect: float | None = attrs.field(
        default=10.0, validator=_positive_or_none
    )
    read: float | None = attrs.field(default=None, validator=_positive_or_none)
    total: float | None = attrs.field(
        default=30.0, validator=_positive_or_none
    )

    @classmethod
    def of(cls, value: float | Timeout | None) -> Timeout:
        """Normalise what a user passed as ``timeout=``."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(connect=None, read=None, total=None)
        return cls(connect=min(10.0, float(value)), total=float(value))
