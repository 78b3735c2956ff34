"""
Searching beyond one page: ``numbers search --limit 1000`` and ``--all``.

The search endpoints return at most 50 numbers and have no offset.  What
they do have is a digit pattern (numbers containing those digits), so a
full page is split into ten narrower patterns — the pattern followed by
each digit — until every pattern answers with less than a full page.
Patterns are explored depth first, so a ``--limit`` run stops as soon as
it has enough.  Every Dutch E.164 number contains ``31`` (its country
code), so an empty pattern starts from ``310``…``319``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from .._models import AvailableNumber


__all__ = ["PAGE", "search_many"]

PAGE = 50  # the most one search call returns

Search = Callable[[str | None, int], Awaitable[list[AvailableNumber]]]


def _narrower(pattern: str) -> list[str]:
    base = pattern or "31"
    # Reversed: the stack pops "…0" first, so numbers come in order.
    return [f"{base}{digit}" for digit in reversed(range(10))]


async def search_many(
    search: Search, query: str | None, limit: int | None
) -> list[AvailableNumber]:
    """
    Up to *limit* available numbers matching *query* (all with ``None``).

    Args:
        search: One search call: ``(pattern, limit) -> numbers``.
        query: The user's digit pattern.
        limit: How many to return; ``None`` for every one.

    Returns:
        Distinct numbers, in the order they were found.
    """
    if limit is not None and limit <= PAGE:
        return await search(query, limit)
    found: dict[str, AvailableNumber] = {}
    patterns = [query or ""]
    while patterns and (limit is None or len(found) < limit):
        pattern = patterns.pop()
        batch = await search(pattern or None, PAGE)
        for number in batch:
            found.setdefault(number.phone_number, number)
        if len(batch) >= PAGE:
            patterns.extend(_narrower(pattern))
    numbers = list(found.values())
    return numbers if limit is None else numbers[:limit]
