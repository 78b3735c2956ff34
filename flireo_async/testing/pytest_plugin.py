"""
A pytest plugin that serves a Flireo sandbox per test.

Installed with the package (entry point ``flireo_sandbox`` in ``pytest11``),
so the fixtures are available without any import:

```python
async def test_order(flireo_sandbox):
    client = FlireoClient(
        flireo_sandbox.api_key, base_url=flireo_sandbox.base_url
    )
```

Fixtures:

- ``flireo_sandbox_config``: the `SandboxConfig` to use (default:
  ``SandboxConfig()``).  Override it in a ``conftest.py`` or a test module
  to configure every sandbox there.
- ``flireo_sandbox``: a running `Sandbox` (function scope), stopped after
  the test.

A single test can adjust the configuration with a marker whose keyword
arguments replace config fields:

```python
@pytest.mark.flireo_sandbox(credits=5, order_completion_delay=0)
async def test_out_of_credits(flireo_sandbox): ...
```

``flireo_sandbox`` is an async fixture and needs pytest-asyncio (part of
the ``test`` extra).  The plugin still loads without it, so that installing
the package never breaks an unrelated pytest run; only the async fixture
is then unusable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest


if TYPE_CHECKING:
    from flireo_async.testing.sandbox import Sandbox, SandboxConfig


try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - pytest-asyncio is a test extra
    # The fixture is then a plain async generator that pytest cannot run;
    # it fails when used, with pytest's own message, not at plugin load.
    _async_fixture = pytest.fixture  # type: ignore[assignment]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``flireo_sandbox`` marker."""
    config.addinivalue_line(
        "markers",
        "flireo_sandbox(**fields): SandboxConfig fields that replace those "
        "of the flireo_sandbox_config fixture for this test",
    )


@pytest.fixture
def flireo_sandbox_config() -> SandboxConfig:
    """
    Return the configuration of the ``flireo_sandbox`` fixture.

    Override this fixture to configure the sandboxes of a module or
    directory.

    Returns:
        ``SandboxConfig()``.
    """
    # Imported here, not at module level: pytest loads plugins before
    # pytest-cov starts measuring, and the sandbox should be measured.
    from flireo_async.testing.sandbox import SandboxConfig

    return SandboxConfig()


@_async_fixture
async def flireo_sandbox(
    request: pytest.FixtureRequest, flireo_sandbox_config: SandboxConfig
) -> AsyncIterator[Sandbox]:
    """
    Serve a sandbox for the duration of one test.

    Args:
        request: The pytest request, to read the ``flireo_sandbox`` marker.
        flireo_sandbox_config: The configuration to start from.

    Yields:
        The running sandbox.
    """
    from flireo_async.testing.sandbox import Sandbox

    overrides: dict[str, Any] = {}
    # Closest marker last, so a function marker beats a module's.
    for marker in reversed(list(request.node.iter_markers("flireo_sandbox"))):
        overrides.update(marker.kwargs)
    async with Sandbox(flireo_sandbox_config, **overrides) as sandbox:
        yield sandbox
