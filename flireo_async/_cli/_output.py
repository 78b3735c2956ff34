"""Rendering for the command line: rich tables, or JSON with ``--json``."""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import orjson
from rich.console import Console
from rich.table import Table


__all__ = ["console", "plain", "print_json", "print_table"]

console = Console()
err_console = Console(stderr=True)


def plain(value: Any) -> Any:
    """A JSON-ready copy of a model (enums as strings, Decimal as text)."""
    if attrs.has(type(value)):
        return {
            f.name: plain(getattr(value, f.name))
            for f in attrs.fields(type(value))
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, BaseException):
        return {"type": type(value).__name__, "message": str(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def print_json(value: Any) -> None:
    """Print *value* as indented JSON on stdout."""
    sys.stdout.write(
        orjson.dumps(plain(value), option=orjson.OPT_INDENT_2).decode() + "\n"
    )


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return "-"
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or value)
    return str(value)


def print_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Print rows as a table with *columns*."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    console.print(table)
