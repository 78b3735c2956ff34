"""
The CSV of ``flireo bulk-order``: rows in, order requests out.

A first row with no E.164 number in it is a header, read by column name
(any case, any order, unknown columns ignored); without one the columns
are positional: ``phone_number,number_type,verification_group_id``.
Problems with the whole file (not UTF-8, an oversized field, a header
without a phone column) raise `CsvError` before anything is sent;
problems with one row become a `BadRow` naming its line.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

from .._bulk._models import OrderRequest
from .._ordering import order_body
from ..exceptions import ValidationError


__all__ = [
    "COLUMNS",
    "BadRow",
    "CsvError",
    "CsvInput",
    "Duplicate",
    "load",
    "read_csv",
]

COLUMNS = ("phone_number", "number_type", "verification_group_id")

# Header names people write, normalised (lower case, "_" for spaces).
_ALIASES = {
    "phone_number": "phone_number",
    "phone": "phone_number",
    "number": "phone_number",
    "phonenumber": "phone_number",
    "number_type": "number_type",
    "type": "number_type",
    "verification_group_id": "verification_group_id",
    "verification_group": "verification_group_id",
    "group_id": "verification_group_id",
    "group": "verification_group_id",
}
_E164 = re.compile(r"\+\d{6,15}")


class CsvError(Exception):
    """The file as a whole cannot be read; nothing was sent."""


@attrs.frozen(kw_only=True)
class BadRow:
    """A CSV line that cannot be ordered, and why."""

    line: int
    error: str


@attrs.frozen(kw_only=True)
class Duplicate:
    """A row whose number an earlier row already orders."""

    line: int
    phone_number: str
    first_line: int


@attrs.define(kw_only=True)
class CsvInput:
    """
    What a CSV asks for.

    Attributes:
        requests: One request per distinct good row, in file order.
        lines: The line of each request.
        bad: Rows that cannot be ordered.
        duplicates: Rows repeating an earlier row's number (not sent).
    """

    requests: list[OrderRequest] = attrs.Factory(list)
    lines: list[int] = attrs.Factory(list)
    bad: list[BadRow] = attrs.Factory(list)
    duplicates: list[Duplicate] = attrs.Factory(list)


def _normalise(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _is_header(cells: list[str]) -> bool:
    return not any(_E164.fullmatch(c) for c in cells)


def _header_map(line: int, cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for position, name in enumerate(cells):
        column = _ALIASES.get(_normalise(name))
        if column is None:
            continue  # another column (a note, a price): not ours
        if column in found:
            msg = f"line {line}: two {column} columns in the header"
            raise CsvError(msg)
        found[column] = position
    if "phone_number" not in found:
        names = ", ".join(c for c in cells if c) or "(empty)"
        msg = (
            f"line {line}: no phone_number column in the header (found: "
            f"{names}); name one column phone_number, or start the file "
            f"with a row holding an E.164 number such as +31851234567"
        )
        raise CsvError(msg)
    return found


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(lines)
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            while cells and not cells[-1]:
                cells.pop()  # spreadsheets pad rows with empty cells
            if cells:
                yield reader.line_num, cells
    except csv.Error as exc:
        msg = f"line {reader.line_num}: not a readable CSV row: {exc}"
        raise CsvError(msg) from None


def read_csv(lines: Iterable[str]) -> CsvInput:
    """
    Read order rows from CSV text, validating each.

    Args:
        lines: The file's lines (an open text file).

    Returns:
        The requests to send, with their lines, and the rows that will
        not be sent (bad or duplicate).

    Raises:
        CsvError: The file cannot be read as a whole.
    """
    result = CsvInput()
    header: dict[str, int] | None = None
    header_width = 0
    first_line: dict[str, int] = {}
    for index, (line, cells) in enumerate(_rows(lines)):
        if index == 0 and _is_header(cells):
            header = _header_map(line, cells)
            header_width = len(cells)
            continue
        width = len(COLUMNS) if header is None else header_width
        if len(cells) > width:
            error = f"more columns than the {width} of the header"
            if header is None:
                error = "more than 3 columns (and no header naming them)"
            result.bad.append(BadRow(line=line, error=error))
            continue
        positions = header or {c: i for i, c in enumerate(COLUMNS)}
        number, kind, group = (
            cells[positions[c]]
            if c in positions and positions[c] < len(cells)
            else ""
            for c in COLUMNS
        )
        try:
            order_body(number, kind or "national", group or None)
        except ValidationError as exc:
            result.bad.append(BadRow(line=line, error=str(exc)))
            continue
        if number in first_line:
            result.duplicates.append(
                Duplicate(
                    line=line,
                    phone_number=number,
                    first_line=first_line[number],
                )
            )
            continue
        first_line[number] = line
        result.requests.append(
            OrderRequest(
                phone_number=number,
                number_type=kind or "national",
                verification_group_id=group or None,
            )
        )
        result.lines.append(line)
    return result


def load(path: str) -> CsvInput:
    """
    Read the CSV at *path* (``-`` for standard input).

    Args:
        path: The file.

    Returns:
        What it asks for.

    Raises:
        CsvError: The file cannot be read as a whole.
        OSError: The file cannot be opened.
    """
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        # utf-8-sig: spreadsheets save UTF-8 CSVs with a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        msg = (
            f"line {line}: the file is not UTF-8 text (byte "
            f"{data[exc.start]:#04x}); save it as 'CSV UTF-8' and try again"
        )
        raise CsvError(msg) from None
    return read_csv(io.StringIO(text, newline=""))
