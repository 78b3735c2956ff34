"""The ``flireo`` argument parser: one subcommand per job."""

from __future__ import annotations

import argparse

from .._models import NumberType, OrderStatus, VerificationGroupStatus
from . import _bulk, _commands, _demo


__all__ = ["build_parser"]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run against an embedded local sandbox instead of the API",
    )
    parser.add_argument(
        "--api-key",
        help="API key (default: $FLIREO_API_KEY; prefer the variable)",
    )
    parser.add_argument(
        "--base-url", help="API root (default: $FLIREO_BASE_URL)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print JSON instead of tables"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per attempt"
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the parser; each leaf sets ``run`` to its coroutine."""
    parser = argparse.ArgumentParser(
        prog="flireo",
        description="Search, order and track Dutch phone numbers.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    numbers = [str(t) for t in NumberType]

    demo = sub.add_parser("demo", help="the whole flow on an embedded sandbox")
    demo.add_argument("--count", type=int, default=300)
    demo.add_argument("--concurrency", type=int, default=32)
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(run=_demo.run)

    sub.add_parser(
        "sandbox",
        help="serve a local sandbox (flireo sandbox --help for options)",
    )

    num = sub.add_parser("numbers", help="available and owned numbers")
    num_sub = num.add_subparsers(dest="action", required=True)
    p = num_sub.add_parser("search", help="find numbers to order")
    p.add_argument("--type", default="national", choices=numbers)
    p.add_argument("--query")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--group", help="search local numbers through a group")
    p.set_defaults(run=_commands.numbers_search)
    p = num_sub.add_parser("order", help="order one number")
    p.add_argument("phone_number")
    p.add_argument("--type", default="national", choices=numbers)
    p.add_argument("--group", help="verification group id (local numbers)")
    p.add_argument("--wait", action="store_true", help="wait until final")
    p.set_defaults(run=_commands.numbers_order)
    p = num_sub.add_parser("list", help="the account's numbers")
    p.add_argument("--include-default", action="store_true")
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(run=_commands.numbers_list)

    orders = sub.add_parser("orders", help="number orders")
    o_sub = orders.add_subparsers(dest="action", required=True)
    p = o_sub.add_parser("list", help="list orders, newest first")
    p.add_argument("--status", choices=[str(s) for s in OrderStatus])
    p.add_argument("--type", choices=numbers)
    p.add_argument("--group")
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(run=_commands.orders_list)
    p = o_sub.add_parser("get", help="one order")
    p.add_argument("order_id")
    p.set_defaults(run=_commands.orders_get)
    p = o_sub.add_parser("wait", help="wait for an order to finish")
    p.add_argument("order_id")
    p.add_argument("--wait-timeout", type=float, default=600.0)
    p.set_defaults(run=_commands.orders_wait)

    groups = sub.add_parser("groups", help="verification groups")
    g_sub = groups.add_subparsers(dest="action", required=True)
    p = g_sub.add_parser("create", help="file a verification group")
    p.add_argument("--type", default="local", choices=numbers)
    for field in _commands.GROUP_FIELDS:
        p.add_argument(f"--{field.replace('_', '-')}", required=True)
    p.add_argument("--description")
    p.add_argument("--wait", action="store_true", help="wait for review")
    p.set_defaults(run=_commands.groups_create)
    p = g_sub.add_parser("list", help="list groups")
    p.add_argument(
        "--status", choices=[str(s) for s in VerificationGroupStatus]
    )
    p.add_argument("--type", choices=numbers)
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(run=_commands.groups_list)
    p = g_sub.add_parser("get", help="one group with its documents")
    p.add_argument("group_id")
    p.set_defaults(run=_commands.groups_get)
    p = g_sub.add_parser("wait", help="wait until a group is reviewed")
    p.add_argument("group_id")
    p.add_argument("--wait-timeout", type=float, default=3600.0)
    p.set_defaults(run=_commands.groups_wait)

    bulk = sub.add_parser(
        "bulk-order",
        help="order every number of a CSV file, exactly once",
        description=(
            "CSV columns: phone_number,number_type,verification_group_id "
            "(header optional; type defaults to national)."
        ),
    )
    bulk.add_argument("file", help="CSV file ('-' for stdin)")
    bulk.add_argument("--concurrency", type=int, default=16)
    bulk.add_argument("--journal", help="journal file, to resume a run")
    bulk.add_argument("--wait", action="store_true")
    bulk.add_argument("--wait-timeout", type=float, default=600.0)
    bulk.add_argument("--rate-limit", type=float, default=None)
    bulk.add_argument(
        "--no-progress", action="store_true", help="no progress bar"
    )
    bulk.set_defaults(run=_bulk.run)

    for leaf in (
        *num_sub.choices.values(),
        *o_sub.choices.values(),
        *g_sub.choices.values(),
        bulk,
    ):
        _common(leaf)
    return parser
