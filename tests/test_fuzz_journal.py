"""
Journals with damaged or foreign contents: random bytes, torn lines, and
valid JSON of the wrong shape (no ``ts``, ``"ts": "soon"``, a list as the
number, huge ints …).  Reading one gives entries or, for an unreadable
file, a ``FlireoError`` — never a bare exception from its contents.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_support import (
    FAST_FUZZ_RETRY,
    JSON_VALUES,
    ODD_TEXT,
    mutated,
    typed_outcome,
)

import flireo_async as flireo
from flireo_async import Request, Response
from flireo_async._bulk._journal import JournalEntry, read_journal
from flireo_async.testing import MockTransport


pytestmark = pytest.mark.fuzz

RECORDS: list[Any] = [
    {
        "t": "intent",
        "n": "+31851234567",
        "k": "key-1",
        "ts": "2025-01-15T10:30:00+00:00",
    },
    {
        "t": "done",
        "n": "+31851234567",
        "o": "660e8400-e29b-41d4-a716-446655440000",
        "s": "pending",
        "c": 10,
    },
    {"t": "final", "n": "+31851234567", "s": "success"},
    {"t": "fail", "n": "+31201234567", "e": "already_in_use"},
]

FIELD_VALUES = st.one_of(
    JSON_VALUES,
    ODD_TEXT,
    st.integers(min_value=2**63, max_value=2**70),
    st.lists(st.text(max_size=4), max_size=2),
    st.sampled_from(["soon", "intent", "done", "final", "fail", True, None]),
)


@st.composite
def _records(draw: st.DrawFn) -> Any:
    record = dict(draw(st.sampled_from(RECORDS)))
    for key in draw(st.sets(st.sampled_from(["t", "n", "k", "ts", "o", "c"]))):
        if draw(st.booleans()):
            record.pop(key, None)
        else:
            record[key] = draw(FIELD_VALUES)
    return record


def _line(value: Any) -> bytes:
    # The stdlib writes what orjson refuses (ints past 64 bits, lone
    # surrogates); a damaged journal may hold anything.
    return json.dumps(value).encode("utf-8", "surrogatepass")


LINES = st.one_of(
    _records().map(_line),
    st.sampled_from(RECORDS).flatmap(mutated).map(_line),
    st.sampled_from(RECORDS).map(_line),
    JSON_VALUES.map(_line),
    st.binary(max_size=80),
    st.sampled_from(
        [b"", b"{", b'{"t": "intent", "n": "+3185', b"\xff\xfe", b"[" * 3000]
    ),
)


@given(lines=st.lists(LINES, max_size=12), torn=st.booleans())
def test_reading_any_journal_gives_entries(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], torn: bool
) -> None:
    path = tmp_path_factory.mktemp("journal") / "job.jsonl"
    content = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    path.write_bytes(content if torn else content + b"\n")
    try:
        entries = read_journal(path)
    except flireo.FlireoError:
        return
    for number, entry in entries.items():
        assert isinstance(number, str)
        assert isinstance(entry, JournalEntry)
        assert entry.state in {"intent", "done", "final", "fail"}
        assert entry.since is None or isinstance(entry.since, datetime)
        assert entry.credits_used is None or isinstance(
            entry.credits_used, int
        )


def test_a_journal_of_wrong_shapes_reads_the_good_records(
    tmp_path: Path,
) -> None:
    path = tmp_path / "job.jsonl"
    lines = [
        {"t": "intent", "n": "+31851234567"},
        {"t": "intent", "n": "+31851234568", "ts": "soon"},
        {"t": "intent", "n": ["+31851234569"], "ts": "2025-01-01"},
        {"t": "done", "n": "+31851234567", "c": 2**80, "o": 7},
        {"t": "intent", "n": "+31851234570", "ts": 10**30},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    entries = read_journal(path)
    assert {"+31851234567", "+31851234568", "+31851234570"} == set(entries)
    assert "done" == entries["+31851234567"].state
    assert entries["+31851234567"].credits_used is None
    assert entries["+31851234568"].since is None


@pytest.mark.parametrize(
    "stamp",
    [
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59-01:00",
        "soon",
        7,
    ],
)
def test_resuming_from_a_journal_with_an_odd_intent_time_is_typed(
    tmp_path: Path, stamp: Any
) -> None:
    # An intent in doubt is reconciled from its time; a time that cannot
    # be shifted by the clock-skew margin must not escape as OverflowError.
    path = tmp_path / "job.jsonl"
    intent = {"t": "intent", "n": "+31851234567", "k": "k-1", "ts": stamp}
    path.write_text(json.dumps(intent) + "\n")
    listing = orjson.dumps(
        {"data": [], "meta": {"total": 0, "limit": 100, "offset": 0}}
    )
    placed = orjson.dumps(
        {
            "message": "Phone number ordered successfully",
            "data": {
                "order_id": "660e8400-e29b-41d4-a716-446655440000",
                "phone_number": "+31851234567",
                "number_type": "national",
                "status": "pending",
                "credits_used": 10,
                "remaining_credits": 90,
            },
        }
    )

    def answer(request: Request) -> Response:
        body = placed if request.method == "POST" else listing
        return Response(status=200, body=body)

    async def run() -> Any:
        async with flireo.FlireoClient(
            "fl_fuzz_key",
            base_url="https://api.example.test",
            transport=MockTransport(answer),
            retry=FAST_FUZZ_RETRY,
        ) as client:
            return await client.bulk_order(
                [flireo.OrderRequest(phone_number="+31851234567")],
                journal=path,
            )

    report = typed_outcome(run)
    if isinstance(report, flireo.FlireoError):
        return
    for result in report.results:
        assert result.error is None or isinstance(
            result.error, flireo.FlireoError
        ), repr(result.error)
