"""
The ``flireo`` argument parser: one subcommand per job.

The shared options (``--sandbox``, ``--json``, ``--api-key``,
``--base-url``, ``--timeout``) are accepted anywhere on the line: the
top-level parser gives their defaults, and every subparser accepts them
again with ``SUPPRESS`` defaults, so a subparser that did not see one does
not overwrite what an earlier position set.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn, TypeAlias

from .._core._version import version
from .._models import NumberType, OrderStatus, VerificationGroupStatus
from . import _bulk, _commands, _demo


__all__ = ["ParseError", "build_parser"]

_NUMBERS = [str(t) for t in NumberType]
_FORMATTER = argparse.RawDescriptionHelpFormatter


def _ranged(
    kind: Callable[[str], float | int], low: float, high: float | None = None
) -> Callable[[str], float | int]:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            msg = f"not a number: {text!r}"
            raise argparse.ArgumentTypeError(msg) from None
        if value < low or (high is not None and value > high):
            bound = f"between {low:g} and {high:g}" if high else f">= {low:g}"
            msg = f"must be {bound}, got {text}"
            raise argparse.ArgumentTypeError(msg)
        return value

    parse.__name__ = kind.__name__
    return parse


class ParseError(Exception):
    """
    A usage error, after argparse printed the usage line.

    Attributes:
        prog: The (sub)command whose arguments were wrong.
    """

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    # Usage errors become an exception so that main() can print them as
    # one line, and as a JSON object with --json.
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise ParseError(message, self.prog)


_Sub: TypeAlias = "argparse._SubParsersAction[_Parser]"

_COUNT = _ranged(int, 1)
_SECONDS = _ranged(float, 0.001)


def _shared(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group("shared options (anywhere on the line)")
    group.add_argument(
        "--sandbox",
        action="store_true",
        default=default(False),
        help="run against an embedded local sandbox instead of the API",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print JSON (results and errors) instead of tables",
    )
    group.add_argument(
        "--api-key",
        default=default(None),
        help="API key (default: $FLIREO_API_KEY; prefer the variable)",
    )
    group.add_argument(
        "--base-url",
        default=default(None),
        help="API root (default: $FLIREO_BASE_URL)",
    )
    group.add_argument(
        "--timeout",
        type=_SECONDS,
        default=default(30.0),
        metavar="S",
        help="seconds per request attempt (default: 30)",
    )


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _command(
    sub: _Sub, name: str, help_text: str, examples: tuple[str, ...]
) -> _Parser:
    # A command's page: its help, the sentence it makes, its examples and
    # the options every command takes.
    parser = sub.add_parser(
        name,
        help=help_text,
        description=help_text[0].upper() + help_text[1:] + ".",
        epilog=_examples(*examples),
        formatter_class=_FORMATTER,
    )
    _shared(parser)
    return parser


def _leaf(
    sub: _Sub,
    name: str,
    help_text: str,
    run: Callable[..., object],
    *examples: str,
) -> argparse.ArgumentParser:
    parser = _command(sub, name, help_text, examples)
    parser.set_defaults(run=run)
    return parser


def _listing(parser: argparse.ArgumentParser, default: int) -> None:
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument(
        "--limit",
        type=_COUNT,
        default=default,
        metavar="N",
        help=f"how many to show (default: {default})",
    )
    amount.add_argument(
        "--all", action="store_true", help="show every one, page by page"
    )


def _group(sub: _Sub, name: str, help_text: str, *examples: str) -> _Sub:
    return _command(sub, name, help_text, examples).add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the parser; each leaf sets ``run`` to its coroutine."""
    parser = _Parser(
        prog="flireo",
        description="Search, order and track Dutch phone numbers.",
        epilog=_examples(
            "flireo demo                        # the whole flow, offline",
            "flireo numbers search --sandbox    # try any command offline",
            "flireo bulk-order numbers.csv --journal run.jsonl --wait",
            "source <(flireo completion bash)   # tab completion",
        ),
        formatter_class=_FORMATTER,
    )
    parser.add_argument(
        "--version", action="version", version=f"flireo {version()}"
    )
    _shared(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = _leaf(
        sub,
        "demo",
        "the whole flow on an embedded sandbox",
        _demo.run,
        "flireo demo --count 50",
    )
    demo.add_argument("--count", type=_COUNT, default=300, metavar="N")
    demo.add_argument("--concurrency", type=_COUNT, default=32, metavar="N")

    sub.add_parser(
        "sandbox",
        help="serve a local sandbox (flireo sandbox --help for options)",
        add_help=False,
    )
    _numbers(sub)
    _orders(sub)
    _groups(sub)
    _bulk_order(sub)

    completion = sub.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print a completion script for bash or zsh.",
        epilog=_examples(
            "flireo completion bash > "
            "~/.local/share/bash-completion/completions/flireo",
            "flireo completion zsh > ~/.zfunc/_flireo   # with ~/.zfunc "
            "in $fpath",
            "source <(flireo completion bash)   # this shell only",
        ),
        formatter_class=_FORMATTER,
    )
    completion.add_argument("shell", choices=("bash", "zsh"))
    return parser


