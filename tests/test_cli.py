"""The `flireo` command line, run as the installed console script."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flireo_async.testing.sandbox import Sandbox


FLIREO = Path(sys.executable).parent / "flireo"
TIMEOUT = 30

# The embedded sandbox of `--sandbox` uses the default seed, so its
# inventory is known without starting it.
OFFERED = Sandbox().available_numbers(limit=2000)
GOOD = OFFERED[:3]
NOT_OFFERED = "+31851234567"


@pytest.fixture(autouse=True)
def _state_home(tmp_path, monkeypatch):
    # Journals kept for resuming go under the test's directory.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


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
        "completion",
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


# --- issue #17: the first hour ------------------------------------------

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
LEAVES = [
    ("demo",),
    ("numbers", "search"),
    ("numbers", "order"),
    ("numbers", "list"),
    ("orders", "list"),
    ("orders", "get"),
    ("orders", "wait"),
    ("groups", "create"),
    ("groups", "list"),
    ("groups", "get"),
    ("groups", "wait"),
    ("bulk-order",),
    ("completion",),
]


def test_version_prints_the_installed_version():
    """`flireo --version` prints `flireo X.Y.Z` and exits 0."""
    run = flireo("--version")

    assert 0 == run.returncode
    assert re.fullmatch(r"flireo \d+\.\d+\.\d+\S*\n", run.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ("--sandbox", "--json", "numbers", "search", "--limit", "2"),
        ("numbers", "--sandbox", "search", "--json", "--limit", "2"),
        ("numbers", "search", "--limit", "2", "--json", "--sandbox"),
    ],
    ids=["before", "between", "after"],
)
def test_shared_options_are_accepted_anywhere(args):
    """--sandbox and --json work before, between and after subcommands."""
    run = flireo(*args)

    assert 0 == run.returncode, run.stderr
    assert OFFERED[:2] == [n["phone_number"] for n in as_json(run)]


@pytest.mark.parametrize("leaf", LEAVES, ids=" ".join)
def test_every_help_shows_an_example(leaf):
    """Each subcommand's --help ends with an example of its use."""
    run = flireo(*leaf, "--help")

    assert 0 == run.returncode
    assert re.search(rf"examples:\n  flireo {' '.join(leaf)}", run.stdout)


def test_the_top_level_help_shows_examples():
    """`flireo --help` shows how to start, offline first."""
    run = flireo("--help")

    assert "examples:\n  flireo demo" in run.stdout


def test_ids_in_tables_are_printed_whole(tmp_path):
    """A piped table carries every order id whole, ready to paste."""
    csv_file = write_csv(tmp_path / "orders.csv", *OFFERED[:3])

    run = flireo("bulk-order", str(csv_file), "--sandbox")

    assert 0 == run.returncode, run.stderr
    assert 3 == len(re.findall(rf"\s{UUID}\s", run.stdout))


def test_output_to_a_pipe_has_no_colour_and_no_progress_bar(tmp_path):
    """Not a terminal: no escape codes, no bar, lines not wrapped at 80."""
    csv_file = write_csv(tmp_path / "orders.csv", "0851", *OFFERED[:3])

    run = flireo("bulk-order", str(csv_file), "--sandbox")

    assert "\x1b[" not in run.stdout + run.stderr
    assert "ordering" not in run.stderr
    assert any(len(line) > 80 for line in run.stderr.splitlines())


def test_a_local_search_without_a_group_says_to_pass_group():
    """The error names the command-line option, not an SDK method."""
    run = flireo("numbers", "search", "--type", "local", "--sandbox")

    assert 2 == run.returncode
    assert "--group" in run.stderr
    assert "client." not in run.stderr


def test_a_missing_api_key_names_the_variable_the_option_and_sandbox():
    """No key: one line naming FLIREO_API_KEY, --api-key and --sandbox."""
    env = {"PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [str(FLIREO), "orders", "list"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
    )

    assert 2 == run.returncode
    assert 1 == len(run.stderr.splitlines())
    assert all(
        word in run.stderr
        for word in ("FLIREO_API_KEY", "--api-key", "--sandbox")
    )
    assert "api_key=" not in run.stderr


@pytest.mark.parametrize(
    ("args", "code", "kind"),
    [
        (("orders", "get", "nonexistent", "--sandbox"), 1, "NotFoundError"),
        (
            ("numbers", "search", "--type", "local", "--sandbox"),
            2,
            "UsageError",
        ),
        (("numbers", "search", "--limit", "0", "--sandbox"), 2, "UsageError"),
    ],
    ids=["api-error", "cli-error", "parse-error"],
)
def test_json_errors_are_a_json_object(args, code, kind):
    """With --json an error is an object on stdout, and one line on stderr."""
    run = flireo(*args, "--json")
    error = as_json(run)["error"]

    assert code == run.returncode
    assert (kind, code) == (error["type"], error["exit_code"])
    assert error["message"]
    assert 1 == len(run.stderr.splitlines()[-1:])


def test_numbers_search_pages_past_fifty():
    """`--limit 120` returns 120 distinct available numbers."""
    run = flireo("numbers", "search", "--limit", "120", "--sandbox", "--json")
    numbers = [n["phone_number"] for n in as_json(run)]

    assert 0 == run.returncode, run.stderr
    assert 120 == len(set(numbers))
    assert set(numbers) <= set(OFFERED)


def test_a_wait_that_runs_out_exits_124_and_says_how_to_wait_again():
    """A pending order after --wait-timeout: exit 124, not 1."""
    run = flireo(
        "numbers",
        "order",
        GOOD[0],
        "--wait",
        "--wait-timeout",
        "0.01",
        "--sandbox",
    )

    assert 124 == run.returncode
    assert re.search(rf"order {UUID} is still pending", run.stderr)
    assert "flireo orders wait" in run.stderr


def test_key_value_tables_have_no_header_row():
    """`numbers order` prints field/value rows without an empty header."""
    run = flireo("numbers", "order", GOOD[1], "--sandbox")

    assert 0 == run.returncode, run.stderr
    assert "┃" not in run.stdout
    assert re.search(rf"order_id\s+│ {UUID}", run.stdout)


def test_without_wait_the_summary_does_not_mention_succeeded(tmp_path):
    """`succeeded` is shown only when the run waited for final statuses."""
    csv_file = write_csv(tmp_path / "orders.csv", *GOOD)

    plain_run = flireo("bulk-order", str(csv_file), "--sandbox")
    waited = flireo("bulk-order", str(csv_file), "--sandbox", "--wait")

    assert "succeeded" not in plain_run.stdout
    assert re.search(r"succeeded\s+│ 3", waited.stdout)
