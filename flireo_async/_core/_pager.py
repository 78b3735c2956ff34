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
    Awaitable,
    Callable,
)
from typing import Generic, TypeVar

import attrs

from ..exceptions import ResponseDecodeError


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
    pager.pages()`` walks whole [`Page`][flireo_async.Page] objects.  Nothing
    is fetched
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

    async def _walk(
        self,
    ) -> AsyncGenerator[tuple[Page[T], tuple[T, ...]], None]:
        # The one paging loop.  A server that ignores the offset would
        # otherwise have it request the same page forever, so every page
        # must start where it was asked to, must not repeat the one
        # before, and the walk ends at the total the first page reported
        # (items added meanwhile are for the next walk).
        offset = 0
        previous: tuple[T, ...] | None = None
        ceiling: int | None = None
        while True:
            page, leading = await self._fetch(offset)
            if page.offset != offset:
                msg = (
                    f"asked for the page at offset {offset}, the server "
                    f"answered offset {page.offset}; it does not page"
                )
                raise ResponseDecodeError(msg, status=200)
            if page.items and page.items == previous:
                msg = (
                    f"the page at offset {offset} repeats the page "
                    f"before it; the server does not page"
                )
                raise ResponseDecodeError(msg, status=200)
            yield page, leading
            if ceiling is None:
                ceiling = page.total
            following = page.next_offset
            if following is None or following >= ceiling:
                return
            offset, previous = following, page.items

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """
        Yield each page in order.

        Raises:
            ResponseDecodeError: The server does not page as documented
                (a page at another offset than asked, or the same page
                twice), so the walk would never end.
            FlireoError: Whatever fetching a page raises.
        """
        async with contextlib.aclosing(self._walk()) as walk:
            async for page, _ in walk:
                yield page

    async def __aiter__(self) -> AsyncGenerator[T, None]:
        async with contextlib.aclosing(self._walk()) as walk:
            first = True
            async for page, leading in walk:
                # The shared numbers come beside every page; once is right.
                if first:
                    first = False
                    for item in leading:
                        yield item
                for item in page.items:
                    yield item

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
