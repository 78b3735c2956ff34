"""
The bulk-order journal: a write-ahead log that makes a job re-runnable.

Strategy: one JSON object per line, appended, never rewritten.  An
``intent`` record (number, idempotency key, time) is made durable with
fsync *before* its POST leaves, so after a crash — even ``kill -9`` — the
next run knows every number that might have been ordered.  ``done`` and
``fail`` records follow the answer.  On re-run, a number whose last
record is ``done`` is not ordered again; one with only an ``intent`` is
in doubt and is looked up in the order list before anything is re-sent.

Durability is batched (group commit): records queue up while one fsync
runs, and the next fsync covers all of them, so a thousand concurrent
POSTs cost a handful of fsyncs, not a thousand.  A torn last line from a
crash mid-write is ignored on reading, and so is any line that is not
a record of ours (whatever a disk, an editor or another program left):
reading a journal never raises for its contents.  Records only move a
number forward: a ``fail`` or ``intent`` after ``done`` never downgrades
a placed order.

A journal belongs to one job at a time: opening it takes an exclusive
``flock`` (per open file, so a second job in the same process is refused
too), held until `Journal.aclose()`.  A second job gets
``JournalInUseError`` before it reads or sends anything.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import attrs
import orjson

from ..exceptions import ConfigurationError, FlireoError, JournalInUseError


try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock to take
    fcntl = None  # type: ignore[assignment]


__all__ = ["Journal", "JournalEntry", "read_journal"]

# A record is about 150 bytes; a longer line is not one of ours, and
# reading it whole would let a damaged file take any amount of memory.
_MAX_LINE = 2**16
# How far a state is from "placed": a record never moves a number back.
_RANK = {"intent": 0, "fail": 0, "done": 1, "final": 2}


@attrs.define
class JournalEntry:
    """What the journal says of one number (its furthest word wins)."""

    phone_number: str
    state: str  # "intent", "done", "final" or "fail"
    idempotency_key: str | None = None
    since: datetime | None = None
    order_id: str | None = None
    status: str | None = None
    credits_used: int | None = None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value)
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=UTC)
        # In UTC, so later arithmetic cannot leave datetime's range
        # through an offset (year 1 at +01:00 is year 0 in UTC).
        return stamp.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _credits(value: object) -> int | None:
    if type(value) is int and 0 <= value < 2**31:
        return value
    return None


def _records(lines: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    for raw in lines:
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # A torn line from a crash mid-write; what it described was
            # not confirmed, so the intent before it still stands.
            continue
        if (
            isinstance(record, dict)
            and isinstance(record.get("n"), str)
            and isinstance(record.get("t"), str)
            and record["t"] in _RANK
        ):
            yield record


def _parse_lines(lines: Iterator[bytes]) -> dict[str, JournalEntry]:
    entries: dict[str, JournalEntry] = {}
    for record in _records(lines):
        number, kind = record["n"], record["t"]
        entry = entries.get(number)
        if entry is None:
            entry = entries[number] = JournalEntry(number, kind)
        elif _RANK[kind] < _RANK[entry.state]:
            continue
        entry.state = kind
        if kind == "intent":
            entry.idempotency_key = _text(record.get("k"))
            entry.since = _time(record.get("ts"))
        elif kind in ("done", "final"):
            entry.order_id = _text(record.get("o")) or entry.order_id
            entry.status = _text(record.get("s")) or entry.status
            spent = _credits(record.get("c"))
            if spent is not None:
                entry.credits_used = spent
    return entries


def _lines(fh: IO[bytes]) -> Iterator[bytes]:
    while line := fh.readline(_MAX_LINE):
        if len(line) == _MAX_LINE and not line.endswith(b"\n"):
            # Skip the rest of an overlong line a piece at a time.
            while (rest := fh.readline(_MAX_LINE)) and not rest.endswith(
                b"\n"
            ):
                pass
            continue
        yield line


def read_journal(path: str | Path) -> dict[str, JournalEntry]:
    """
    Read a journal into the last known state of each number.

    Args:
        path: The journal file; a missing file reads as empty.

    Returns:
        Phone number → `JournalEntry`.

    Raises:
        ConfigurationError: The file exists but cannot be read.
    """
    try:
        with Path(path).open("rb") as fh:
            return _parse_lines(_lines(fh))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        msg = f"cannot read the journal {str(path)!r}: {exc.strerror}"
        raise ConfigurationError(msg) from None


def _open_locked(path: Path) -> IO[bytes]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = path.open("ab")
    except OSError as exc:
        msg = f"cannot open the journal {str(path)!r}: {exc.strerror}"
        raise ConfigurationError(msg) from None
    if fcntl is not None:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            msg = (
                f"the journal {str(path)!r} is in use by another running "
                f"job; wait for it to finish (or give this job its own "
                f"journal)"
            )
            raise JournalInUseError(msg, path=str(path)) from None
    return fh


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        if fh.seek(0, io.SEEK_END) == 0:
            return True
        fh.seek(-1, io.SEEK_END)
        return fh.read(1) == b"\n"


class Journal:
    """
    Append-only JSON-lines journal with group-committed fsyncs.

    Args:
        path: The journal file (created, or appended to).

    Raises:
        JournalInUseError: Another running job holds it.
        ConfigurationError: It cannot be opened or read.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fh: IO[bytes] | None = _open_locked(self.path)
        try:
            self.previous = read_journal(self.path)
            # A crash mid-write leaves a torn last line; start a fresh
            # one so our first record is not glued to the fragment.
            self._torn = not _ends_with_newline(self.path)
        except (ConfigurationError, OSError):
            self._fh.close()
            raise
        self._queue: list[bytes] = []
        self._batch: asyncio.Future[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._failure: FlireoError | None = None

    def record_intent(
        self, phone_number: str, key: str
    ) -> asyncio.Future[None]:
        """Queue an intent; await the result before sending the POST."""
        now = datetime.now(UTC).isoformat()
        return self._append(
            {"t": "intent", "n": phone_number, "k": key, "ts": now}
        )

    def record_done(
        self,
        phone_number: str,
        order_id: str,
        status: str,
        credits_used: int | None,
        *,
        final: bool = False,
    ) -> asyncio.Future[None]:
        """Queue the record of a placed (or, *final*, settled) order."""
        record: dict[str, Any] = {
            "t": "final" if final else "done",
            "n": phone_number,
            "o": order_id,
            "s": status,
        }
        if credits_used is not None:
            record["c"] = credits_used
        return self._append(record)

    def record_fail(
        self, phone_number: str, error: str
    ) -> asyncio.Future[None]:
        """Queue the record of an order that certainly was not placed."""
        return self._append({"t": "fail", "n": phone_number, "e": error})

    def _append(self, record: dict[str, Any]) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        if self._failure is not None:
            failed = loop.create_future()
            failed.set_exception(self._failure)
            return failed
        self._queue.append(orjson.dumps(record) + b"\n")
        if self._batch is None:
            self._batch = loop.create_future()
            # Only intents are awaited; the others must not log an
            # unretrieved exception when a write fails.
            self._batch.add_done_callback(_retrieve)
        batch = self._batch
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_loop())
        return batch

    async def _flush_loop(self) -> None:
        while self._queue:
            lines, self._queue = self._queue, []
            batch, self._batch = self._batch, None
            try:
                await asyncio.to_thread(self._write, b"".join(lines))
            except OSError as exc:
                msg = (
                    f"cannot write the journal {str(self.path)!r}: "
                    f"{exc.strerror}; stopping so that no order is sent "
                    f"unrecorded"
                )
                self._failure = ConfigurationError(msg)
                if batch is not None and not batch.done():
                    batch.set_exception(self._failure)
                return
            if batch is not None and not batch.done():
                batch.set_result(None)

    def _write(self, data: bytes) -> None:
        fh = self._fh
        if fh is None:
            raise OSError(9, "the journal is closed")
        if self._torn:
            data = b"\n" + data
            self._torn = False
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())

    async def aclose(self) -> None:
        """
        Flush everything queued, close the file and release the lock.

        Raises:
            ConfigurationError: A record could not be written.
        """
        try:
            while self._flusher is not None and not self._flusher.done():
                await asyncio.shield(self._flusher)
            if self._queue and self._failure is None:
                data, self._queue = b"".join(self._queue), []
                try:
                    await asyncio.to_thread(self._write, data)
                except OSError as exc:
                    msg = (
                        f"cannot write the journal {str(self.path)!r}: "
                        f"{exc.strerror}"
                    )
                    self._failure = ConfigurationError(msg)
            if self._batch is not None and not self._batch.done():
                if self._failure is None:
                    self._batch.set_result(None)
                else:
                    self._batch.set_exception(self._failure)
        finally:
            if self._fh is not None:
                # Closing the file releases the flock.
                self._fh.close()
                self._fh = None
        if self._failure is not None:
            raise self._failure


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()
