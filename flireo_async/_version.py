"""The installed version, read once from the package metadata."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


try:
    VERSION = version("flireo-async")
except PackageNotFoundError:  # pragma: no cover - running from a checkout
    VERSION = "0.0.0+unknown"
