"""
What every resource namespace shares: the client's call path and the
two documented envelopes (``{"data", "meta"}`` for reads,
``{"message", "data"}`` for writes).
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ..exceptions import ResponseDecodeError
from ._converter import structure
from ._pager import AsyncPager, Page
from ._telemetry import operation as traced


if TYPE_CHECKING:
    from ._base import BaseClient

__all__ = ["Resource", "data_of", "page_of"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class _Meta:
    total: int
    limit: int
    offset: int


def data_of(payload: Any) -> Any:
    """
    The ``data`` member of an answer.

    Raises:
        ResponseDecodeError: The answer is not an object with ``data``.
    """
    if payload.__class__ is dict and "data" in payload:
        return payload["data"]  # what orjson gives, checked cheaply
    if not isinstance(payload, Mapping) or "data" not in payload:
        msg = "the answer has no 'data' member"
        raise ResponseDecodeError(msg, status=200)
    return payload["data"]


def page_of(payload: Any, model: type[T]) -> Page[T]:
    """
    Structure a ``{"data": [...], "meta": {...}}`` answer into a page.

    Raises:
        ResponseDecodeError: The answer is not that shape.
    """
    items = structure(data_of(payload), tuple[model, ...])  # type: ignore[valid-type]
    meta = structure(payload.get("meta"), _Meta)
    return Page(
        items=items, total=meta.total, limit=meta.limit, offset=meta.offset
    )


class Resource:
    """Base of the ``client.<resource>`` namespaces."""

    __slots__ = ("_client",)

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _get(
        self, path: str, query: Mapping[str, object] | None = None
    ) -> Coroutine[Any, Any, Any]:
        # The call's own coroutine, not one awaiting it: every suspension
        # of a request passes through each frame above it.
        return self._client._call("GET", path, query=query)

    async def _one(
        self, model: type[T], method: str, path: str, **call: Any
    ) -> T:
        # Build → send (with retry) → decipher → structure, for a call
        # whose answer is one ``data`` object (or list) of *model*; *call*
        # is what BaseClient._call takes besides method and path.
        payload = await self._client._call(method, path, **call)
        return structure(data_of(payload), model)

    def _pages(
        self,
        model: type[T],
        path: str,
        query: Mapping[str, object],
        *,
        operation: str,
    ) -> AsyncPager[T]:
        # A Flireo list: offset pagination driven by the answer's meta.
        client = self._client

        @traced(operation)
        async def fetch(offset: int) -> tuple[Page[T], tuple[T, ...]]:
            payload = await client._call(
                "GET", path, query={**query, "offset": offset}
            )
            return page_of(payload, model), ()

        return AsyncPager(fetch)
