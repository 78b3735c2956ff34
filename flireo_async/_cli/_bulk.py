"""``flireo bulk-order FILE.csv``: the main job from the shell."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator
from typing import Any

import attrs
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from .._bulk_models import BulkProgress, BulkReport, OrderRequest, Outcome
from .._ordering import order_body
from ..exceptions import ValidationError
from ._commands import connect
from ._output import console, err_console, print_json, print_table


__all__ = ["BadRow", "read_csv", "run"]

_NOTEWORTHY = (str(Outcome.FAILED), str(Outcome.SKIPPED))
COLUMNS = ("phone_number", "number_type", "verification_group_id")


@attrs.frozen(kw_only=True)
class BadRow:
    """A CSV line that cannot be ordered, and why."""

    line: int
    error: str


def _rows(text: io.TextIOBase) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(text)
    for row in reader:
        if not row or all(not cell.strip() for cell in row):
            continue
        if reader.line_num == 1 and row[0].strip() == COLUMNS[0]:
            continue  # the header
        yield reader.line_num, [cell.strip() for cell in row]


def read_csv(
    text: io.TextIOBase,
) -> tuple[list[OrderRequest], list[int], list[BadRow]]:
    """
    Read order rows, validating each.

    Returns:
        The good requests, the line number of each, and the bad rows
        (with line numbers) that will not be sent.
    """
    requests: list[OrderRequest] = []
    lines: list[int] = []
    bad: list[BadRow] = []
    for line, cells in _rows(text):
        if len(cells) > len(COLUMNS):
            bad.append(BadRow(line=line, error="more than 3 columns"))
            continue
        number, kind, group = [*cells, "", ""][:3]
        try:
            order_body(number, kind or "national", group or None)
        except ValidationError as exc:
            bad.append(BadRow(line=line, error=str(exc)))
            continue
        requests.append(
            OrderRequest(
                phone_number=number,
                number_type=kind or "national",
                verification_group_id=group or None,
            )
        )
        lines.append(line)
    return requests, lines, bad


def _open(path: str) -> io.TextIOBase:
    if path == "-":
        return io.TextIOWrapper(
            sys.stdin.buffer, encoding="utf-8-sig", newline=""
        )
    # utf-8-sig: spreadsheets save UTF-8 CSVs with a byte-order mark.
    return open(path, encoding="utf-8-sig", newline="")


async def run(ns: argparse.Namespace) -> int:
    """``flireo bulk-order``."""
    with _open(ns.file) as fh:
        requests, lines, bad = read_csv(fh)
    for row in bad:
        err_console.print(f"line {row.line}: {row.error}", style="red")
    show_progress = not (ns.no_progress or ns.json) and requests
    with Progress(
        TextColumn("ordering"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not show_progress,
    ) as bar:
        task = bar.add_task("bulk", total=len(requests), detail="")

        def progress(p: BulkProgress) -> None:
            bar.update(
                task,
                completed=p.completed,
                detail=(
                    f"ok {p.ordered} · failed {p.failed} · skipped "
                    f"{p.skipped} · window {p.concurrency}"
                ),
            )

        async with connect(ns) as client:
            report = await client.bulk_order(
                requests,
                concurrency=ns.concurrency,
                journal=ns.journal,
                wait=ns.wait,
                wait_timeout=ns.wait_timeout,
                rate_limit=ns.rate_limit,
                on_progress=progress,
            )
    _print_report(ns, report, lines, bad)
    return 0 if report.ok and not bad else 1


def _print_report(
    ns: argparse.Namespace,
    report: BulkReport,
    lines: list[int],
    bad: list[BadRow],
) -> None:
    rows: list[dict[str, Any]] = [
        {
            "line": lines[r.index],
            "phone_number": r.request.phone_number,
            "outcome": str(r.outcome),
            "order_id": r.receipt.order_id if r.receipt else None,
            "status": str(r.order.status if r.order else r.receipt.status)
            if r.receipt
            else None,
            "reconciled": bool(r.receipt and r.receipt.reconciled),
            "resumed": r.resumed,
            "error": f"{type(r.error).__name__}: {r.error}"
            if r.error
            else r.reason,
        }
        for r in report.results
    ]
    summary = {
        "rows": len(rows) + len(bad),
        "ordered": report.ordered,
        "succeeded": report.succeeded,
        "failed": report.failed,
        "skipped": report.skipped,
        "invalid_rows": len(bad),
        "credits_used": report.credits_used,
        "elapsed_seconds": round(report.elapsed, 3),
        "orders_per_second": round(report.rate, 1),
    }
    if ns.json:
        print_json(
            {
                "summary": summary,
                "results": rows,
                "invalid_rows": [attrs.asdict(b) for b in bad],
            }
        )
        return
    print_table(
        "Bulk order",
        ("line", "number", "outcome", "order", "status", "note"),
        (
            (
                r["line"],
                r["phone_number"],
                r["outcome"],
                r["order_id"],
                r["status"],
                r["error"]
                or ("reconciled" if r["reconciled"] else "")
                or ("from journal" if r["resumed"] else ""),
            )
            for r in rows
            if r["outcome"] in _NOTEWORTHY or len(rows) <= 50
        ),
    )
    print_table("Summary", ("", ""), summary.items())
    console.print()
