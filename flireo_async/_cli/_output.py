"""
Rendering for the command line: rich tables, or JSON with ``--json``.

Decoration (colour, progress bars, spinners) goes only to a terminal;
piped output is the same tables without colour and without wrapping, so
``grep`` and copy-paste see whole ids.
"""

from __future__ import annotations

import contextlib
import enum
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import orjson
from rich.console import Console
from rich.table import Table

from ..exceptions import APIError


__all__ = [
    "err_console",
    "error_object",
    "plain",
    "print_fields",
    "print_json",
    "print_table",
    "say",
    "spinner",
    "stdout",
    "warn",
]

# Wide enough that a pipe never wraps a line; tables keep their natural
# width (they do not expand), so nothing is padded to this.
_PIPE_WIDTH = 10_000

# Columns whose values are pasted into other commands: never cut.
_WHOLE = frozenset({"id", "order", "order id", "group"})


def stdout() -> Console:
    """A console on the current ``sys.stdout`` (tests swap it)."""
    if sys.stdout.isatty():
        return Console(file=sys.stdout)
    return Console(file=sys.stdout, width=_PIPE_WIDTH, color_system=None)


def err_console() -> Console:
    """A console on ``sys.stderr``, for progress bars and spinners."""
    if sys.stderr.isatty():
        return Console(file=sys.stderr)
    return Console(file=sys.stderr, width=_PIPE_WIDTH, color_system=None)


def say(text: str) -> None:
    """Print a line of rich markup on stdout."""
    stdout().print(text, soft_wrap=True)


def warn(text: str) -> None:
    """Print one plain line on stderr (never wrapped, never coloured)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


@contextlib.contextmanager
def spinner(text: str) -> Iterator[None]:
    """Show a spinner on stderr while the block runs, on a terminal only."""
    if not sys.stderr.isatty():
        yield
        return
    with err_console().status(text):
        yield


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


def error_object(error: BaseException, exit_code: int) -> Any:
    """The ``--json`` form of an error: ``{"error": {...}}``."""
    body: dict[str, Any] = {
        "type": type(error).__name__,
        "message": str(error),
    }
    if isinstance(error, APIError):
        body.update(
            status=error.status,
            code=error.code,
            request_id=error.request_id,
        )
    body["exit_code"] = exit_code
    return {"error": body}


def print_json(value: Any) -> None:
    """Print *value* as indented JSON on stdout."""
    sys.stdout.write(
        orjson.dumps(plain(value), option=orjson.OPT_INDENT_2).decode() + "\n"
    )
    sys.stdout.flush()


def cell(value: Any) -> str:
    """One value as table text: ``-`` for nothing, ``yes``/``no``."""
    value = plain(value)
    if value is None or value in ([], {}):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "\n".join(cell(v) for v in value)
    if isinstance(value, dict):
        return _record(value)
    return str(value)


def _record(value: dict[str, Any]) -> str:
    # A nested record (a document, a group's number) on one line: its
    # label first, then what else it says, its id last.
    label = value.get("name") or value.get("type") or value.get("number")
    label = label or value.get("phone_number")
    rest = [
        str(v)
        for k, v in value.items()
        if v is not None and k != "id" and v != label
    ]
    text = " · ".join([str(label), *rest] if label else rest)
    ident = value.get("id")
    return f"{text} ({ident})" if ident and text else str(ident or text)


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Print rows as a table; id columns are never cut or wrapped."""
    texts = [[cell(v) for v in row] for row in rows]
    table = Table(title=title)
    for i, column in enumerate(columns):
        if column in _WHOLE:
            width = max((len(r[i]) for r in texts), default=0)
            table.add_column(column, no_wrap=True, min_width=width)
        else:
            table.add_column(column)
    for row in texts:
        table.add_row(*row)
    stdout().print(table)


def print_fields(title: str, fields: Iterable[tuple[str, Any]]) -> None:
    """Print name/value pairs as a two-column table without a header."""
    texts = [(name, cell(value)) for name, value in fields]
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    width = max((len(v) for k, v in texts if k in _WHOLE), default=0)
    table.add_column("value", min_width=width)
    for name, value in texts:
        table.add_row(name, value)
    stdout().print(table)
