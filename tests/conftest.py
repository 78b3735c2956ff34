"""Shared fixtures: cassette replay and clients wired to a test transport."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
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


class SandboxProcess:
    """
    ``python -m flireo_async.testing.sandbox`` in its own process, as a job
    in another process talks to it; stopped by the fixture below.
    """

    # Direct connections only: a proxy from the environment must not see
    # these.
    _opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __init__(self, *options: str) -> None:
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flireo_async.testing.sandbox",
                "--port",
                "0",
                *options,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        match = re.search(
            r"(http://127\.0\.0\.1:\d+(?:/v2)?) \(api key: (\S+)\)", line
        )
        assert match, f"unexpected first line {line!r}"
        self.url, self.api_key = match.group(1), match.group(2)

    def inspect(self, path: str) -> Any:
        """GET a /_sandbox inspection route and decode its JSON."""
        root = self.url.removesuffix("/v2")
        url = f"{root}/_sandbox/{path}"
        with self._opener.open(url, timeout=5) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        """Terminate it (kill it if it does not go within 5 s)."""
        process = self._process
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def done_records(journal: Path) -> int:
    """How many ``done`` records a bulk journal holds so far."""
    if not journal.exists():
        return 0
    return journal.read_bytes().count(b'"t":"done"')


@pytest.fixture(name="sandbox_process")
def _sandbox_process() -> Iterator[Callable[..., SandboxProcess]]:
    """``sandbox_process(*options)`` starts a sandbox process with those
    command-line options; all are stopped at teardown."""
    started: list[SandboxProcess] = []

    def start(*options: str) -> SandboxProcess:
        started.append(SandboxProcess(*options))
        return started[-1]

    yield start
    for process in started:
        process.stop()
