"""Fixtures of the user's suite: a client for the sandbox of each test."""

from collections.abc import AsyncIterator

import flireo_async as flireo
import pytest
from flireo_async.testing.sandbox import Sandbox


@pytest.fixture
async def client(
    flireo_sandbox: Sandbox,
) -> AsyncIterator[flireo.FlireoClient]:
    """A client of this test's sandbox (``flireo_sandbox`` fixture)."""
    async with flireo.FlireoClient(
        flireo_sandbox.api_key, base_url=flireo_sandbox.base_url
    ) as client:
        yield client
