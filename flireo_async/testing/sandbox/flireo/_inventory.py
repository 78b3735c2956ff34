"""
The deterministic number inventory of the sandbox.

Numbers live in pools: one for national numbers (``+3185`` and seven
digits), one for mobile numbers (``+316`` and eight digits) and one local
pool per known city (``+31`` + area code + seven digits).  A pool is drawn
from a `random.Random` seeded with the sandbox seed and the pool's name, and
sorted, so the same seed always yields the same numbers in the same order.
Pools are built on first use: a test that never looks at mobile numbers
never pays for them.
"""

from __future__ import annotations

import random
from collections.abc import Callable


#: Local pools: locality name → Dutch area code (without the trunk 0).
AREA_CODES: dict[str, str] = {
    "Amsterdam": "20",
    "Rotterdam": "10",
    "Den Haag": "70",
    "Utrecht": "30",
    "Eindhoven": "40",
    "Groningen": "50",
}

_LOCALITY_BY_AREA = {code: name for name, code in AREA_CODES.items()}

# City spellings a verification group may use for a known locality.
_CITY_ALIASES: dict[str, str] = {
    **{name.lower(): name for name in AREA_CODES},
    "the hague": "Den Haag",
    "'s-gravenhage": "Den Haag",
    "s-gravenhage": "Den Haag",
    "'s gravenhage": "Den Haag",
}

#: The platform's shared default numbers (``include_default=true``).  They
#: are kept out of the national pool so they can never be ordered.
SHARED_NUMBERS: tuple[tuple[str, str], ...] = (
    ("770e8400-e29b-41d4-a716-446655440000", "+31850001234"),
    ("770e8400-e29b-41d4-a716-446655440001", "+31850001235"),
)

_PREFIX_DIGITS = {"national": ("+3185", 7), "mobile": ("+316", 8)}


def locality_for_city(city: str) -> str:
    """
    Return the locality a verification group's *city* maps to.

    Args:
        city: The ``city`` field of the group.

    Returns:
        The canonical name of a known city (``"den haag"`` →
        ``"Den Haag"``), otherwise the city as given, stripped.
    """
    stripped = city.strip()
    return _CITY_ALIASES.get(stripped.lower(), stripped)


def features_for(number: str, number_type: str) -> list[str]:
    """
    Return the deterministic feature list of an inventory number.

    Args:
        number: The E.164 number.
        number_type: Its pool type.

    Returns:
        ``["voice", "sms"]`` for mobile numbers and even national numbers,
        ``["voice"]`` otherwise.
    """
    if number_type == "mobile" or (
        number_type == "national" and int(number[-1]) % 2 == 0
    ):
        return ["voice", "sms"]
    return ["voice"]


class Pool:
    """
    One sorted list of numbers of one type (and locality).

    ``cursor`` is the index of the first number that may still be free:
    numbers are usually ordered from the front of search results, so
    skipping the taken prefix keeps searches cheap after many orders.
    """

    __slots__ = ("cursor", "index", "locality", "number_type", "numbers")

    def __init__(
        self, number_type: str, locality: str | None, numbers: list[str]
    ) -> None:
        self.number_type = number_type
        self.locality = locality
        self.numbers = numbers
        self.index = {number: i for i, number in enumerate(numbers)}
        self.cursor = 0

    def release(self, number: str) -> None:
        """Make *number* visible to searches again (its order failed)."""
        self.cursor = min(self.cursor, self.index[number])

    def search(
        self, is_taken: Callable[[str], bool], digits: str, limit: int
    ) -> list[str]:
        """
        Return up to *limit* free numbers whose digits contain *digits*.

        Args:
            is_taken: Tells whether a number has a live order.
            digits: Digits the number must contain (``""`` matches all).
            limit: Most numbers to return.

        Returns:
            Free numbers in pool order.
        """
        numbers = self.numbers
        size = len(numbers)
        i = self.cursor
        while i < size and is_taken(numbers[i]):
            i += 1
        self.cursor = i
        found: list[str] = []
        while i < size and len(found) < limit:
            number = numbers[i]
            # number[1:] drops the "+", so "3185" matches "+3185...".
            if (not digits or digits in number[1:]) and not is_taken(number):
                found.append(number)
            i += 1
        return found


class Inventory:
    """
    All pools of one sandbox, built lazily from the seed.

    Args:
        seed: The sandbox seed.
        size: Numbers per pool.
    """

    def __init__(self, seed: int, size: int) -> None:
        self._seed = seed
        self._size = size
        self._pools: dict[tuple[str, str | None], Pool] = {}

    def pool(self, number_type: str, locality: str | None = None) -> Pool:
        """
        Return the pool of *number_type* (and *locality* for local numbers).

        Args:
            number_type: ``"national"``, ``"mobile"`` or ``"local"``.
            locality: The city, for local pools.

        Returns:
            The pool; an unknown locality gets an empty pool.
        """
        key = (number_type, locality if number_type == "local" else None)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = self._build(*key)
        return pool

    def pool_of(self, number: str) -> Pool | None:
        """
        Return the pool *number* belongs to, if it is in the inventory.

        Args:
            number: An E.164 number.

        Returns:
            Its pool, or ``None`` when the sandbox never offered it.
        """
        if len(number) != 12 or not number.startswith("+31"):
            return None
        if number.startswith("+3185"):
            pool = self.pool("national")
        elif number.startswith("+316"):
            pool = self.pool("mobile")
        else:
            locality = _LOCALITY_BY_AREA.get(number[3:5])
            if locality is None:
                return None
            pool = self.pool("local", locality)
        return pool if number in pool.index else None

    def _build(self, number_type: str, locality: str | None) -> Pool:
        if number_type == "local":
            code = AREA_CODES.get(locality or "")
            if code is None:
                return Pool(number_type, locality, [])
            prefix, digits = f"+31{code}", 7
        else:
            prefix, digits = _PREFIX_DIGITS[number_type]
        rng = random.Random(
            f"flireo-sandbox-inventory:{self._seed}:{number_type}:{locality}"
        )
        excluded = {n for _, n in SHARED_NUMBERS}
        drawn = rng.sample(range(10**digits), self._size + len(excluded))
        numbers = sorted(f"{prefix}{suffix:0{digits}d}" for suffix in drawn)
        numbers = [n for n in numbers if n not in excluded][: self._size]
        return Pool(number_type, locality, numbers)
