"""
`Sandbox`: start and stop the server, and inspect it from Python.
"""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Any, Self

import attrs
from aiohttp import web

from .._core._config import SandboxConfig
from .._core._pipeline import RequestRecord
from ._app import Engine, build_app
from ._entities import APPROVED, REJECTED
from ._inspect import state_summary


# Long enough for in-flight answers to finish, short enough that a
# sleeping "slow" fault does not hold up a test's teardown.
_SHUTDOWN_TIMEOUT = 0.5


class LoopbackServer:
    """
    The lifecycle both sandbox modes share: bind, serve, stop.

    A subclass builds its application in `_application` and says where
    its API lives in ``base_url``.

    Args:
        config: The configuration.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    def _application(self) -> web.Application:
        raise NotImplementedError

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """
        Bind the port and start serving.

        Raises:
            RuntimeError: The sandbox is already running.
            OSError: The address cannot be bound.
        """
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        runner = web.AppRunner(
            self._application(),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            # Binding the socket ourselves makes the real port of port=0
            # known without reaching into aiohttp's private attributes.
            sock = _bind(self.config.host, self.config.port)
            try:
                await web.SockSite(runner, sock).start()
            except BaseException:
                sock.close()
                raise
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = sock.getsockname()[1]

    async def stop(self) -> None:
        """Stop serving and close every connection; idempotent."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._port = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- where ---------------------------------------------------------------

    @property
    def port(self) -> int:
        """
        The bound TCP port.

        Raises:
            RuntimeError: The sandbox is not running.
        """
        if self._port is None:
            raise RuntimeError("the sandbox is not running")
        return self._port

    @property
    def root_url(self) -> str:
        """The server's root, e.g. ``http://127.0.0.1:54321``."""
        host = self.config.host
        if ":" in host:  # an IPv6 literal
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def api_key(self) -> str:
        """The bearer token the sandbox accepts."""
        return self.config.api_key


class Sandbox(LoopbackServer):
    """
    A local Flireo v1 provisioning API on loopback, for tests and demos.

    Use it as an async context manager:

    ```python
    async with Sandbox(credits=100, seed=1) as sandbox:
        client = FlireoClient(sandbox.api_key, base_url=sandbox.base_url)
    ```

    or call `start` and `stop`.  One sandbox serves one event loop.

    Args:
        config: The configuration; `SandboxConfig()` when omitted.
        **overrides: `SandboxConfig` fields that replace those of
            *config*, e.g. ``Sandbox(credits=20)``.

    Raises:
        TypeError: An override is not a `SandboxConfig` field.
        ValueError: A value is out of range.
    """

    def __init__(
        self, config: SandboxConfig | None = None, **overrides: Any
    ) -> None:
        config = config if config is not None else SandboxConfig()
        if overrides:
            config = attrs.evolve(config, **overrides)
        super().__init__(config)
        self._engine = Engine(config)

    def __repr__(self) -> str:
        where = self.base_url if self._port is not None else "not started"
        return f"<Sandbox {where}>"

    def _application(self) -> web.Application:
        return build_app(self._engine)

    @property
    def base_url(self) -> str:
        """The URL to give a client, e.g. ``http://127.0.0.1:54321``."""
        return self.root_url

    # -- inspection ----------------------------------------------------------

    @property
    def credits(self) -> int:
        """The current credit balance."""
        return self._engine.state.credits

    def set_credits(self, credits: int) -> None:
        """
        Set the credit balance.

        Args:
            credits: The new balance.

        Raises:
            ValueError: *credits* is negative.
        """
        if credits < 0:
            raise ValueError("credits must be >= 0")
        self._engine.state.credits = credits

    def orders_for(self, phone_number: str) -> list[dict[str, Any]]:
        """
        Return every order placed for *phone_number*, oldest first.

        Args:
            phone_number: An E.164 number.

        Returns:
            The orders as ``GET /v1/phone-number-orders/{id}`` renders them.
        """
        return [o.detail() for o in self._engine.state.orders_of(phone_number)]

    def order_counts(self) -> dict[str, int]:
        """
        Count orders per number, to prove nothing was ordered twice.

        Returns:
            Phone number → number of orders placed for it.
        """
        return self._engine.state.order_counts()

    def summary(self) -> dict[str, Any]:
        """
        Summarise the sandbox (the ``GET /_sandbox/state`` body).

        Returns:
            Credits and counts of orders, numbers, groups and requests.
        """
        return state_summary(self._engine)

    @property
    def request_log(self) -> list[RequestRecord]:
        """The most recent requests to ``/v1``, in completion order."""
        return list(self._engine.log)

    def available_numbers(
        self,
        number_type: str = "national",
        limit: int = 20,
        *,
        locality: str | None = None,
    ) -> list[str]:
        """
        Peek at numbers that can still be ordered.

        Args:
            number_type: ``"national"``, ``"mobile"`` or ``"local"``.
            limit: Most numbers to return.
            locality: The city, for local numbers.

        Returns:
            Free numbers in the order searches return them.

        Raises:
            ValueError: Unknown *number_type*.
        """
        return self._engine.state.peek(number_type, limit, locality)

    @property
    def assistant_ids(self) -> tuple[str, ...]:
        """The ids of the assistants numbers can be linked to."""
        return tuple(self._engine.state.assistants)

    def approve_group(self, group_id: str) -> None:
        """
        Approve a verification group now, whatever its delay.

        Raises:
            KeyError: Unknown group.
        """
        self._engine.state.decide_group(group_id, APPROVED)

    def reject_group(self, group_id: str) -> None:
        """
        Reject a verification group now, whatever its delay.

        Raises:
            KeyError: Unknown group.
        """
        self._engine.state.decide_group(group_id, REJECTED)

    def reset(self) -> None:
        """Forget everything: back to the configured credits and seed."""
        self._engine.reset()


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock
