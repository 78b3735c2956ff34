"""The CSV of `flireo bulk-order`: headers by name, clear errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from flireo_async._cli._csv import BadRow, CsvError, load, read_csv
from flireo_async.testing.sandbox import Sandbox


FLIREO = Path(sys.executable).parent / "flireo"
OFFERED = Sandbox().available_numbers(limit=10)


def flireo(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLIREO), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={"PATH": "/usr/bin:/bin", "XDG_STATE_HOME": str(state)},
    )


def test_read_csv_numbers_bad_rows_by_their_line():
    """Each bad row is reported with the line it is on in the file."""
    data = read_csv(
        io.StringIO(
            "phone_number,number_type,verification_group_id\n"
            "+31850006949\n"
            "nonsense\n"
            "\n"
            "+31850011016,mobile\n"
            "+31201234567,local\n"
            "+31201234567,local,group-1\n"
        )
    )

    assert [2, 5, 7] == data.lines
    assert [3, 6] == [b.line for b in data.bad]
    assert [
        ("+31850006949", "national", None),
        ("+31850011016", "mobile", None),
        ("+31201234567", "local", "group-1"),
    ] == [
        (r.phone_number, r.number_type, r.verification_group_id)
        for r in data.requests
    ]


def test_read_csv_without_a_header_reads_the_first_line():
    """The header is optional: a first line with a number is an order."""
    data = read_csv(io.StringIO("+31850006949\n+31850011016\n"))

    assert ([1, 2], []) == (data.lines, data.bad)


def test_read_csv_skips_blank_lines_and_trims_cells():
    """Blank and all-empty lines are skipped; cells are stripped."""
    data = read_csv(
        io.StringIO("\n  +31850006949 , national \n,,\n\n+31850011016\n")
    )

    assert ([2, 5], []) == (data.lines, data.bad)
    assert [("+31850006949", "national"), ("+31850011016", "national")] == [
        (r.phone_number, r.number_type) for r in data.requests
    ]


def test_read_csv_explains_each_bad_row():
    """The error of a bad row says what is wrong with it."""
    data = read_csv(
        io.StringIO("+31850006949,landline\n+31850006949,a,b,c\n+3185\n")
    )

    assert [1, 2, 3] == [b.line for b in data.bad]
    assert all(isinstance(b, BadRow) for b in data.bad)
    assert "number_type" in data.bad[0].error
    assert "column" in data.bad[1].error
    assert "phone_number" in data.bad[2].error


@pytest.mark.parametrize("empty", ["", "\n\n", "phone_number\n"])
def test_read_csv_of_nothing_orders_nothing(empty):
    """An empty file, or a header alone, gives no requests and no errors."""
    data = read_csv(io.StringIO(empty))

    assert ([], [], []) == (data.requests, data.bad, data.duplicates)


def test_a_header_is_read_by_name_in_any_case_and_order():
    """`Number_Type,Phone_Number,Notes`: columns found by name."""
    data = read_csv(
        io.StringIO(
            "Verification Group ID,Number_Type,Notes,Phone_Number\n"
            "g-1,local,call Jan,+31201234567\n"
            ",,,+31850006949\n"
        )
    )

    assert [] == data.bad
    assert [
        ("+31201234567", "local", "g-1"),
        ("+31850006949", "national", None),
    ] == [
        (r.phone_number, r.number_type, r.verification_group_id)
        for r in data.requests
    ]


def test_a_header_without_a_phone_column_is_one_error():
    """No phone_number column: one error naming the columns found."""
    with pytest.raises(CsvError, match="no phone_number column") as caught:
        read_csv(io.StringIO("type,group\nnational,\n" * 3))

    assert "type, group" in str(caught.value)
    assert str(caught.value).startswith("line 1:")


def test_a_header_naming_the_phone_column_twice_is_refused():
    """Two phone columns are ambiguous: refused before anything is sent."""
    with pytest.raises(CsvError, match="two phone_number columns"):
        read_csv(io.StringIO("phone,Phone_Number\n"))


def test_repeated_numbers_are_duplicates_of_the_first_line():
    """A number repeated is not sent again; it names the first line."""
    data = read_csv(io.StringIO("+31850006949\n+31850011016\n+31850006949\n"))

    assert [1, 2] == data.lines
    assert [(3, "+31850006949", 1)] == [
        (d.line, d.phone_number, d.first_line) for d in data.duplicates
    ]


def test_an_oversized_field_is_one_error_with_its_line():
    """A field above the csv module's limit is a CsvError, not csv.Error."""
    text = 'phone_number\n+31850006949\n"' + "9" * 200_000 + '"\n'

    with pytest.raises(CsvError, match=r"^line 3: .*field larger"):
        read_csv(io.StringIO(text))


def test_load_names_the_line_of_bytes_that_are_not_utf8(tmp_path):
    """Latin-1 bytes: a CsvError naming the line and the byte."""
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"phone_number\n+31850006949\nM\xfcller,+31850011016\n")

    with pytest.raises(CsvError, match=r"^line 3: .*UTF-8.*0xfc"):
        load(str(path))


# --- the command, as a user runs it -------------------------------------


def test_reordered_named_columns_order_every_row(tmp_path):
    """`Number_Type,Phone_Number`: every row ordered, exit 0."""
    csv_file = tmp_path / "numbers.csv"
    csv_file.write_text(
        "Number_Type,Phone_Number\n"
        + "".join(f"national,{n}\n" for n in OFFERED[:3])
    )

    run = flireo(
        "bulk-order", str(csv_file), "--sandbox", "--json", state=tmp_path
    )

    assert 0 == run.returncode, run.stderr
    assert OFFERED[:3] == [
        r["phone_number"] for r in json.loads(run.stdout)["results"]
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Number_Type,Notes\nnational,x\n", "no phone_number column"),
        (b"phone_number\n+3185\xe9\n", "not UTF-8"),
        (b'phone_number\n"' + b"1" * 200_000 + b'"\n', "field larger"),
    ],
    ids=["no-phone-column", "latin-1", "oversized-field"],
)
def test_an_unreadable_file_is_one_line_before_sending(
    tmp_path, content, message
):
    """Exit 1, one line naming the file, no traceback, nothing ordered."""
    csv_file = tmp_path / "numbers.csv"
    csv_file.write_bytes(content)

    run = flireo("bulk-order", str(csv_file), "--sandbox", state=tmp_path)

    assert 1 == run.returncode
    assert "" == run.stdout
    assert [f"flireo: {csv_file}: "] == [
        line[: len(f"flireo: {csv_file}: ")]
        for line in run.stderr.splitlines()
    ]
    assert message in run.stderr


def test_a_duplicate_names_the_csv_line_and_does_not_fail_the_run(tmp_path):
    """The note says `duplicate of line 2`; duplicates alone still exit 0."""
    csv_file = tmp_path / "numbers.csv"
    csv_file.write_text(
        f"phone_number\n{OFFERED[0]}\n{OFFERED[1]}\n{OFFERED[0]}\n"
    )

    run = flireo(
        "bulk-order", str(csv_file), "--sandbox", "--json", state=tmp_path
    )
    rows = json.loads(run.stdout)["results"]

    assert 0 == run.returncode, run.stderr
    assert [
        (2, "ordered", None),
        (3, "ordered", None),
        (4, "skipped", "duplicate of line 2"),
    ] == [(r["line"], r["outcome"], r["note"]) for r in rows]
