"""
Telnyx's side of the bulk engine: many numbers per order.

Telnyx takes many numbers in one ``POST /number_orders``, so the placer
places a batch of ``numbers_per_order`` items as one order, through the
same exactly-once ``number_orders.create``.  Each order's
``customer_reference`` is the engine's key for the batch: the journal
records it with every number's intent before the POST, so a re-run after
a crash finds the order by that reference instead of ordering again.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .._bulk._engine import Doubt, Pending
from .._bulk._models import OrderRequest
from .._core._validation import check_e164
from .._models import OrderReceipt
from ..exceptions import ConfigurationError, FlireoError, ValidationError
from ._models import NumberOrder
from ._orders import NumberOrders


if TYPE_CHECKING:
    from .._core._base import BaseClient

__all__ = ["TelnyxPlacer"]

# A reference's orders fit on one page; more means the filter is ignored.
_REFERENCE_PAGES = 5
_ENTRY_FIELDS = frozenset(
    {"phone_number", "requirement_group_id", "bundle_id"}
)


class TelnyxPlacer:
    """
    Places Telnyx orders of up to *numbers_per_order* numbers each.

    Args:
        client: The client.
        numbers_per_order: Numbers per order (1–1000).
        order_options: Fields every order carries (connection id, …).

    Raises:
        ConfigurationError: *numbers_per_order* is out of range.
    """

    def __init__(
        self,
        client: BaseClient,
        *,
        numbers_per_order: int,
        order_options: Mapping[str, str | None],
    ) -> None:
        if not 1 <= numbers_per_order <= 1000:
            msg = "numbers_per_order must be between 1 and 1000"
            raise ConfigurationError(msg)
        self._orders = NumberOrders(client)
        self.api = "telnyx"
        self.batch_size = numbers_per_order
        self._options = dict(order_options)

    def request_of(self, item: object) -> OrderRequest:
        """The item as an [`OrderRequest`][flireo_async.OrderRequest] (for its
        result)."""
        number = (
            item.get("phone_number") if isinstance(item, Mapping) else item
        )
        group = (
            item.get("requirement_group_id")
            if isinstance(item, Mapping)
            else None
        )
        return OrderRequest(
            phone_number=number if isinstance(number, str) else repr(number),
            number_type="",
            verification_group_id=group if isinstance(group, str) else None,
        )

    def prepare(self, item: object) -> dict[str, str]:
        """The item's ``phone_numbers[]`` entry, validated."""
        entry = (
            {"phone_number": item}
            if isinstance(item, str)
            else dict(item)
            if isinstance(item, Mapping)
            else None
        )
        if entry is None:
            msg = (
                "each item is an E.164 string or a mapping with "
                f"'phone_number', got {type(item).__name__}"
            )
            raise ValidationError("phone_numbers", msg)
        check_e164("phone_number", entry.get("phone_number"))
        unknown = set(entry) - _ENTRY_FIELDS
        if unknown:
            msg = f"unknown fields {sorted(map(repr, unknown))}"
            raise ValidationError("phone_numbers", msg)
        return entry

    def new_key(self) -> str:
        """A fresh ``customer_reference``."""
        return f"flireo-async:{uuid.uuid4()}"

    async def place(
        self, batch: Sequence[Pending], key: str
    ) -> Sequence[OrderReceipt]:
        """Place *batch* as one order under the reference *key*."""
        order = await self._orders.create(
            phone_numbers=[p.prepared for p in batch],
            customer_reference=key,
            **self._options,
        )
        return [_receipt(order, p.request.phone_number) for p in batch]

    async def reconcile(
        self, doubts: Sequence[Doubt]
    ) -> dict[str, OrderReceipt]:
        """Find the orders of earlier attempts by their references."""
        by_key: dict[str, set[str]] = defaultdict(set)
        for doubt in doubts:
            if doubt.key is None:
                msg = f"no reference was recorded for {doubt.phone_number}"
                raise FlireoError(msg)
            by_key[doubt.key].add(doubt.phone_number)
        found: dict[str, OrderReceipt] = {}
        for reference, numbers in by_key.items():
            order = await self._find(reference)
            if order is None:
                continue
            for number in numbers:
                placed = {n.phone_number for n in order.phone_numbers}
                if number in placed:
                    found[number] = _receipt(order, number, reconciled=True)
        return found

    async def _find(self, reference: str) -> NumberOrder | None:
        pager = self._orders.list(customer_reference=reference, page_size=20)
        read = 0
        async with contextlib.aclosing(pager.pages()) as pages:
            async for page in pages:
                for order in page.items:
                    # A reference filter may match by substring: insist.
                    if order.customer_reference == reference:
                        return order
                read += 1
                if read >= _REFERENCE_PAGES:
                    msg = f"the order list does not filter by {reference!r}"
                    raise FlireoError(msg)
        return None


def _receipt(
    order: NumberOrder, phone_number: str, *, reconciled: bool = False
) -> OrderReceipt:
    status = order.status
    kind = None
    for number in order.phone_numbers:
        if number.phone_number == phone_number:
            status = number.status or status
            kind = number.phone_number_type
            break
    return OrderReceipt(
        order_id=order.id,
        phone_number=phone_number,
        number_type=kind,
        status=status,
        reconciled=reconciled or order.reconciled,
    )
