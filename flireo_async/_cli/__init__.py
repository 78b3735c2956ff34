"""
The ``flireo`` command line (installed with the ``cli`` extra).

Every command runs against the API named by ``$FLIREO_API_KEY`` and
``$FLIREO_BASE_URL`` (or ``--api-key``/``--base-url``), or with
``--sandbox`` against an embedded local sandbox.  Errors end the process
with one line on stderr (and a JSON error object on stdout with
``--json``) and a non-zero exit code; ``_run`` lists the codes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


__all__ = ["main"]


_VALUED = frozenset({"--api-key", "--base-url", "--timeout"})


def _sandbox_args(args: list[str]) -> list[str] | None:
    # `flireo [shared options] sandbox ARGS`: the sandbox server has its
    # own options and its own loop.
    words = enumerate(args)
    for position, arg in words:
        if arg in _VALUED:
            next(words, None)
        elif not arg.startswith("-"):
            return args[position + 1 :] if arg == "sandbox" else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``flireo`` command.

    Args:
        argv: Arguments without the program name (default: ``sys.argv``).

    Returns:
        The exit code.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    sandbox_args = _sandbox_args(args)
    if sandbox_args is not None:
        from ..testing.sandbox.__main__ import main as sandbox_main

        return sandbox_main(sandbox_args)
    try:
        from ._output import error_object, print_json, warn
        from ._parser import ParseError, build_parser
        from ._run import EXIT_USAGE, UsageError, execute
    except ImportError as exc:  # pragma: no cover - depends on the install
        print(
            f"flireo: the command line needs the 'cli' extra "
            f"(pip install 'flireo-async[cli]'): {exc}",
            file=sys.stderr,
        )
        return 2
    parser = build_parser()
    try:
        ns = parser.parse_args(args)
    except ParseError as exc:
        if "--json" in args:
            print_json(error_object(UsageError(str(exc)), EXIT_USAGE))
        warn(f"{exc.prog}: error: {exc}")
        return EXIT_USAGE
    if ns.command == "completion":
        from ._completion import script

        sys.stdout.write(script(ns.shell, parser))
        return 0
    ns.argv = args
    return execute(ns)
