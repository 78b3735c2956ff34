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

from .._bulk_models import BulkProgress, OrderRequest
from .._client import FlireoClient
from .._models import AvailableNumber, NumberType
from ..testing.sandbox import Sandbox
from ._output import console, print_json, print_table


__all__ = ["run"]

_LOCAL_SHARE = 5  # one in five demo orders is a local Amsterdam number


async def _national(client: FlireoClient, count: int) -> list[AvailableNumber]:
    # A search returns at most 50 numbers and has no offset; digit
    # patterns page through the inventory instead.
    found: dict[str, AvailableNumber] = {}
    for prefix in range(100):
        if len(found) >= count:
            break
        batch = await client.phone_numbers.search(
            query=f"85{prefix:02d}", limit=50
        )
        for number in batch:
            found.setdefault(number.phone_number, number)
    return list(found.values())[:count]


async def run(ns: argparse.Namespace) -> int:
    """``flireo demo``."""
    count = max(1, ns.count)
    local_count = count // _LOCAL_SHARE

    def say(text: str) -> None:
        if not ns.json:
            console.print(text)

    async with (
        Sandbox(
            credits=10 * count + 100,
            group_approval_delay=1.0,
            order_completion_delay=0.5,
            order_failure_rate=0.02,
        ) as sandbox,
        FlireoClient(sandbox.api_key, base_url=sandbox.base_url) as client,
    ):
        say(f"[bold]Sandbox[/] listening on {sandbox.base_url}")
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
        say(f"Filed verification group {group_id}; waiting for review…")
        with console.status("waiting for approval", spinner="dots"):
            group = await client.verification_groups.wait(
                group_id, poll_interval=0.25, timeout=60
            )
        say(f"Group is [green]{group.status}[/] ({group.locality})")

        local = []
        if local_count:
            local = await client.verification_groups.search_numbers(
                group_id, limit=min(50, local_count)
            )
        national = await _national(client, count - len(local))
        say(
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
        with Progress(
            TextColumn("[bold]ordering"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console,
            disable=ns.json,
        ) as bar:
            task = bar.add_task("demo", total=len(requests), detail="")

            def progress(p: BulkProgress) -> None:
                bar.update(
                    task,
                    completed=p.completed,
                    detail=f"{p.ordered} done · {p.failed} failed",
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
        print_table("Demo summary", ("", ""), summary.items())
        failures = [r for r in report.results if r.outcome == "failed"]
        if failures:
            print_table(
                "Failed orders (the sandbox fails 2% on purpose)",
                ("number", "reason"),
                (
                    (r.request.phone_number, r.reason or r.error)
                    for r in failures[:10]
                ),
            )
    return 0
