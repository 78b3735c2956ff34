"""The `flireo` command line, run as the installed console script."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flireo_async._cli._bulk import BadRow, read_csv
from flireo_async.testing.sandbox import Sandbox


FLIREO = Path(sys.executable).parent / "flireo"
TIMEOUT = 30

# The embedded sandbox of `--sandbox` uses the default seed, so its
# inventory is known without starting it.
OFFERED = Sandbox().available_numbers(limit=2000)
GOOD = OFFERED[:3]
NOT_OFFERED = "+31851234567"


def flireo(
    *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the console script, with a timeout, capturing its output."""
    return subprocess.run(
        [str(FLIREO), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def as_json(run: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(run.stdout)


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_console_script_is_installed():
    """`flireo` exists next to the interpreter (the `cli` extra)."""
    assert FLIREO.exists()


def test_help_lists_the_subcommands():
    """`flireo --help` names every job the command line can do."""
    run = flireo("--help")

    listed = set(re.findall(r"\{([a-z,-]+)\}", run.stdout)[0].split(","))

    assert 0 == run.returncode
    assert {
        "demo",
        "sandbox",
        "numbers",
        "orders",
        "groups",
        "bulk-order",
    } == listed


def test_an_unknown_subcommand_is_a_usage_error():
    """A typo exits 2 with argparse's usage message, not a traceback."""
    run = flireo("nubmers")

    assert 2 == run.returncode
    assert "Traceback" not in run.stderr
    assert "usage: flireo" in run.stderr


def test_demo_runs_the_whole_flow():
    """`flireo demo --json` orders the numbers and summarises the outcome."""
    run = flireo("demo", "--count", "40", "--json")
    summary = as_json(run)

    assert 0 == run.returncode, run.stderr
    assert 40 == summary["numbers"]
    assert 40 == summary["succeeded"] + summary["failed"]
    assert 0 == summary["skipped"]


def test_bulk_order_reports_bad_rows_by_line_and_orders_the_good(tmp_path):
    """Bad CSV rows are named by line; good rows are ordered; exit code 1."""
    csv_file = write_csv(
        tmp_path / "orders.csv",
        "phone_number,number_type,verification_group_id",  # line 1
        GOOD[0],  # line 2
        "0851234567",  # line 3: not E.164
        f"{GOOD[1]},national",  # line 4
        "",  # line 5: blank, skipped
        f"{GOOD[2]},landline",  # line 6: unknown type
        "+31201234567,local",  # line 7: local without a group
        f"{GOOD[2]},national,,extra",  # line 8: too many columns
        f"{GOOD[2]},,",  # line 9
    )

    run = flireo("bulk-order", str(csv_file), "--sandbox", "--json")
    body = as_json(run)

    assert 1 == run.returncode
    assert [3, 6, 7, 8] == [row["line"] for row in body["invalid_rows"]]
    words = ["phone_number", "number_type", "verification_group_id", "column"]
    assert [True] * 4 == [
        word in row["error"]
        for word, row in zip(words, body["invalid_rows"], strict=True)
    ]
    assert [
        (2, GOOD[0], "ordered"),
        (4, GOOD[1], "ordered"),
        (9, GOOD[2], "ordered"),
    ] == [
        (r["line"], r["phone_number"], r["outcome"]) for r in body["results"]
    ]
    assert (3, 4, 7) == (
        body["summary"]["ordered"],
        body["summary"]["invalid_rows"],
        body["summary"]["rows"],
    )


def test_bulk_order_of_good_rows_exits_zero(tmp_path):
    """A CSV without a header and with only good rows exits 0."""
    csv_file = write_csv(tmp_path / "orders.csv", *OFFERED[:10])

    run = flireo(
        "bulk-order",
        str(csv_file),
        "--sandbox",
        "--json",
        "--concurrency",
        "4",
    )
    body = as_json(run)

    assert 0 == run.returncode, run.stderr
    assert (10, 0, 0, 100) == (
        body["summary"]["ordered"],
        body["summary"]["failed"],
        body["summary"]["invalid_rows"],
        body["summary"]["credits_used"],
    )
    assert list(range(1, 11)) == [r["line"] for r in body["results"]]


def test_bulk_order_reads_stdin():
    """`flireo bulk-order -` reads the CSV from standard input."""
    run = flireo(
        "bulk-order", "-", "--sandbox", "--json", stdin="\n".join(GOOD) + "\n"
    )

    assert 0 == run.returncode, run.stderr
    assert GOOD == [r["phone_number"] for r in as_json(run)["results"]]


def test_bulk_order_with_wait_reports_final_statuses(tmp_path):
    """--wait reports every order as succeeded once the sandbox settles."""
    csv_file = write_csv(tmp_path / "orders.csv", *GOOD)

    run = flireo("bulk-order", str(csv_file), "--sandbox", "--json", "--wait")
    body = as_json(run)

    assert 0 == run.returncode, run.stderr
    assert [("succeeded", "success")] * 3 == [
        (r["outcome"], r["status"]) for r in body["results"]
    ]


def test_bulk_order_accepts_a_csv_saved_with_a_byte_order_mark(tmp_path):
    """A UTF-8 CSV with a BOM (as Excel saves it) has its header skipped."""
    csv_file = tmp_path / "orders.csv"
    csv_file.write_bytes(
        "phone_number,number_type\r\n".encode("utf-8-sig")
        + f"{GOOD[0]},national\r\n".encode()
    )

    run = flireo("bulk-order", str(csv_file), "--sandbox", "--json")
    body = as_json(run)

    assert ([], 1) == (body["invalid_rows"], body["summary"]["ordered"])
    assert 0 == run.returncode


def test_bulk_order_of_a_missing_file_is_a_one_line_error(tmp_path):
    """A CSV that does not exist: exit 1, one line on stderr, no traceback."""
    run = flireo("bulk-order", str(tmp_path / "nope.csv"), "--sandbox")

    assert 1 == run.returncode
    assert 1 == len(run.stderr.strip().splitlines())
    assert "nope.csv" in run.stderr
    assert "Traceback" not in run.stderr


def test_numbers_search_prints_the_asked_number_of_results():
    """`numbers search --limit 5 --json` lists 5 available numbers."""
    run = flireo("numbers", "search", "--sandbox", "--json", "--limit", "5")
    found = as_json(run)

    assert 0 == run.returncode, run.stderr
    assert OFFERED[:5] == [n["phone_number"] for n in found]
    assert {"national"} == {n["number_type"] for n in found}


def test_numbers_order_places_an_offered_number():
    """`numbers order NUMBER --json` prints the receipt."""
    run = flireo("numbers", "order", GOOD[0], "--sandbox", "--json")
    receipt = as_json(run)

    assert 0 == run.returncode, run.stderr
    assert (GOOD[0], "pending", 10) == (
        receipt["phone_number"],
        receipt["status"],
        receipt["credits_used"],
    )


def test_ordering_a_number_not_offered_fails_in_one_line():
    """An order the API refuses exits non-zero with its error class."""
    assert NOT_OFFERED not in OFFERED

    run = flireo("numbers", "order", NOT_OFFERED, "--sandbox")

    assert 0 != run.returncode
    assert 1 == len(run.stderr.strip().splitlines())
    assert "InvalidParametersError" in run.stderr
    assert "Traceback" not in run.stderr


def test_ordering_an_invalid_number_is_refused_before_sending():
    """A number that is not E.164 is a ValidationError naming the field."""
    run = flireo("numbers", "order", "0851234567", "--sandbox")

    assert 1 == run.returncode
    assert re.fullmatch(
        r"flireo: ValidationError: phone_number: .*\n", run.stderr
    )


def test_orders_get_of_an_unknown_id_fails_in_one_line():
    """`orders get nonexistent` exits non-zero naming NotFoundError."""
    run = flireo("orders", "get", "nonexistent", "--sandbox")

    lines = run.stderr.strip().splitlines()
    assert 0 != run.returncode
    assert 1 == len(lines)
    assert lines[0].startswith("flireo: NotFoundError")
    assert "Traceback" not in run.stderr


def test_sandbox_serves_until_sigint():
    """`flireo sandbox --port 0` prints its URL and exits 0 on Ctrl-C."""
    process = subprocess.Popen(
        [str(FLIREO), "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    assert re.match(
        r"Flireo sandbox listening on http://127\.0\.0\.1:\d+ ", first
    )
    assert 0 == code


# --- read_csv ------------------------------------------------------------


def test_read_csv_numbers_bad_rows_by_their_line():
    """Each bad row is reported with the line it is on in the file."""
    text = io.StringIO(
        "phone_number,number_type,verification_group_id\n"
        "+31850006949\n"
        "nonsense\n"
        "\n"
        "+31850011016,mobile\n"
        "+31201234567,local\n"
        "+31201234567,local,group-1\n"
        "+31850011016,national,,x\n"
    )

    requests, lines, bad = read_csv(text)

    assert [2, 5, 7] == lines
    assert [3, 6, 8] == [b.line for b in bad]
    assert [
        ("+31850006949", "national", None),
        ("+31850011016", "mobile", None),
        ("+31201234567", "local", "group-1"),
    ] == [
        (r.phone_number, r.number_type, r.verification_group_id)
        for r in requests
    ]


def test_read_csv_without_a_header_reads_the_first_line():
    """The header is optional: a first line with a number is an order."""
    requests, lines, bad = read_csv(
        io.StringIO("+31850006949\n+31850011016\n")
    )

    assert ([1, 2], []) == (lines, bad)
    assert ["+31850006949", "+31850011016"] == [
        r.phone_number for r in requests
    ]


def test_read_csv_skips_blank_lines_and_trims_cells():
    """Blank and all-empty lines are skipped; cells are stripped."""
    text = io.StringIO("\n  +31850006949 , national \n,,\n\n+31850011016\n")

    requests, lines, bad = read_csv(text)

    assert ([2, 5], []) == (lines, bad)
    assert [("+31850006949", "national"), ("+31850011016", "national")] == [
        (r.phone_number, r.number_type) for r in requests
    ]


def test_read_csv_explains_each_bad_row():
    """The error of a bad row says what is wrong with it."""
    _, _, bad = read_csv(
        io.StringIO("12345\n+31850006949,landline\n+31850006949,a,b,c\n")
    )

    assert [1, 2, 3] == [b.line for b in bad]
    assert all(isinstance(b, BadRow) for b in bad)
    assert "phone_number" in bad[0].error
    assert "number_type" in bad[1].error
    assert "column" in bad[2].error


@pytest.mark.parametrize("empty", ["", "\n\n", "phone_number\n"])
def test_read_csv_of_nothing_orders_nothing(empty):
    """An empty file, or a header alone, gives no requests and no errors."""
    assert ([], [], []) == read_csv(io.StringIO(empty))
