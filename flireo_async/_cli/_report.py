"""What a ``bulk-order`` run did: counted as it goes, printed at the end."""

from __future__ import annotations

import argparse
import time
from typing import Any

import attrs

from .._bulk._models import BulkReport, BulkResult, Outcome
from .._models import OrderStatus
from ._csv import CsvInput
from ._output import print_fields, print_json, print_table, warn


__all__ = ["Tally", "order_note", "print_report"]

_DONE = (Outcome.ORDERED, Outcome.SUCCEEDED)
# Up to this many rows the table lists every one; above, only problems.
_LIST_ALL = 50


class Tally:
    """
    The results of one run so far, with the rows that were not sent.

    Args:
        data: What the CSV asked for.
        wait: Whether the run waits for final statuses.
    """

    def __init__(self, data: CsvInput, *, wait: bool) -> None:
        self.data = data
        self.wait = wait
        self.results: list[BulkResult] = []
        self.started = time.monotonic()

    def add(self, result: BulkResult) -> None:
        """Count one settled result."""
        self.results.append(result)

    def report(self) -> BulkReport:
        """The results so far as a [`BulkReport`][flireo_async.BulkReport], in
        input order."""
        results = sorted(self.results, key=lambda r: r.index)
        return BulkReport(
            results=tuple(results),
            elapsed=time.monotonic() - self.started,
            # An earlier run's orders (resumed) were paid for then.
            credits_used=sum(
                r.receipt.credits_used
                for r in results
                if r.receipt and r.receipt.credits_used and not r.resumed
            ),
        )

    @property
    def resumed(self) -> int:
        """Results settled by an earlier run of the journal."""
        return sum(1 for r in self.results if r.resumed)

    def all_done(self) -> bool:
        """Every row was ordered (duplicates aside): exit code 0."""
        return (
            not self.data.bad
            and len(self.results) == len(self.data.requests)
            and all(r.outcome in _DONE for r in self.results)
        )

    def line(self) -> str:
        """One line: what was placed and what is left."""
        report = self.report()
        left = len(self.data.requests) - len(self.results)
        return (
            f"{report.ordered} of {len(self.data.requests)} rows ordered "
            f"({self.resumed} resumed from the journal), {report.failed} "
            f"failed, {report.skipped} skipped, {left} not done yet"
        )

    def as_json(
        self, journal: str | None, command: str | None
    ) -> dict[str, Any]:
        """The run as the ``--json`` document."""
        report = self.report()
        lines = self.data.lines
        rows: list[dict[str, Any]] = [
            {
                "line": lines[r.index],
                "phone_number": r.request.phone_number,
                "outcome": str(r.outcome),
                "order_id": r.receipt.order_id if r.receipt else None,
                "status": _status(r),
                "reconciled": bool(r.receipt and r.receipt.reconciled),
                "resumed": r.resumed,
                "note": order_note(r) or None,
                "error": f"{type(r.error).__name__}: {r.error}"
                if r.error
                else r.reason,
            }
            for r in report.results
        ]
        rows += [
            {
                "line": d.line,
                "phone_number": d.phone_number,
                "outcome": str(Outcome.SKIPPED),
                "order_id": None,
                "status": None,
                "reconciled": False,
                "resumed": False,
                "note": f"duplicate of line {d.first_line}",
                "error": None,
            }
            for d in self.data.duplicates
        ]
        rows.sort(key=lambda row: row["line"])
        summary: dict[str, Any] = {
            "rows": len(self.data.requests)
            + len(self.data.duplicates)
            + len(self.data.bad),
            "ordered": report.ordered,
        }
        if self.wait:
            summary["succeeded"] = report.succeeded
        summary.update(
            failed=report.failed,
            skipped=report.skipped,
            duplicates=len(self.data.duplicates),
            invalid_rows=len(self.data.bad),
            not_done=len(self.data.requests) - len(self.results),
            resumed=self.resumed,
            credits_used=report.credits_used,
            elapsed_seconds=round(report.elapsed, 3),
            orders_per_second=round(report.rate, 1),
            journal=journal,
            resume_command=command,
        )
        return {
            "summary": summary,
            "results": rows,
            "invalid_rows": [attrs.asdict(b) for b in self.data.bad],
        }


def order_note(result: BulkResult) -> str:
    """What a result's row says in the table's note column."""
    if result.error is not None:
        return f"{type(result.error).__name__}: {result.error}"
    if result.order is not None and result.order.status == OrderStatus.FAILED:
        group = result.request.verification_group_id
        return "the order failed" + (f" (group {group})" if group else "")
    if result.reason:
        return result.reason
    if result.resumed:
        return "done by an earlier run (journal)"
    if result.receipt is not None and result.receipt.reconciled:
        return "found in the order list (reconciled)"
    return ""


def _status(result: BulkResult) -> str | None:
    if result.order is not None:
        return str(result.order.status)
    if result.receipt is not None:
        return str(result.receipt.status)
    return None


def print_report(
    ns: argparse.Namespace,
    tally: Tally,
    journal: str | None,
    command: str | None,
) -> None:
    """Print the run: JSON, or a table of rows and a summary."""
    body = tally.as_json(journal, command)
    summary = body["summary"]
    if summary["resumed"]:
        warn(
            f"{summary['resumed']} rows were done by an earlier run of "
            f"{journal}: reported, not ordered (or charged) again"
        )
    if command is not None:
        warn(f"not every row was ordered; resume with: {command}")
    if ns.json:
        print_json(body)
        return
    rows = body["results"]
    problems = [r for r in rows if r["outcome"] not in map(str, _DONE)]
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
                r["note"],
            )
            for r in (rows if len(rows) <= _LIST_ALL else problems)
        ),
    )
    shown = {k: v for k, v in summary.items() if v is not None}
    print_fields(
        "Summary", [(k.replace("_", " "), v) for k, v in shown.items()]
    )
