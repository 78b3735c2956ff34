"""The public names: what `import flireo_async` offers, and its version."""

from __future__ import annotations

import importlib.metadata
import types

import flireo_async
import flireo_async.exceptions
import flireo_async.testing


INCLUDED_PRIVATE_MEMBERS = {"__version__"}


def _public_members(module: types.ModuleType) -> list[str]:
    # Like httpx's test: every public name the module binds, except the
    # submodules Python binds as a side effect of importing them and the
    # `from __future__ import annotations` feature flag.
    # __version__ and the names of the module's _LAZY table are served by
    # its __getattr__, on first use.
    bound = {
        name
        for name, value in vars(module).items()
        if (not name.startswith("_") or name in INCLUDED_PRIVATE_MEMBERS)
        and not isinstance(value, types.ModuleType)
        and type(value).__module__ != "__future__"
    }
    served = INCLUDED_PRIVATE_MEMBERS | set(getattr(module, "_LAZY", ()))
    lazy = {n for n in served if hasattr(module, n)}
    return sorted(bound | lazy)


def test_all_imports_are_exported() -> None:
    """__all__ lists exactly the public names the package binds."""
    assert _public_members(flireo_async) == flireo_async.__all__


def test_all_is_sorted() -> None:
    """__all__ is kept sorted so additions are easy to review."""
    assert sorted(flireo_async.__all__) == flireo_async.__all__


def test_all_names_resolve() -> None:
    """Every name in __all__ can be imported."""
    for name in flireo_async.__all__:
        assert hasattr(flireo_async, name), name


def test_every_exception_is_exported_at_the_top_level() -> None:
    """`flireo.NotFoundError` works for every exception in the tree."""
    for name in flireo_async.exceptions.__all__:
        value = getattr(flireo_async.exceptions, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert value is getattr(flireo_async, name, None), name


def test_exceptions_all_is_sorted() -> None:
    """flireo_async.exceptions.__all__ is kept sorted."""
    exported = flireo_async.exceptions.__all__
    assert sorted(exported) == exported


def test_exceptions_all_names_resolve() -> None:
    """Every name in flireo_async.exceptions.__all__ exists."""
    for name in flireo_async.exceptions.__all__:
        assert hasattr(flireo_async.exceptions, name), name


def test_testing_all_is_sorted() -> None:
    """flireo_async.testing.__all__ is kept sorted."""
    exported = flireo_async.testing.__all__
    assert sorted(exported) == exported


def test_testing_all_names_resolve() -> None:
    """Every name in flireo_async.testing.__all__ exists."""
    for name in flireo_async.testing.__all__:
        assert hasattr(flireo_async.testing, name), name


def test_version_matches_the_installed_distribution() -> None:
    """__version__ is the version pip installed."""
    assert importlib.metadata.version("flireo-async") == (
        flireo_async.__version__
    )
