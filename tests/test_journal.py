"""The bulk-order journal: durable intents, group commit, torn lines."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

import flireo_async as flireo
from flireo_async._bulk import _journal
from flireo_async._bulk._journal import Journal, read_journal


A = "+31850000001"
B = "+31850000002"
C = "+31850000003"


class FsyncSpy:
    """Stands in for os.fsync and notes what the file held at each call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: list[bytes] = []

    def fsync(self, fd: int) -> None:
        os.fsync(fd)
        self.seen.append(self.path.read_bytes())


@pytest.fixture(name="spy")
def _spy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FsyncSpy:
    spy = FsyncSpy(tmp_path / "run.jsonl")
    monkeypatch.setattr(_journal, "os", SimpleNamespace(fsync=spy.fsync))
    return spy


def lines(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def write(path: Path, *records: dict[str, object], tail: bytes = b"") -> None:
    body = b"".join(orjson.dumps(r) + b"\n" for r in records)
    path.write_bytes(body + tail)


def intent(number: str, key: str = "k") -> dict[str, object]:
    return {
        "t": "intent",
        "n": number,
        "k": key,
        "ts": "2025-01-15T10:30:00+00:00",
    }


async def test_intent_is_fsynced_before_its_future_resolves(spy):
    """Once record_intent is awaited, the intent is on disk: POST is safe."""
    journal = Journal(spy.path)
    await journal.record_intent(A, "key-a")
    on_disk = lines(spy.path)
    await journal.aclose()

    assert 1 == len(spy.seen)
    assert on_disk == [orjson.loads(line) for line in spy.seen[0].splitlines()]
    assert [("intent", A, "key-a")] == [
        (r["t"], r["n"], r["k"]) for r in on_disk
    ]


async def test_intent_records_when_it_was_made(tmp_path):
    """The intent's timestamp bounds the order-list search of a re-run."""
    path = tmp_path / "run.jsonl"
    before = datetime.now(UTC)
    journal = Journal(path)
    await journal.record_intent(A, "key-a")
    await journal.aclose()
    after = datetime.now(UTC)

    entry = read_journal(path)[A]

    assert ("intent", "key-a", True) == (
        entry.state,
        entry.idempotency_key,
        entry.since is not None and before <= entry.since <= after,
    )


async def test_concurrent_appends_share_one_fsync(spy):
    """A burst of 200 intents costs one fsync (group commit), not 200."""
    journal = Journal(spy.path)
    numbers = [f"+3185{i:07d}" for i in range(200)]
    await asyncio.gather(
        *(journal.record_intent(n, f"key-{n}") for n in numbers)
    )
    await journal.aclose()

    assert 1 == len(spy.seen)
    assert numbers == [r["n"] for r in lines(spy.path)]


async def test_appends_while_a_flush_runs_land_in_the_next_batch(tmp_path):
    """Records queued during an fsync are all written, none lost."""
    path = tmp_path / "run.jsonl"
    journal = Journal(path)
    waves = []
    for wave in range(5):
        batch = [f"+3185{wave}{i:06d}" for i in range(50)]
        waves.append(
            asyncio.gather(*(journal.record_intent(n, "k") for n in batch))
        )
        await asyncio.sleep(0)
    await asyncio.gather(*waves)
    await journal.aclose()

    written = [r["n"] for r in lines(path)]

    assert (250, 250) == (len(written), len(set(written)))


async def test_done_and_final_records_carry_the_order(tmp_path):
    """A done record names the order, its status and the credits used."""
    path = tmp_path / "run.jsonl"
    journal = Journal(path)
    journal.record_intent(A, "key-a")
    journal.record_done(A, "order-a", "pending", 10)
    journal.record_done(B, "order-b", "success", None, final=True)
    await journal.aclose()

    entries = read_journal(path)

    assert [
        ("done", "order-a", "pending", 10, "key-a"),
        ("final", "order-b", "success", None, None),
    ] == [
        (e.state, e.order_id, e.status, e.credits_used, e.idempotency_key)
        for e in (entries[A], entries[B])
    ]


def test_the_last_record_of_a_number_wins(tmp_path):
    """Each number reads as its last record; earlier fields are kept."""
    path = tmp_path / "run.jsonl"
    write(
        path,
        intent(A, "key-a"),
        {"t": "done", "n": A, "o": "order-a", "s": "pending", "c": 10},
        {"t": "final", "n": A, "s": "success"},
        intent(B, "key-b"),
        {"t": "fail", "n": B, "e": "InsufficientCreditsError"},
        intent(C, "key-c"),
    )

    entries = read_journal(path)

    assert {
        A: ("final", "order-a", "success", 10),
        B: ("fail", None, None, None),
        C: ("intent", None, None, None),
    } == {
        n: (e.state, e.order_id, e.status, e.credits_used)
        for n, e in entries.items()
    }


def test_a_torn_last_line_is_ignored(tmp_path):
    """A crash mid-write leaves half a line; the records before it stand."""
    path = tmp_path / "run.jsonl"
    write(
        path,
        intent(A),
        {"t": "done", "n": A, "o": "order-a", "s": "pending"},
        intent(B),
        tail=b'{"t":"done","n":"+318500000',
    )

    entries = read_journal(path)

    assert {A: "done", B: "intent"} == {n: e.state for n, e in entries.items()}


def test_garbage_lines_are_skipped(tmp_path):
    """Lines that are not journal records do not stop the reading."""
    path = tmp_path / "run.jsonl"
    path.write_bytes(
        b'not json\n[1, 2]\n{"t": "done"}\n' + orjson.dumps(intent(A)) + b"\n"
    )

    assert [A] == list(read_journal(path))


def test_a_missing_file_reads_empty(tmp_path):
    """A first run has no journal yet: nothing to resume."""
    assert {} == read_journal(tmp_path / "missing.jsonl")


async def test_a_journal_is_created_where_asked(tmp_path):
    """The journal's directory is created on the first record."""
    path = tmp_path / "runs" / "today" / "run.jsonl"
    journal = Journal(path)
    previous = journal.previous
    await journal.record_intent(A, "key-a")
    await journal.aclose()

    assert ({}, [A]) == (previous, list(read_journal(path)))


async def test_a_reopened_journal_appends(tmp_path):
    """A re-run adds to the journal; the first run's records stay."""
    path = tmp_path / "run.jsonl"
    first = Journal(path)
    await first.record_intent(A, "key-a")
    await first.aclose()
    second = Journal(path)
    previous = list(second.previous)
    await second.record_intent(B, "key-b")
    await second.aclose()

    assert ([A], [A, B]) == (previous, [r["n"] for r in lines(path)])


async def test_aclose_flushes_fire_and_forget_records(tmp_path):
    """done/fail records nobody awaited are on disk after aclose()."""
    path = tmp_path / "run.jsonl"
    journal = Journal(path)
    journal.record_done(A, "order-a", "pending", 10)
    journal.record_fail(B, "InsufficientCreditsError")
    await journal.aclose()

    assert [("done", A), ("fail", B)] == [
        (r["t"], r["n"]) for r in lines(path)
    ]


async def test_aclose_is_safe_twice_and_without_records(tmp_path):
    """Closing an unused journal writes nothing and may be repeated."""
    path = tmp_path / "run.jsonl"
    journal = Journal(path)
    await journal.aclose()
    await journal.aclose()

    # The file exists from the start (it carries the job's lock), empty.
    assert path.read_bytes() == b""
    # The lock went with the close: the next job may open it.
    await Journal(path).aclose()


async def test_an_intent_after_a_torn_line_survives(tmp_path):
    """A re-run appending to a torn journal keeps its first intent."""
    # A crash mid-write leaves the file without a final newline; a run
    # that appends must start a new line, or its first record is glued to
    # the torn fragment and ignored on the next read (so a number in
    # flight at a second crash would be ordered again).
    path = tmp_path / "run.jsonl"
    write(path, intent(A), tail=b'{"t":"done","n":"+31850')
    journal = Journal(path)
    await journal.record_intent(B, "key-b")
    await journal.aclose()

    assert {A: "intent", B: "intent"} == {
        n: e.state for n, e in read_journal(path).items()
    }


async def test_a_second_job_on_a_journal_in_use_is_refused(tmp_path):
    """One running job owns a journal; a second one (another task of the
    same process here) is refused before it reads or writes anything."""
    path = tmp_path / "run.jsonl"
    first = Journal(path)
    await first.record_intent(A, "key-a")
    before = path.read_bytes()

    with pytest.raises(flireo.JournalInUseError) as caught:
        Journal(path)

    assert isinstance(caught.value, flireo.ConfigurationError)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before
    await first.aclose()
    second = Journal(path)
    assert second.previous[A].state == "intent"
    await second.aclose()


@pytest.mark.parametrize(
    "garbage",
    [
        b'{"t": "intent", "n": "+31850000001", "k": "k"}\n',  # no ts
        b'{"t": "intent", "n": "+31850000001", "ts": "soon"}\n',
        b'{"t": "intent", "n": "+31850000001", "ts": 5, "k": []}\n',
        b'{"t": "done", "n": ["+31850000001"], "o": "x"}\n',
        b'{"t": "done", "n": "+31850000002", "o": 7, "c": "ten"}\n',
        b'{"t": "teleport", "n": "+31850000002"}\n',
        b"[1, 2, 3]\n",
        b'"just a string"\n',
        b"\xff\xfe not utf-8\n",
        b'{"t": "done", "n": "+31850000002", "c": 1e400}\n',
        b"x" * 200_000 + b"\n",
        b"[" * 5000 + b"\n",
    ],
)
def test_records_of_the_wrong_shape_never_raise(tmp_path, garbage):
    path = tmp_path / "run.jsonl"
    path.write_bytes(garbage + orjson.dumps(intent(C, "key-c")) + b"\n")

    entries = read_journal(path)

    # What could be read is read; the record after the damage survives.
    assert entries[C].state == "intent"
    assert entries[C].idempotency_key == "key-c"
    for entry in entries.values():
        assert isinstance(entry.phone_number, str)
        assert entry.credits_used is None or isinstance(
            entry.credits_used, int
        )


def test_an_intent_with_an_unreadable_time_is_still_in_doubt(tmp_path):
    path = tmp_path / "run.jsonl"
    write(path, {"t": "intent", "n": A, "k": "key-a", "ts": "soon"})

    entry = read_journal(path)[A]

    assert (entry.state, entry.idempotency_key, entry.since) == (
        "intent",
        "key-a",
        None,
    )


def test_a_record_never_downgrades_a_placed_order(tmp_path):
    path = tmp_path / "run.jsonl"
    write(
        path,
        intent(A, "key-a"),
        {"t": "done", "n": A, "o": "order-a", "s": "pending", "c": 10},
        # What a second, concurrent run used to append.
        {"t": "fail", "n": A, "e": "AlreadyInUseError"},
        intent(A, "key-again"),
    )

    entry = read_journal(path)[A]

    assert (entry.state, entry.order_id) == ("done", "order-a")


def test_an_unreadable_journal_is_a_configuration_error(tmp_path):
    with pytest.raises(flireo.ConfigurationError, match="journal"):
        read_journal(tmp_path)
    with pytest.raises(flireo.ConfigurationError, match="journal"):
        Journal(tmp_path)


async def test_a_failed_write_stops_the_intent_with_a_typed_error(
    tmp_path, monkeypatch
):
    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_journal, "os", SimpleNamespace(fsync=full))
    journal = Journal(tmp_path / "run.jsonl")

    with pytest.raises(flireo.ConfigurationError, match="No space left"):
        await journal.record_intent(A, "key-a")
    # Later records are refused at once, and closing reports it too.
    with pytest.raises(flireo.ConfigurationError):
        await journal.record_intent(B, "key-b")
    with pytest.raises(flireo.ConfigurationError):
        await journal.aclose()
