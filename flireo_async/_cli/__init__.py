"""
The ``flireo`` command line (installed with the ``cli`` extra).

Every command runs against the API named by ``$FLIREO_API_KEY`` and
``$FLIREO_BASE_URL`` (or ``--api-key``/``--base-url``), or with
``--sandbox`` against an embedded local sandbox.  Errors end the process
with one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from ..exceptions import FlireoError


__all__ = ["main"]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``flireo`` command.

    Args:
        argv: Arguments without the program name (default: ``sys.argv``).

    Returns:
        The exit code.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["sandbox"]:
        # The sandbox server has its own options and its own loop.
        from ..testing.sandbox.__main__ import main as sandbox_main

        return sandbox_main(args[1:])
    try:
        from ._parser import build_parser
    except ImportError as exc:  # pragma: no cover - depends on the install
        print(
            f"flireo: the command line needs the 'cli' extra "
            f"(pip install 'flireo-async[cli]'): {exc}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    parser = build_parser()
    ns = parser.parse_args(args)
    try:
        code: int = asyncio.run(ns.run(ns))
    except KeyboardInterrupt:
        print("flireo: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except FlireoError as exc:
        print(f"flireo: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"flireo: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return code
