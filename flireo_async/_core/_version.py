"""The installed version, read from the package metadata on first use."""

from __future__ import annotations

from functools import cache


@cache
def version() -> str:
    """The distribution's version (``importlib.metadata`` is slow to
    import, so it is read only when asked for)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as read

    try:
        return read("flireo-async")
    except PackageNotFoundError:  # pragma: no cover - not installed
        return "0.0.0+unknown"
