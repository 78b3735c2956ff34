"""
The `flireo` command run in-process: signals, waits, paging, terminals.

`test_cli_exit.py` and `test_cli.py` prove these behaviours through the
installed console script; these run ``flireo_async._cli.main`` in the
test's own process against a sandbox server in another one, so the same
paths are measured, and so that a signal can be sent at an exact point
(right after the first result) instead of at a guessed moment.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flireo_async._cli import _commands, _report, _run, main
from flireo_async._cli._bulk import resume_command
from flireo_async._cli._output import cell, print_fields
from flireo_async.testing.sandbox import Sandbox


KEY = "fl_test_sandbox"
NUMBERS = Sandbox().available_numbers(limit=60)

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX signals"
)


@pytest.fixture(autouse=True)
def _state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("FLIREO_API_KEY", raising=False)


@contextlib.contextmanager
def server(*options: str) -> Iterator[list[str]]:
    """A sandbox in its own process; yields the options that reach it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flireo_async.testing.sandbox", *options],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
        assert url
        yield ["--base-url", url.group(0), "--api-key", KEY]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("signum", "code", "name"),
    [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")],
    ids=["ctrl-c", "sigterm"],
)
def test_a_signal_after_the_first_result_stops_with_a_summary(
    capsys, monkeypatch, tmp_path, signum, code, name
):
    """The job is cancelled cleanly: summary, resume command, exit code."""
    add = _report.Tally.add

    def add_then_signal(self: _report.Tally, result: Any) -> None:
        add(self, result)
        if len(self.results) == 1:
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(_report.Tally, "add", add_then_signal)
    csv_file = tmp_path / "numbers.csv"
    csv_file.write_text("\n".join(NUMBERS[:20]) + "\n")
    with server("--latency", "0.05", "0.05") as api:
        got, out, err = run(
            capsys,
            "bulk-order",
            str(csv_file),
            "--concurrency",
            "1",
            "--json",
            *api,
        )
    summary = json.loads(out)["summary"]

    assert code == got
    assert (name, 1) == (summary["interrupted"], summary["ordered"])
    assert f"interrupted by {name}: 1 of 20 rows ordered" in err
    assert "resume with: FLIREO_API_KEY=... flireo bulk-order" in err
    assert Path(summary["journal"]).exists()


def test_a_signal_during_another_command_is_one_line(capsys, monkeypatch):
    """Ctrl-C while waiting for an order: `interrupted by Ctrl-C`, 130."""

    @contextlib.contextmanager
    def interrupted(text: str) -> Iterator[None]:
        os.kill(os.getpid(), signal.SIGINT)
        yield

    monkeypatch.setattr(_commands, "spinner", interrupted)
    code, _, err = run(
        capsys, "numbers", "order", NUMBERS[0], "--wait", "--sandbox"
    )

    assert 130 == code
    assert "flireo: interrupted by Ctrl-C\n" == err


def test_a_second_signal_ends_the_process_at_once(monkeypatch, capsys):
    """The first signal cancels; a second one does not wait for cleanup."""
    cancelled: list[bool] = []
    exits: list[int] = []

    class Task:
        def cancel(self) -> None:
            cancelled.append(True)

    monkeypatch.setattr(_run.os, "_exit", exits.append)
    signals = _run._Signals(Task())  # type: ignore[arg-type]
    signals(signal.SIGINT)
    signals(signal.SIGTERM)

    assert ([True], [143]) == (cancelled, exits)
    assert "stopped at once" in capsys.readouterr().err


def test_waits_that_run_out_exit_124(capsys):
    """orders wait, groups wait and groups create --wait: 124, not 1."""
    with server(
        "--order-completion-delay", "60", "--group-approval-delay", "60"
    ) as api:
        _, out, _ = run(capsys, "numbers", "order", NUMBERS[1], "--json", *api)
        order_id = json.loads(out)["order_id"]
        order = run(
            capsys, "orders", "wait", order_id, "--wait-timeout", "0.05", *api
        )
        group = run(
            capsys,
            "groups",
            "create",
            *GROUP,
            "--wait",
            "--wait-timeout",
            "0.05",
            *api,
        )

    assert 124 == order[0]
    assert f"order {order_id} is still pending after 0.05s" in order[2]
    assert 124 == group[0]
    assert "flireo groups wait" in group[2]


GROUP = [
    f"--{field.replace('_', '-')}={value}"
    for field, value in zip(
        _commands.GROUP_FIELDS,
        [
            "Office",
            "Voorbeeld BV",
            "Julia",
            "de Vries",
            "+31612345678",
            "Damrak",
            "1",
            "1012 LG",
            "Amsterdam",
            "Noord-Holland",
        ],
        strict=True,
    )
]


def test_search_pages_and_all_lists_every_number(capsys):
    """--limit above 50 and --all page by narrowing the digit pattern."""
    with server("--inventory-size", "130") as api:
        code, out, _ = run(
            capsys, "numbers", "search", "--all", "--json", *api
        )
        every = [n["phone_number"] for n in json.loads(out)]
        _, out, _ = run(
            capsys, "numbers", "search", "--limit", "70", "--json", *api
        )
        some = [n["phone_number"] for n in json.loads(out)]

    assert 0 == code
    assert 130 == len(set(every)) == len(every)
    assert 70 == len(set(some))
    assert set(some) <= set(every)


