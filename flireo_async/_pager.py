"""
Offset pagination driven by the answer's ``meta``.

The docs' default page sizes disagree with their own examples, so the
pager trusts ``meta.total``/``meta.offset`` and the number of items that
actually came back, never the size it asked for.
"""

from __future__ import annotations

import contextlib
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
)
from typing import Generic, TypeVar

import attrs


__all__ = ["AsyncPager", "Page"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """
    One page of a list.

    Attributes:
        items: The page's items.
        total: Items in the whole list, as the server counts them.
        limit: Page size the server used.
        offset: Offset of the first item.
    """

    items: tuple[T, ...]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        """Offset of the next page, or ``None`` after the last one."""
        following = self.offset + len(self.items)
        if not self.items or following >= self.total:
            return None
        return following


class AsyncPager(Generic[T]):
    """
    Every item of a paginated list, fetched a page at a time.

    ``async for item in pager`` walks all items; ``async for page in
    pager.pages()`` walks whole :class:`Page` objects.  Nothing is fetched
    until iteration starts, and each iteration starts from the first page.

    Args:
        fetch: Reads the page at an offset and returns it with the items
            to yield before it (the shared default numbers that
            ``phone_numbers.list`` returns beside its first page).
    """

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[tuple[Page[T], tuple[T, ...]]]],
    ) -> None:
        self._fetch = fetch

    async def pages(self) -> AsyncIterator[Page[T]]:
        """
        Yield each page in order.

        Raises:
            FlireoError: Whatever fetching a page raises.
        """
        offset: int | None = 0
        while offset is not None:
            page, _ = await self._fetch(offset)
            yield page
            offset = page.next_offset

    async def __aiter__(self) -> AsyncGenerator[T, None]:
        offset: int | None = 0
        first = True
        while offset is not None:
            page, leading = await self._fetch(offset)
            if first:
                for item in leading:
                    yield item
                first = False
            for item in page.items:
                yield item
            offset = page.next_offset

    async def collect(self, *, limit: int | None = None) -> list[T]:
        """
        Gather items into a list.

        Args:
            limit: Stop after this many items (``None``: all of them).

        Returns:
            The items, in order.
        """
        items: list[T] = []
        if limit is not None and limit <= 0:
            return items
        # Close the iteration as soon as the limit is reached, so no page
        # beyond the last needed one is ever fetched.
        async with contextlib.aclosing(self.__aiter__()) as iterator:
            async for item in iterator:
                items.append(item)
                if limit is not None and len(items) >= limit:
                    break
        return items