def _numbers(sub: _Sub) -> None:
    num = _group(
        sub,
        "numbers",
        "available and owned numbers",
        "flireo numbers search --limit 5",
        "flireo numbers order +31850006949 --wait",
    )
    p = _leaf(
        num,
        "search",
        "find numbers to order",
        _commands.numbers_search,
        "flireo numbers search --query 8500 --limit 5",
        "flireo numbers search --limit 1000 --json > numbers.json",
        "flireo numbers search --group GROUP_ID   # local numbers",
    )
    p.add_argument("--type", choices=_NUMBERS, help="default: national")
    p.add_argument("--query", help="digits the numbers contain")
    _listing(p, 20)
    p.add_argument("--group", help="search local numbers through a group")
    p = _leaf(
        num,
        "order",
        "order one number",
        _commands.numbers_order,
        "flireo numbers order +31850006949 --wait",
        "flireo numbers order +31201234567 --group GROUP_ID",
    )
    p.add_argument("phone_number")
    p.add_argument(
        "--type",
        choices=_NUMBERS,
        help="default: local with --group, else national",
    )
    p.add_argument("--group", help="verification group id (local numbers)")
    _waiting(p, 600.0, "until the order is final")
    p = _leaf(
        num,
        "list",
        "the account's numbers",
        _commands.numbers_list,
        "flireo numbers list --include-default",
    )
    p.add_argument(
        "--include-default",
        action="store_true",
        help="also the platform's shared numbers",
    )
    _listing(p, 30)


def _waiting(
    parser: argparse.ArgumentParser, default: float, what: str
) -> None:
    parser.add_argument("--wait", action="store_true", help=f"wait {what}")
    parser.add_argument(
        "--wait-timeout",
        type=_SECONDS,
        default=default,
        metavar="S",
        help=f"give up waiting after S seconds (default: {default:g}; "
        "exit code 124)",
    )


def _orders(sub: _Sub) -> None:
    orders = _group(
        sub,
        "orders",
        "number orders",
        "flireo orders list --status pending",
        "flireo orders wait ORDER_ID",
    )
    p = _leaf(
        orders,
        "list",
        "list orders, newest first",
        _commands.orders_list,
        "flireo orders list --status failed --all",
    )
    p.add_argument("--status", choices=[str(s) for s in OrderStatus])
    p.add_argument("--type", choices=_NUMBERS)
    p.add_argument("--group", help="orders under this verification group")
    _listing(p, 30)
    p = _leaf(
        orders,
        "get",
        "one order",
        _commands.orders_get,
        "flireo orders get ID",
    )
    p.add_argument("order_id")
    p = _leaf(
        orders,
        "wait",
        "wait for an order to finish",
        _commands.orders_wait,
        "flireo orders wait ORDER_ID --wait-timeout 60",
    )
    p.add_argument("order_id")
    p.add_argument(
        "--wait-timeout",
        type=_SECONDS,
        default=600.0,
        metavar="S",
        help="give up after S seconds (default: 600; exit code 124)",
    )


