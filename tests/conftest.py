"""Shared fixtures: cassette replay and clients wired to a test transport."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import flireo_async as flireo
from flireo_async.testing import RecordedTransport


pytest_plugins = ["flireo_async.testing.pytest_plugin"]

# Property tests: "ci" (the default) is seeded and small so the suite stays
# fast and reproducible; "fuzz" digs much deeper for a local or nightly run.
# Pick one with HYPOTHESIS_PROFILE=fuzz or --hypothesis-profile=fuzz.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=30,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# No example database in either: it would leave a .hypothesis directory in
# the checkout; print_blob gives a failure's @reproduce_failure instead.
settings.register_profile(
    "fuzz",
    max_examples=2000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers this suite uses (``--strict-markers`` is on)."""
    config.addinivalue_line(
        "markers",
        "fuzz: property-based fuzz tests (select with -m fuzz; deepen with "
        "HYPOTHESIS_PROFILE=fuzz)",
    )


RECORDINGS = Path(__file__).parent / "recordings"
BASE_URL = "https://api.example.test"
FAST_RETRY = flireo.RetryPolicy(initial_delay=0.001, max_delay=0.01)


@pytest.fixture(name="recording")
def _recording() -> Iterator[Callable[[str], RecordedTransport]]:
    """``recording(name)`` replays ``tests/recordings/<name>.json``; every
    interaction loaded must have been requested by the end of the test."""
    loaded: list[RecordedTransport] = []

    def load(name: str) -> RecordedTransport:
        transport = RecordedTransport(RECORDINGS / f"{name}.json")
        loaded.append(transport)
        return transport

    yield load
    for transport in loaded:
        transport.assert_all_played()


@pytest.fixture(name="client_for")
async def _client_for() -> AsyncIterator[Callable[..., flireo.FlireoClient]]:
    """``client_for(transport, **overrides)`` builds a FlireoClient with fast
    retries on a fake base URL (nothing leaves the process); closed at
    teardown."""
    clients: list[flireo.FlireoClient] = []

    def make(
        transport: flireo.Transport, **overrides: Any
    ) -> flireo.FlireoClient:
        options: dict[str, Any] = {
            "api_key": "test-key",
            "base_url": BASE_URL,
            "retry": FAST_RETRY,
        }
        options.update(overrides)
        client = flireo.FlireoClient(transport=transport, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
