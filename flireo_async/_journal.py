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
crash mid-write is ignored on reading.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import attrs
import orjson


__all__ = ["Journal", "JournalEntry", "read_journal"]


@attrs.define
class JournalEntry:
    """What the journal says of one number (its last word wins)."""

    phone_number: str
    state: str  # "intent", "done", "final" or "fail"
    idempotency_key: str | None = None
    since: datetime | None = None
    order_id: str | None = None
    status: str | None = None
    credits_used: int | None = None


def _parse_lines(lines: Iterator[bytes]) -> dict[str, JournalEntry]:
    entries: dict[str, JournalEntry] = {}
    for raw in lines:
        try:
            record: dict[str, Any] = orjson.loads(raw)
            number = record["n"]
            kind = record["t"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            # A torn line from a crash mid-write; what it described was
            # not confirmed, so the intent before it still stands.
            continue
        entry = entries.get(number)
        if entry is None:
            entry = entries[number] = JournalEntry(number, kind)
        entry.state = kind
        if kind == "intent":
            entry.idempotency_key = record.get("k")
            entry.since = datetime.fromisoformat(record["ts"])
        elif kind in ("done", "final"):
            entry.order_id = record.get("o", entry.order_id)
            entry.status = record.get("s", entry.status)
            if "c" in record:
                entry.credits_used = record["c"]
    return entries


def read_journal(path: str | Path) -> dict[str, JournalEntry]:
    """
    Read a journal into the last known state of each number.

    Args:
        path: The journal file; a missing file reads as empty.

    Returns:
        Phone number → :class:`JournalEntry`.
    """
    try:
        with Path(path).open("rb") as fh:
            return _parse_lines(iter(fh))
    except FileNotFoundError:
        return {}


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


class Journal:
    """
    Append-only JSON-lines journal with group-committed fsyncs.

    Args:
        path: The journal file (created, or appended to).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.previous = read_journal(self.path)
        self._fh: IO[bytes] | None = None
        self._queue: list[bytes] = []
        self._batch: asyncio.Future[None] | None = None
        self._flusher: asyncio.Task[None] | None = None

    def _open(self) -> IO[bytes]:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("ab")
            # A crash mid-write leaves a torn last line; start a fresh one
            # so our first record is not glued to the fragment.
            if self._fh.tell() and not _ends_with_newline(self.path):
                self._fh.write(b"\n")
        return self._fh

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
        self._queue.append(orjson.dumps(record) + b"\n")
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
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
                if batch is not None and not batch.done():
                    batch.set_exception(exc)
                raise
            if batch is not None and not batch.done():
                batch.set_result(None)

    def _write(self, data: bytes) -> None:
        fh = self._open()
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())

    async def aclose(self) -> None:
        """Flush everything queued and close the file."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)
        if self._queue:
            await asyncio.to_thread(self._write, b"".join(self._queue))
            self._queue = []
        if self._batch is not None and not self._batch.done():
            self._batch.set_result(None)
        if self._fh is not None:
            self._fh.close()
            self._fh = None