def _groups(sub: _Sub) -> None:
    groups = _group(
        sub,
        "groups",
        "verification groups (needed for local numbers)",
        "flireo groups list --status approved",
        "flireo groups wait GROUP_ID",
    )
    p = _leaf(
        groups,
        "create",
        "file a verification group",
        _commands.groups_create,
        "flireo groups create --name Office --business-name 'Voorbeeld BV' "
        "\\\n      --contact-person-first-name Julia "
        "--contact-person-last-name 'de Vries' \\\n"
        "      --contact-person-phone +31612345678 --street-name Damrak "
        "--house-number 1 \\\n      --postal-code '1012 LG' --city "
        "Amsterdam --province Noord-Holland --wait",
    )
    p.add_argument("--type", default="local", choices=_NUMBERS)
    for field in _commands.GROUP_FIELDS:
        p.add_argument(f"--{field.replace('_', '-')}", required=True)
    p.add_argument("--description")
    _waiting(p, 3600.0, "until the group is reviewed")
    p = _leaf(
        groups,
        "list",
        "list groups",
        _commands.groups_list,
        "flireo groups list --status approved",
    )
    p.add_argument(
        "--status", choices=[str(s) for s in VerificationGroupStatus]
    )
    p.add_argument("--type", choices=_NUMBERS)
    _listing(p, 30)
    p = _leaf(
        groups,
        "get",
        "one group with its documents",
        _commands.groups_get,
        "flireo groups get GROUP_ID",
    )
    p.add_argument("group_id")
    p = _leaf(
        groups,
        "wait",
        "wait until a group is reviewed",
        _commands.groups_wait,
        "flireo groups wait GROUP_ID --wait-timeout 600",
    )
    p.add_argument("group_id")
    p.add_argument(
        "--wait-timeout",
        type=_SECONDS,
        default=3600.0,
        metavar="S",
        help="give up after S seconds (default: 3600; exit code 124)",
    )


def _bulk_order(
    sub: _Sub,
) -> None:
    bulk = _leaf(
        sub,
        "bulk-order",
        "order every number of a CSV file, exactly once",
        _bulk.run,
        "flireo bulk-order numbers.csv --journal run.jsonl --wait",
        "flireo bulk-order - --sandbox < numbers.csv",
    )
    bulk.description = (
        "Order every number of a CSV file, exactly once.\n\n"
        "A first row without an E.164 number is a header, read by name "
        "(any case, any\norder): phone_number (required), number_type "
        "(default national),\nverification_group_id (local numbers). "
        "Without a header the columns are\npositional in that order.\n\n"
        "Exit codes: 0 every row ordered, 1 anything failed or skipped, "
        "2 bad usage,\n130 Ctrl-C, 143 SIGTERM (both print the command "
        "that resumes)."
    )
    bulk.add_argument("file", help="CSV file ('-' for stdin)")
    bulk.add_argument(
        "--concurrency",
        type=_ranged(int, 1, 1000),
        default=16,
        metavar="N",
        help="most orders in flight (1-1000, default: 16)",
    )
    bulk.add_argument(
        "--journal",
        metavar="FILE",
        help="journal to write and resume (default: a temporary one, "
        "kept only when the run stops early)",
    )
    _waiting(bulk, 600.0, "until every order is final")
    bulk.add_argument(
        "--rate-limit",
        type=_ranged(float, 0.001),
        default=None,
        metavar="PER_S",
        help="most order requests per second",
    )
    bulk.add_argument(
        "--no-progress", action="store_true", help="no progress bar"
    )
