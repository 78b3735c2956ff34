"""
Run the sandbox from the shell: ``python -m flireo_async.testing.sandbox``.

It prints one line, ``Flireo sandbox listening on http://HOST:PORT (api
key: KEY)``, with the real port when ``--port 0`` was asked for, and serves
until SIGINT or SIGTERM, then exits with status 0.  With ``--telnyx`` it
serves the Telnyx v2 mode instead (`TelnyxSandbox`) and prints ``Telnyx
sandbox listening on http://HOST:PORT/v2 (api key: KEY)``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from ._config import (
    ROUTE_GROUPS,
    ROUTES,
    TELNYX_ROUTES,
    Faults,
    SandboxConfig,
)
from ._server import Sandbox
from ._telnyx_server import TelnyxSandbox


def build_parser() -> argparse.ArgumentParser:
    """
    Build the command-line parser (reused by the ``flireo sandbox`` CLI).

    Returns:
        The parser; `config_from_args` turns its result into a config.
    """
    parser = argparse.ArgumentParser(
        prog="python -m flireo_async.testing.sandbox",
        description="Serve a local Flireo v1 provisioning API.",
    )
    add = parser.add_argument
    add(
        "--telnyx",
        action="store_true",
        help="serve the Telnyx v2 number-ordering API under /v2 instead",
    )
    add("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    add("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    add("--api-key", default="fl_test_sandbox", help="accepted bearer key")
    add("--credits", type=int, default=1000, help="starting credits")
    add("--seed", type=int, default=0, help="seed for numbers, ids, faults")
    add("--group-approval-delay", type=float, default=1.0, metavar="S")
    add(
        "--reject-groups-named",
        metavar="PREFIX",
        help="groups whose name starts with PREFIX end rejected",
    )
    add("--order-completion-delay", type=float, default=0.5, metavar="S")
    add("--order-failure-rate", type=float, default=0.0, metavar="P")
    add(
        "--inventory-size",
        type=int,
        default=2000,
        metavar="N",
        help="numbers per pool",
    )
    add(
        "--rate-limit",
        type=int,
        metavar="N",
        help="requests per window per key (default: unlimited)",
    )
    add("--rate-window", type=float, default=60.0, metavar="S")
    add("--request-log-limit", type=int, default=10_000, metavar="N")
    faults = parser.add_argument_group(
        "fault injection", "seeded; see flireo_async.testing.sandbox.Faults"
    )
    add = faults.add_argument
    add(
        "--latency",
        type=float,
        nargs=2,
        default=(0.0, 0.0),
        metavar=("LOW", "HIGH"),
        help="uniform extra delay in seconds",
    )
    add("--error-rate", type=float, default=0.0, metavar="P")
    add("--html-error-rate", type=float, default=0.0, metavar="P")
    add("--rate-limit-burst-rate", type=float, default=0.0, metavar="P")
    add("--burst-retry-after", type=int, default=1, metavar="S")
    add("--slow-rate", type=float, default=0.0, metavar="P")
    add("--slow-seconds", type=float, default=5.0, metavar="S")
    add("--drop-before-commit-rate", type=float, default=0.0, metavar="P")
    add("--drop-after-commit-rate", type=float, default=0.0, metavar="P")
    add(
        "--apply-to",
        action="append",
        metavar="ROUTE",
        choices=sorted(ROUTE_GROUPS.keys() | ROUTES | TELNYX_ROUTES),
        help="routes that see faults (repeatable; default: all)",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """
    Turn parsed arguments into a `SandboxConfig`.

    Args:
        args: The result of ``build_parser().parse_args()``.

    Returns:
        The configuration.

    Raises:
        ValueError: A value is out of range.
    """
    faults = Faults(
        latency=tuple(args.latency),
        error_rate=args.error_rate,
        html_error_rate=args.html_error_rate,
        rate_limit_burst_rate=args.rate_limit_burst_rate,
        burst_retry_after=args.burst_retry_after,
        slow_rate=args.slow_rate,
        slow_seconds=args.slow_seconds,
        drop_before_commit_rate=args.drop_before_commit_rate,
        drop_after_commit_rate=args.drop_after_commit_rate,
        apply_to=frozenset(args.apply_to or ("all",)),
    )
    return SandboxConfig(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        credits=args.credits,
        seed=args.seed,
        group_approval_delay=args.group_approval_delay,
        reject_groups_named=args.reject_groups_named,
        order_completion_delay=args.order_completion_delay,
        order_failure_rate=args.order_failure_rate,
        inventory_size=args.inventory_size,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        faults=faults,
        request_log_limit=args.request_log_limit,
    )


async def serve(
    config: SandboxConfig,
    stop: asyncio.Event | None = None,
    *,
    telnyx: bool = False,
) -> None:
    """
    Serve *config* until SIGINT or SIGTERM (or until *stop* is set).

    Args:
        config: The configuration.
        stop: An event that ends serving when set, for callers that embed
            the sandbox; SIGINT and SIGTERM set it too.
        telnyx: Serve the Telnyx mode instead of the Flireo API.
    """
    stop = stop if stop is not None else asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        # Not available on Windows; Ctrl-C then ends asyncio.run instead.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    server: Sandbox | TelnyxSandbox
    server = TelnyxSandbox(config) if telnyx else Sandbox(config)
    name = "Telnyx" if telnyx else "Flireo"
    try:
        async with server as sandbox:
            print(
                f"{name} sandbox listening on {sandbox.base_url} "
                f"(api key: {sandbox.api_key})",
                flush=True,
            )
            await stop.wait()
    finally:
        for signum in signals:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signum)


def main(argv: list[str] | None = None) -> int:
    """
    Run the sandbox command line.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when
            ``None``.

    Returns:
        The exit status: 0 after a clean shutdown, 2 for bad arguments.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    try:
        asyncio.run(serve(config, telnyx=args.telnyx))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
