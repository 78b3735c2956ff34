"""
The deterministic number inventory of the Telnyx mode.

Every pool is one (country, number type, locality) with a national
destination code; its numbers are drawn from a `random.Random` seeded
with the sandbox seed and the pool's name, and sorted, so the same seed
always offers the same numbers in the same order.  Pools are built on
first use.  Features and prices are functions of the number, so a search
filter on them really filters and "prices differ per number" holds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple


class PoolSpec(NamedTuple):
    """One pool of the catalogue."""

    country: str
    calling_code: str
    number_type: str
    locality: str | None
    administrative_area: str | None
    ndc: str
    digits: int
    features: tuple[str, ...]
    # Also offered when the number's last digit is even.
    even_feature: str | None
    upfront: str
    monthly: str
    quickship: bool = False

    @property
    def prefix(self) -> str:
        """``+`` country code and NDC, e.g. ``+3120``."""
        return f"+{self.calling_code}{self.ndc}"

    def national(self, number: str) -> str:
        """The number without ``+`` and country code: ``20xxxxxxx``."""
        return number[1 + len(self.calling_code) :]

    def features_of(self, number: str) -> tuple[str, ...]:
        """The number's features, deterministic."""
        if self.even_feature and int(number[-1]) % 2 == 0:
            return (*self.features, self.even_feature)
        return self.features

    def render(self, number: str) -> dict[str, Any]:
        """The ``available_phone_number`` record of *number*."""
        step = Decimal(int(number[-2:]) % 4) * Decimal("0.25")
        regions = [
            {"region_type": "country_code", "region_name": self.country}
        ]
        if self.locality is not None:
            kind = "location" if self.country != "US" else "rate_center"
            regions.append({"region_type": kind, "region_name": self.locality})
        if self.administrative_area is not None:
            regions.append(
                {
                    "region_type": "state",
                    "region_name": self.administrative_area,
                }
            )
        return {
            "record_type": "available_phone_number",
            "phone_number": number,
            "vanity_format": "",
            "best_effort": False,
            "quickship": self.quickship,
            "reservable": True,
            "region_information": regions,
            "cost_information": {
                "upfront_cost": self.upfront,
                "monthly_cost": str(Decimal(self.monthly) + step),
                "currency": "USD",
            },
            "features": [{"name": f} for f in self.features_of(number)],
        }


#: The pools on offer.  NL: national (085), mobile (06), local in three
#: cities, toll-free (0800); US: local in two cities, toll-free (888).
CATALOGUE: tuple[PoolSpec, ...] = (
    PoolSpec(
        "NL", "31", "national", None, None, "85", 7, ("voice",), "sms",
        "1.00", "1.00",
    ),
    PoolSpec(
        "NL", "31", "mobile", None, None, "6", 8, ("sms", "voice", "mms"),
        None, "1.00", "3.00",
    ),
    PoolSpec(
        "NL", "31", "local", "Amsterdam", "Noord-Holland", "20", 7,
        ("voice", "emergency"), "fax", "1.00", "1.50",
    ),
    PoolSpec(
        "NL", "31", "local", "Rotterdam", "Zuid-Holland", "10", 7,
        ("voice", "emergency"), "fax", "1.00", "1.50",
    ),
    PoolSpec(
        "NL", "31", "local", "Utrecht", "Utrecht", "30", 7,
        ("voice", "emergency"), "fax", "1.00", "1.50",
    ),
    PoolSpec(
        "NL", "31", "toll_free", None, None, "800", 7, ("voice",), None,
        "5.00", "10.00",
    ),
    PoolSpec(
        "US", "1", "local", "Chicago", "IL", "312", 7,
        ("sms", "mms", "voice", "emergency"), "hd_voice", "0.00", "1.00",
    ),
    PoolSpec(
        "US", "1", "local", "New York", "NY", "212", 7,
        ("sms", "mms", "voice", "emergency"), "hd_voice", "0.00", "1.00",
    ),
    PoolSpec(
        "US", "1", "toll_free", None, None, "888", 7, ("sms", "voice"), None,
        "0.00", "2.00", quickship=True,
    ),
)  # fmt: skip


