"""
The bulk engine's duplicate index: which numbers the input already had,
and at which position — in flat memory.

A ``dict`` of number strings to positions costs about 130 bytes an item
(the string it keeps alive, the int, the table slot), which made a
100,000-item job's peak memory grow by a third over a 10,000-item one.
Canonical E.164 numbers are at most 15 digits, so each fits in a signed
64-bit int: an open-addressing table of two ``array('q')`` (numbers,
positions) costs 16 bytes a slot, 20–40 an item at its load factor (at
most 0.8: linear probing stays short there).  Anything that is not
canonical E.164 (it will fail validation anyway) is kept in a plain dict.
"""

from __future__ import annotations

from array import array


__all__ = ["SeenIndex"]

_EMPTY = -1
_MAX_LOAD = 0.8


class SeenIndex:
    """First position of each number seen, in 20-40 bytes an item."""

    __slots__ = ("_count", "_keys", "_mask", "_other", "_values")

    def __init__(self) -> None:
        self._keys = array("q", [_EMPTY]) * 1024
        self._values = array("q", [0]) * 1024
        self._mask = 1023
        self._count = 0
        self._other: dict[str, int] = {}

    def first(self, number: str, index: int) -> int:
        """
        Record *number* at *index* unless seen before.

        Returns:
            The position where *number* first appeared (*index* itself
            the first time).
        """
        if not (
            16 >= len(number) >= 2
            and number[0] == "+"
            and number[1:].isascii()
            and number[1:].isdigit()
            and number[1] != "0"
        ):
            return self._other.setdefault(number, index)
        key = int(number[1:])
        keys, mask = self._keys, self._mask
        # Fibonacci hashing spreads sequential numbers over the table.
        slot = (key * 11400714819323198485 >> 20) & mask
        while True:
            found = keys[slot]
            if found == key:
                return self._values[slot]
            if found == _EMPTY:
                break
            slot = (slot + 1) & mask
        keys[slot] = key
        self._values[slot] = index
        self._count += 1
        if self._count > _MAX_LOAD * (mask + 1):
            self._grow()
        return index

    def _grow(self) -> None:
        old_keys, old_values = self._keys, self._values
        size = 2 * len(old_keys)
        self._keys = array("q", [_EMPTY]) * size
        self._values = array("q", [0]) * size
        self._mask = mask = size - 1
        keys, values = self._keys, self._values
        for key, value in zip(old_keys, old_values, strict=True):
            if key == _EMPTY:
                continue
            slot = (key * 11400714819323198485 >> 20) & mask
            while keys[slot] != _EMPTY:
                slot = (slot + 1) & mask
            keys[slot] = key
            values[slot] = value
