"""
``flireo demo``: the whole story on an embedded sandbox.

Start a sandbox, file a verification group and wait for its approval,
search local and national numbers, bulk-order a few hundred of them
concurrently with a live progress bar, wait for every order to finish,
and print a summary.  Nothing to configure; Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import argparse
import time

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from .._bulk._models import BulkProgress, OrderRequest
from .._client import FlireoClient
from .._models import AvailableNumber, NumberType
from ..testing.sandbox import Sandbox
from ._output import (
    err_console,
    print_fields,
    print_json,
    print_table,
    say,
    spinner,
)
from ._report import order_note
from ._search import search_many


__all__ = ["run"]

_LOCAL_SHARE = 5  # one in five demo orders is a local Amsterdam number


async def _national(client: FlireoClient, count: int) -> list[AvailableNumber]:
    async def search(query: str | None, limit: int) -> list[AvailableNumber]:
        return await client.phone_numbers.search(query=query, limit=limit)

    return await search_many(search, None, count)


async def run(ns: argparse.Namespace) -> int:
    """``flireo demo``."""
    count = max(1, ns.count)
    local_count = count // _LOCAL_SHARE

    def tell(text: str) -> None:
        if not ns.json:
            say(text)

    async with (
        Sandbox(
            credits=10 * count + 100,
            group_approval_delay=1.0,
            order_completion_delay=0.5,
            order_failure_rate=0.02,
        ) as sandbox,
        FlireoClient(sandbox.api_key, base_url=sandbox.base_url) as client,
    ):
        tell(f"[bold]Sandbox[/] listening on {sandbox.base_url}")
        group_id = await client.verification_groups.create(
            phone_number_type=NumberType.LOCAL,
            name="Amsterdam office",
            business_name="Voorbeeld BV",
            contact_person_first_name="Julia",
            contact_person_last_name="de Vries",
            contact_person_phone="+31612345678",
            street_name="Damrak",
            house_number="1",
            postal_code="1012 LG",
            city="Amsterdam",
            province="Noord-Holland",
        )
        tell(f"Filed verification group {group_id}; waiting for review…")
        with spinner("waiting for approval"):
            group = await client.verification_groups.wait(
                group_id, poll_interval=0.25, timeout=60
            )
        tell(f"Group is [green]{group.status}[/] ({group.locality})")

        local = []
        if local_count:
            local = await client.verification_groups.search_numbers(
                group_id, limit=min(50, local_count)
            )
        national = await _national(client, count - len(local))
        tell(
            f"Found {len(national)} national and {len(local)} local "
            f"numbers; ordering them {ns.concurrency} at a time"
        )
        requests = [
            OrderRequest(phone_number=n.phone_number) for n in national
        ] + [
            OrderRequest(
                phone_number=n.phone_number,
                number_type=NumberType.LOCAL,
                verification_group_id=group_id,
            )
            for n in local
        ]
        started = time.monotonic()
        bar_console = err_console()
        with Progress(
            TextColumn("[bold]ordering"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=bar_console,
            disable=ns.json or not bar_console.is_terminal,
        ) as bar:
            task = bar.add_task("demo", total=len(requests), detail="")

            def progress(p: BulkProgress) -> None:
                bar.update(
                    task,
                    completed=p.completed,
                    detail=(
                        f"ordered {p.ordered} · failed {p.failed} · "
                        f"in flight {p.in_flight}"
                    ),
                )

            report = await client.bulk_order(
                requests,
                concurrency=ns.concurrency,
                wait=True,
                wait_timeout=60,
                on_progress=progress,
            )
        credits_left = sandbox.credits
    summary = {
        "numbers": len(requests),
        "succeeded": report.succeeded,
        "failed": report.failed,
        "skipped": report.skipped,
        "credits_used": report.credits_used,
        "credits_left": credits_left,
        "seconds": round(time.monotonic() - started, 2),
        "orders_per_second": round(report.rate, 1),
    }
    if ns.json:
        print_json(summary)
    else:
        print_fields(
            "Demo summary",
            [(k.replace("_", " "), v) for k, v in summary.items()],
        )
        failures = [r for r in report.results if r.outcome == "failed"]
        if failures:
            print_table(
                "Failed orders (the sandbox fails 2% on purpose)",
                ("number", "type", "order", "reason"),
                (
                    (
                        r.request.phone_number,
                        r.request.number_type,
                        r.receipt.order_id if r.receipt else None,
                        order_note(r),
                    )
                    for r in failures[:10]
                ),
            )
    return 0
