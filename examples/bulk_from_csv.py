"""
A batch job: a CSV of numbers in, one journaled bulk order, a CSV report out.

Every number ends in exactly one outcome (ordered, succeeded, failed,
skipped), reported in input order.  The journal makes the job safe to run
again after a crash, even ``kill -9``: run the same command with the same
``--journal`` and numbers ordered last time are reported (``resumed``),
not ordered again; numbers whose order was in flight are looked up in the
order list before anything is re-sent.  Exit status 0 when nothing
failed, 1 otherwise.

Input columns: ``phone_number,number_type,verification_group_id`` (a
header line; only ``phone_number`` is required).  Report columns:
``phone_number,outcome,order_id,status,detail,resumed``.

Run it against the local sandbox (``examples/numbers.csv`` holds numbers
a fresh ``flireo sandbox`` offers):

    flireo sandbox --port 8765          # in one shell
    export FLIREO_BASE_URL=http://127.0.0.1:8765 FLIREO_API_KEY=fl_test_sandbox
    python examples/bulk_from_csv.py examples/numbers.csv \
        --journal run.jsonl --report report.csv --wait
    # interrupt it (Ctrl-C, kill -9) and run the same line again
"""

import argparse
import asyncio
import csv
import sys
from collections.abc import Iterator

import flireo_async as flireo


REPORT_COLUMNS = (
    "phone_number",
    "outcome",
    "order_id",
    "status",
    "detail",
    "resumed",
)


def read_requests(path: str) -> Iterator[flireo.OrderRequest]:
    """Yield one ``OrderRequest`` per CSV row, reading lazily."""
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            yield flireo.OrderRequest(
                phone_number=row["phone_number"].strip(),
                number_type=(row.get("number_type") or "national").strip(),
                verification_group_id=row.get("verification_group_id") or None,
            )


def show_progress(progress: flireo.BulkProgress) -> None:
    """Print a line every 100 settled numbers."""
    if progress.completed % 100 == 0:
        print(
            f"{progress.completed} settled: {progress.ordered} ordered, "
            f"{progress.failed} failed, {progress.skipped} skipped "
            f"(window {progress.concurrency})",
            file=sys.stderr,
        )


def report_row(result: flireo.BulkResult) -> dict[str, str]:
    """One line of the report."""
    receipt, order = result.receipt, result.order
    status = order.status if order else receipt.status if receipt else ""
    return {
        "phone_number": result.request.phone_number,
        "outcome": result.outcome,
        "order_id": receipt.order_id if receipt else "",
        "status": status or "",
        "detail": str(result.error or result.reason or ""),
        "resumed": "yes" if result.resumed else "",
    }


async def order_all(args: argparse.Namespace) -> flireo.BulkReport:
    """Order every number of the CSV, each exactly once."""
    async with flireo.FlireoClient() as client:  # $FLIREO_API_KEY
        return await client.bulk_order(
            read_requests(args.csv),
            concurrency=args.concurrency,
            journal=args.journal,
            wait=args.wait,
            on_progress=show_progress,
        )


def write_report(path: str, report: flireo.BulkReport) -> None:
    """Write one CSV line per input number, in input order."""
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=REPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(report_row(r) for r in report.results)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the job, print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", help="input CSV file")
    parser.add_argument("--journal", required=True, help="JSON-lines file")
    parser.add_argument("--report", required=True, help="output CSV file")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--wait", action="store_true", help="wait for final statuses"
    )
    args = parser.parse_args(argv)
    report = asyncio.run(order_all(args))
    write_report(args.report, report)
    resumed = sum(1 for r in report.results if r.resumed)
    print(
        f"{len(report.results)} numbers: {report.ordered} ordered "
        f"({resumed} by an earlier run), {report.failed} failed, "
        f"{report.skipped} skipped, {report.credits_used} credits "
        f"in {report.elapsed:.1f}s; report in {args.report}"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
