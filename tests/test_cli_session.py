"""A working session with the `flireo` command against one sandbox.

The subprocess tests of ``test_cli.py`` prove the console script works as
installed; these run ``flireo_async._cli.main`` in-process against one
sandbox server (in its own process), so a whole session — create a group,
wait for it, order, list, read, wait — shares state like a real account.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from flireo_async._cli import main


KEY = "fl_test_sandbox"


@pytest.fixture(name="server", scope="module")
def _server() -> Iterator[list[str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flireo_async.testing.sandbox",
            "--port",
            "0",
            "--group-approval-delay",
            "0.2",
            "--order-completion-delay",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    url = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert url, line
    try:
        yield ["--base-url", url.group(0), "--api-key", KEY]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def run(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run(capsys, *args, "--json")
    assert 0 == code, err
    return json.loads(out)


GROUP = [
    "--name",
    "Amsterdam office",
    "--business-name",
    "Voorbeeld BV",
    "--contact-person-first-name",
    "Julia",
    "--contact-person-last-name",
    "de Vries",
    "--contact-person-phone",
    "+31612345678",
    "--street-name",
    "Damrak",
    "--house-number",
    "1",
    "--postal-code",
    "1012 LG",
    "--city",
    "Amsterdam",
    "--province",
    "Noord-Holland",
]


def test_a_local_number_session(capsys, server):
    """Group → approval → local search → order → wait, all by command."""
    group = run_json(capsys, "groups", "create", *GROUP, "--wait", *server)
    found = run_json(
        capsys, "numbers", "search", "--group", group["id"], *server
    )
    order = run_json(
        capsys,
        "numbers",
        "order",
        found[0]["phone_number"],
        "--type",
        "local",
        "--group",
        group["id"],
        "--wait",
        *server,
    )
    listed = run_json(
        capsys, "groups", "list", "--status", "approved", *server
    )
    detail = run_json(capsys, "groups", "get", group["id"], *server)

    assert "approved" == group["status"]
    assert "Amsterdam" == found[0]["locality"]
    assert "success" == order["status"]
    assert group["id"] in {g["id"] for g in listed}
    assert group["id"] == detail["id"]


def test_orders_can_be_listed_read_and_waited_for(capsys, server):
    """orders list/get/wait show what numbers order placed."""
    number = run_json(capsys, "numbers", "search", "--limit", "1", *server)[0]
    receipt = run_json(
        capsys, "numbers", "order", number["phone_number"], *server
    )
    got = run_json(capsys, "orders", "get", receipt["order_id"], *server)
    waited = run_json(capsys, "orders", "wait", receipt["order_id"], *server)
    listed = run_json(capsys, "orders", "list", "--limit", "50", *server)
    owned = run_json(capsys, "numbers", "list", "--include-default", *server)

    assert number["phone_number"] == got["phone_number"]
    assert "success" == waited["status"]
    assert receipt["order_id"] in {o["id"] for o in listed}
    assert number["phone_number"] in {n["phone_number"] for n in owned}
    assert any(n["shared"] for n in owned)


def test_tables_are_printed_without_json(capsys, server):
    """Without --json, results are tables people can read."""
    code, out, _ = run(capsys, "numbers", "search", "--limit", "2", *server)
    number = re.search(r"\+3185\d+", out)
    assert number
    code_order, out_order, _ = run(
        capsys, "numbers", "order", number.group(0), *server
    )
    code_list, out_list, _ = run(capsys, "orders", "list", *server)
    code_groups, out_groups, _ = run(capsys, "groups", "list", *server)
    code_owned, out_owned, _ = run(capsys, "numbers", "list", *server)

    assert [0, 0, 0, 0, 0] == [
        code,
        code_order,
        code_list,
        code_groups,
        code_owned,
    ]
    assert "Available numbers" in out
    assert "order_id" in out_order
    assert "Orders" in out_list
    assert "Verification groups" in out_groups
    assert "Phone numbers" in out_owned


def test_bulk_order_prints_a_table_and_a_summary(capsys, server, tmp_path):
    """bulk-order without --json prints the outcomes and a summary."""
    numbers = run_json(capsys, "numbers", "search", "--limit", "3", *server)
    csv_file = tmp_path / "numbers.csv"
    csv_file.write_text(
        "phone_number,number_type\n"
        + "".join(f"{n['phone_number']},national\n" for n in numbers)
        + "0612,national\n"
    )

    code, out, err = run(
        capsys,
        "bulk-order",
        str(csv_file),
        "--journal",
        str(tmp_path / "run.jsonl"),
        "--no-progress",
        *server,
    )

    assert 1 == code
    assert "line 5" in err
    assert "Summary" in out
    assert "invalid rows" in out


def test_api_errors_end_in_one_line_and_exit_one(capsys, server):
    """An API error is one line on stderr and exit code 1."""
    code, out, err = run(capsys, "orders", "get", "unknown-id", *server)

    assert 1 == code
    assert "" == out
    assert err.startswith("flireo: NotFoundError")
    assert 1 == len(err.strip().splitlines())


def test_demo_prints_a_summary_table(capsys):
    """`flireo demo` tells its story and ends with a summary table."""
    code, out, _ = run(capsys, "demo", "--count", "12", "--concurrency", "4")

    assert 0 == code
    assert "Group is approved" in out
    assert "Demo summary" in out


def test_records_and_flags_read_as_words(capsys, server):
    """Documents are one line each, not a repr; `shared` is yes or no."""
    group = run_json(capsys, "groups", "create", *GROUP, *server)
    code, out, _ = run(capsys, "groups", "get", group["id"], *server)
    code_list, listed, _ = run(
        capsys, "numbers", "list", "--include-default", *server
    )

    assert (0, 0) == (code, code_list)
    assert re.search(r"documents\s+│ proof_of_address · \w+ \(doc_\w+\)", out)
    assert "{'" not in out
    assert re.search(r"│ yes\s+│", listed)