class Search(NamedTuple):
    """The filters of one search (``None``: not filtered)."""

    country: str
    number_type: str | None = None
    locality: str | None = None
    administrative_area: str | None = None
    ndc: str | None = None
    features: tuple[str, ...] = ()
    starts_with: str | None = None
    ends_with: str | None = None
    contains: str | None = None
    quickship: bool | None = None

    def pools(self) -> Iterator[PoolSpec]:
        """The catalogue pools these filters can match."""
        for spec in CATALOGUE:
            if (
                spec.country == self.country
                and self.number_type in (None, spec.number_type)
                and _same(self.locality, spec.locality)
                and _same(self.administrative_area, spec.administrative_area)
                and self.ndc in (None, spec.ndc)
                and (not self.quickship or spec.quickship)
            ):
                yield spec

    def matches(self, spec: PoolSpec, number: str) -> bool:
        """Whether *number* of *spec* passes the digit and feature filters."""
        national = spec.national(number)
        if self.ndc is not None:
            # With an NDC filter, starts_with leaves the NDC digits out.
            national = national[len(self.ndc) :]
        if self.starts_with and not national.startswith(self.starts_with):
            return False
        if self.ends_with and not national.endswith(self.ends_with):
            return False
        if self.contains and self.contains not in national:
            return False
        return all(f in spec.features_of(number) for f in self.features)


def _same(wanted: str | None, actual: str | None) -> bool:
    if wanted is None:
        return True
    return actual is not None and wanted.casefold() == actual.casefold()


class TelnyxInventory:
    """
    The numbers of every `CATALOGUE` pool, each drawn on first use.

    Args:
        seed: The sandbox seed (same seed, same numbers).
        size: Numbers per pool.
    """

    def __init__(self, seed: int, size: int) -> None:
        self._seed = seed
        self._size = size
        self._pools: dict[PoolSpec, list[str]] = {}
        self._members: dict[PoolSpec, frozenset[str]] = {}

    def numbers(self, spec: PoolSpec) -> list[str]:
        """The sorted numbers of *spec*'s pool."""
        numbers = self._pools.get(spec)
        if numbers is None:
            rng = random.Random(
                "flireo-sandbox-telnyx-inventory:"
                f"{self._seed}:{spec.country}:{spec.number_type}:{spec.ndc}"
            )
            low = 2 * 10 ** (spec.digits - 1)
            drawn = rng.sample(range(low, 10**spec.digits), self._size)
            numbers = sorted(f"{spec.prefix}{n}" for n in drawn)
            self._pools[spec] = numbers
            self._members[spec] = frozenset(numbers)
        return numbers

    def spec_of(self, number: str) -> PoolSpec | None:
        """The pool *number* belongs to, or ``None`` if never offered."""
        for spec in CATALOGUE:
            if (
                number.startswith(spec.prefix)
                and len(number) == len(spec.prefix) + spec.digits
            ):
                self.numbers(spec)
                if number in self._members[spec]:
                    return spec
        return None

    def search(
        self,
        search: Search,
        is_taken: Callable[[str], bool],
        limit: int,
    ) -> tuple[list[tuple[PoolSpec, str]], int]:
        """
        Return up to *limit* free matching numbers and the total count.

        Args:
            search: The filters.
            is_taken: Tells whether a number has a live order.
            limit: Most numbers to return.

        Returns:
            ``([(spec, number), ...], total_results)``.
        """
        found: list[tuple[PoolSpec, str]] = []
        total = 0
        for spec in search.pools():
            for number in self.numbers(spec):
                if search.matches(spec, number) and not is_taken(number):
                    total += 1
                    if len(found) < limit:
                        found.append((spec, number))
        return found, total
