"""
Run the sandbox from the shell: ``python -m flireo_async.testing.sandbox``
(or ``flireo sandbox``).

It prints one line, ``Flireo sandbox listening on http://HOST:PORT (api
key: KEY)``, with the real port when ``--port 0`` was asked for, and serves
until SIGINT or SIGTERM, then exits with status 0.  With ``--telnyx`` it
serves the Telnyx v2 mode instead (`TelnyxSandbox`, key
``KEY_telnyx_test_sandbox`` unless ``--api-key`` says otherwise) and prints
``Telnyx sandbox listening on http://HOST:PORT/v2 (api key: KEY)``; with
``--webhook-url`` too, a second line names the URL and the Ed25519 public
key that verifies its ``number_order.complete`` events.  A port in use
exits 1 with one line naming it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import signal
import sys
from pathlib import Path
from typing import Any, TypeVar

import attrs

from ._core._config import (
    DEFAULT_API_KEY,
    DEFAULT_RATE_LIMIT,
    FLIREO_RATE_LIMIT,
    ROUTE_GROUPS,
    ROUTES,
    TELNYX_ROUTES,
    Faults,
    SandboxConfig,
)
from .flireo._server import Sandbox
from .telnyx._server import DEFAULT_TELNYX_API_KEY, TelnyxSandbox


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    # Shows "(default: X)" after every option that has a default worth
    # naming; an option without one (or a flag) says nothing more.
    def _get_help_string(self, action: argparse.Action) -> str | None:
        default = action.default
        # Identity, not equality: a default of 0 is worth naming.
        if default is None or default is False or default == argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


def _default_prog() -> str:
    # The name the user typed: `flireo sandbox` through the console
    # script, else the module.
    if Path(sys.argv[0]).name == "flireo":
        return "flireo sandbox"
    return "python -m flireo_async.testing.sandbox"


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """
    Build the command-line parser (reused by the ``flireo sandbox`` CLI).

    Args:
        prog: The command's name in usage and help; by default ``flireo
            sandbox`` when run by the ``flireo`` command, else ``python -m
            flireo_async.testing.sandbox``.

    Returns:
        The parser; `config_from_args` turns its result into a config.
    """
    parser = argparse.ArgumentParser(
        prog=prog or _default_prog(),
        description=(
            "Serve a local Flireo v1 provisioning API on loopback, or with "
            "--telnyx the Telnyx v2 number-ordering API, for tests and "
            "demos.  It prints one line with its URL and key, and serves "
            "until Ctrl-C or SIGTERM."
        ),
        formatter_class=_HelpFormatter,
    )
    add = parser.add_argument
    add(
        "--telnyx",
        action="store_true",
        help="serve the Telnyx v2 number-ordering API under /v2 instead of "
        "the Flireo API",
    )
    add("--host", default="127.0.0.1", help="interface to listen on")
    add(
        "--port",
        type=int,
        default=0,
        help="TCP port; 0 picks a free one (printed on start)",
    )
    add(
        "--api-key",
        metavar="KEY",
        help="the bearer key accepted (default: fl_test_sandbox, or "
        f"{DEFAULT_TELNYX_API_KEY} with --telnyx)",
    )
    add(
        "--credits",
        type=int,
        default=1000,
        metavar="N",
        help="starting credits; an order costs 10 (Flireo mode)",
    )
    add(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the numbers, ids and faults: a seed always gives the "
        "same run",
    )
    add(
        "--group-approval-delay",
        type=float,
        default=1.0,
        metavar="S",
        help="seconds until a verification group leaves pending (Telnyx: "
        "until a submitted requirement group is approved)",
    )
    add(
        "--reject-groups-named",
        metavar="PREFIX",
        help="verification groups whose name starts with PREFIX end "
        "rejected (Flireo mode)",
    )
    add(
        "--order-completion-delay",
        type=float,
        default=0.5,
        metavar="S",
        help="seconds until an order (with its requirements met) completes",
    )
    add(
        "--order-failure-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="share of orders (seeded) that fail",
    )
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
        default=DEFAULT_RATE_LIMIT,
        metavar="N",
        help=f"requests per window per key; {FLIREO_RATE_LIMIT} is the real "
        "Flireo limit, 0 turns limiting and its headers off",
    )
    add(
        "--rate-window",
        type=float,
        default=60.0,
        metavar="S",
        help="length of a rate-limit window in seconds",
    )
    add(
        "--request-log-limit",
        type=int,
        default=10_000,
        metavar="N",
        help="recent requests kept for GET /_sandbox/requests",
    )
    add(
        "--webhook-url",
        metavar="URL",
        help="with --telnyx: where to POST signed number_order.complete "
        "webhooks (needs the 'telnyx' extra)",
    )
    faults = parser.add_argument_group(
        "fault injection",
        "Seeded: the same seed and request order give the same faults.  "
        "The rates share one roll per request, so they add up to at most "
        "1; see flireo_async.testing.sandbox.Faults.",
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
    add(
        "--error-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="answer 500/502/503 before processing",
    )
    add(
        "--html-error-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="answer a proxy's HTML 502 page",
    )
    add(
        "--rate-limit-burst-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="answer 429 whatever the limit",
    )
    add(
        "--burst-retry-after",
        type=int,
        default=1,
        metavar="S",
        help="the wait a burst 429 asks for",
    )
    add(
        "--slow-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="process, then hold the answer --slow-seconds",
    )
    add(
        "--slow-seconds",
        type=float,
        default=5.0,
        metavar="S",
        help="how long a slow answer is held",
    )
    add(
        "--drop-before-commit-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="order POSTs: close the connection, ordering nothing",
    )
    add(
        "--drop-after-commit-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="order POSTs: place the order, then close the connection",
    )
    add(
        "--apply-to",
        action="append",
        metavar="ROUTE",
        choices=sorted(ROUTE_GROUPS.keys() | ROUTES | TELNYX_ROUTES),
        help="routes that see faults, repeatable: all, orders, reads, "
        "writes or a route name (default: all)",
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
    faults = _from_args(
        Faults,
        args,
        latency=tuple(args.latency),
        apply_to=frozenset(args.apply_to or ("all",)),
    )
    default_key = DEFAULT_TELNYX_API_KEY if args.telnyx else DEFAULT_API_KEY
    return _from_args(
        SandboxConfig,
        args,
        api_key=default_key if args.api_key is None else args.api_key,
        rate_limit=args.rate_limit or None,
        faults=faults,
    )


_T = TypeVar("_T")


def _from_args(cls: type[_T], args: argparse.Namespace, **changed: Any) -> _T:
    # Every option is named after the field it sets, so a new field needs
    # only its option; *changed* holds the values that need converting.
    given = {
        field.name: getattr(args, field.name)
        for field in attrs.fields(cls)  # type: ignore[arg-type]
        if hasattr(args, field.name)
    }
    return cls(**{**given, **changed})


async def serve(
    config: SandboxConfig,
    stop: asyncio.Event | None = None,
    *,
    telnyx: bool = False,
    webhook_url: str | None = None,
) -> None:
    """
    Serve *config* until SIGINT or SIGTERM (or until *stop* is set).

    Args:
        config: The configuration.
        stop: An event that ends serving when set, for callers that embed
            the sandbox; SIGINT and SIGTERM set it too.
        telnyx: Serve the Telnyx mode instead of the Flireo API.
        webhook_url: Telnyx mode: where ``number_order.complete`` events
            go; a second line then names the URL and the public key that
            verifies them.
    """
    stop = stop if stop is not None else asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        # Not available on Windows; Ctrl-C then ends asyncio.run instead.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    server: Sandbox | TelnyxSandbox
    if telnyx:
        server = TelnyxSandbox(config, webhook_url=webhook_url)
    else:
        server = Sandbox(config)
    name = "Telnyx" if telnyx else "Flireo"
    try:
        async with server as sandbox:
            print(
                f"{name} sandbox listening on {sandbox.base_url} "
                f"(api key: {sandbox.api_key})",
                flush=True,
            )
            if isinstance(sandbox, TelnyxSandbox) and webhook_url:
                print(
                    f"webhooks to {webhook_url}, signed with Ed25519 "
                    f"public key {sandbox.webhook_public_key}",
                    flush=True,
                )
            await stop.wait()
    finally:
        for signum in signals:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signum)


def main(argv: list[str] | None = None, *, prog: str | None = None) -> int:
    """
    Run the sandbox command line.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when
            ``None``.
        prog: The command's name in usage and help (see `build_parser`).

    Returns:
        The exit status: 0 after a clean shutdown, 1 when it could not
        serve (a port in use), 2 for bad arguments.
    """
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    if args.webhook_url is not None:
        _check_webhooks(parser, args)
    try:
        asyncio.run(
            serve(config, telnyx=args.telnyx, webhook_url=args.webhook_url)
        )
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"error: {_describe(exc, config)}", file=sys.stderr)
        return 1
    return 0


def _check_webhooks(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> None:
    # Refused up front: a bad URL or a missing extra would otherwise only
    # show as failed deliveries nobody sees.
    if not args.telnyx:
        parser.error("--webhook-url needs --telnyx (Flireo has no webhooks)")
    if not args.webhook_url.startswith(("http://", "https://")):
        parser.error(
            f"--webhook-url must be an http(s) URL: {args.webhook_url}"
        )
    try:
        import cryptography  # noqa: F401
    except ImportError:
        parser.error(
            "--webhook-url signs events with Ed25519, which needs the "
            "'telnyx' extra: pip install 'flireo-async[telnyx]'"
        )


def _describe(exc: OSError, config: SandboxConfig) -> str:
    # "[Errno 98] ... address already in use" names neither the port nor
    # the way out.
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {config.port} on {config.host} is already in use; "
            "choose another with --port, or --port 0 for a free one"
        )
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