def test_a_local_search_and_order_through_a_group(capsys):
    """--group searches local numbers and makes an order local."""
    with server("--group-approval-delay", "0") as api:
        _, out, _ = run(capsys, "groups", "create", *GROUP, "--json", *api)
        group_id = json.loads(out)["id"]
        run(capsys, "groups", "wait", group_id, *api)
        _, out, _ = run(
            capsys, "numbers", "search", "--group", group_id, "--json", *api
        )
        number = json.loads(out)[0]["phone_number"]
        code, out, err = run(
            capsys, "numbers", "order", number, "--group", group_id, *api
        )
        conflict = run(
            capsys,
            "numbers",
            "search",
            "--group",
            group_id,
            "--type",
            "mobile",
            *api,
        )

    assert 0 == code, err
    assert re.search(r"number_type\s+│ local", out)
    assert 2 == conflict[0]


def test_the_embedded_sandbox_answers_without_a_key(capsys):
    """--sandbox needs no key; without it, no key is exit 2."""
    ok = run(capsys, "numbers", "search", "--limit", "1", "--sandbox")
    no_key = run(capsys, "numbers", "search")

    assert 0 == ok[0]
    assert 2 == no_key[0]
    assert "FLIREO_API_KEY" in no_key[2]


def test_usage_errors_print_usage_and_one_line(capsys):
    """A bad value: usage, one `error:` line, exit 2, JSON with --json."""
    code, out, err = run(capsys, "orders", "list", "--limit", "x", "--json")

    assert 2 == code
    assert "UsageError" == json.loads(out)["error"]["type"]
    assert err.startswith("usage: flireo orders list")
    assert "not a number: 'x'" in err.splitlines()[-1]


def test_sandbox_options_after_shared_options_reach_the_sandbox(capsys):
    """`flireo --api-key K sandbox --help` is the sandbox's own help."""
    with pytest.raises(SystemExit) as done:
        main(["--api-key", "k", "sandbox", "--help"])

    assert 0 == done.value.code
    assert "--inventory-size" in capsys.readouterr().out


def test_a_missing_csv_is_one_line(capsys, tmp_path):
    """An OSError is one line naming the file, exit 1."""
    code, _, err = run(
        capsys, "bulk-order", str(tmp_path / "nope.csv"), "--sandbox"
    )

    assert 1 == code
    assert "nope.csv" in err


def test_a_long_job_lists_only_the_rows_that_need_attention(capsys, tmp_path):
    """Above 50 rows the table shows problems; no journal is left behind."""
    csv_file = tmp_path / "numbers.csv"
    csv_file.write_text("\n".join([*NUMBERS[:55], NUMBERS[0]]) + "\n")

    code, out, err = run(capsys, "bulk-order", str(csv_file), "--sandbox")

    assert 0 == code, err
    assert "duplicate of line 1" in out
    assert NUMBERS[1] not in out
    assert not list((tmp_path / "state").glob("flireo/bulk/*"))


def test_resume_command_leaves_out_the_key_and_adds_the_journal():
    """The key never reaches logs; an explicit --journal is kept as is."""
    assert (
        "FLIREO_API_KEY=... flireo bulk-order 'my file.csv' --journal j"
        == resume_command(["bulk-order", "my file.csv", "--api-key", "s"], "j")
    )
    assert "flireo bulk-order f --journal=mine" == resume_command(
        ["bulk-order", "f", "--api-key=s", "--journal=mine"], "j"
    ).removeprefix("FLIREO_API_KEY=... ")


def test_cells_read_as_words(monkeypatch):
    """Booleans are yes/no, nothing is `-`, records are one line each."""
    assert ["yes", "no", "-", "-"] == [
        cell(v) for v in (True, False, None, [])
    ]
    assert "proof_of_address · approved (doc_1)" == cell(
        [{"id": "doc_1", "type": "proof_of_address", "status": "approved"}]
    )
    assert "doc_2" == cell({"id": "doc_2"})


def test_a_terminal_gets_colour_and_spinners(monkeypatch):
    """On a terminal the consoles decorate; elsewhere they stay plain."""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setattr(sys, "stderr", Terminal())

    print_fields("Order", [("id", "x" * 40)])
    with _commands.spinner("waiting"):
        pass

    assert "x" * 40 in terminal.getvalue()


def test_a_partial_run_then_its_resume_say_what_happened(capsys, tmp_path):
    """Credits for 3 of 5: skipped rows give the reason; a rerun resumes."""
    csv_file = tmp_path / "numbers.csv"
    csv_file.write_text("\n".join(NUMBERS[:5]) + "\n")
    journal = str(tmp_path / "run.jsonl")
    with server("--credits", "30") as api:
        first = run(
            capsys, "bulk-order", str(csv_file), "--journal", journal, *api
        )
        second = run(
            capsys, "bulk-order", str(csv_file), "--journal", journal, *api
        )

    assert (1, 1) == (first[0], second[0])
    assert "insufficient_credits" in first[1]
    assert "done by an earlier run (journal)" in second[1]
    assert "3 rows were done by an earlier run" in second[2]
    assert "resume with: FLIREO_API_KEY=... flireo bulk-order" in second[2]


def test_a_failed_order_says_so_without_blaming_a_group(capsys, tmp_path):
    """--wait on orders that fail: `the order failed`, exit 1."""
    csv_file = tmp_path / "numbers.csv"
    csv_file.write_text(NUMBERS[0] + "\n")
    with server(
        "--order-failure-rate", "1", "--order-completion-delay", "0"
    ) as api:
        code, out, _ = run(capsys, "bulk-order", str(csv_file), "--wait", *api)

    assert 1 == code
    assert "the order failed" in out
    assert "group" not in out
