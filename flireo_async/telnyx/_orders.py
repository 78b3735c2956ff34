"""``number_orders`` and ``sub_number_orders``."""

from __future__ import annotations

import builtins
import itertools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from .._core._converter import structure
from .._core._once import exactly_once, new_key
from .._core._pager import AsyncPager, Page
from .._core._resource import Resource, data_of
from .._core._retry import poll_until
from .._core._sansio import path_segment
from .._core._telemetry import operation
from .._core._validation import (
    check_bool,
    check_choice,
    check_datetime,
    check_e164,
    check_id,
    check_limit,
    check_text,
)
from ..exceptions import ValidationError
from ._models import NumberOrder, NumberOrderStatus, SubNumberOrder
from ._resources import _optional_text, _requirements, check_country
from ._sansio import deep_object


__all__ = ["NumberOrders", "SubNumberOrders"]

# Telnyx documents no maximum per order; its bulk endpoint takes 10,000.
MAX_NUMBERS_PER_ORDER = 1000


@attrs.frozen(kw_only=True)
class _PageMeta:
    total_results: int
    page_number: int
    page_size: int
    total_pages: int | None = None


def _numbers(
    items: Iterable[str | Mapping[str, str]],
) -> builtins.list[dict[str, str]]:
    if isinstance(items, str | bytes | Mapping) or not isinstance(
        items, Iterable
    ):
        msg = f"give a list of numbers, got {type(items).__name__}"
        raise ValidationError("phone_numbers", msg)
    # Read one past the cap so a huge or endless iterable stops early.
    given = builtins.list(itertools.islice(items, MAX_NUMBERS_PER_ORDER + 1))
    if not given:
        msg = "give a non-empty list of numbers"
        raise ValidationError("phone_numbers", msg)
    if len(given) > MAX_NUMBERS_PER_ORDER:
        msg = f"at most {MAX_NUMBERS_PER_ORDER} numbers per order"
        raise ValidationError("phone_numbers", msg)
    out: builtins.list[dict[str, str]] = []
    seen: set[str] = set()
    for item in given:
        if isinstance(item, str):
            entry = {"phone_number": item}
        elif isinstance(item, Mapping):
            entry = dict(item)
        else:
            msg = (
                "each item is an E.164 string or a mapping with "
                f"'phone_number', got {item!r}"
            )
            raise ValidationError("phone_numbers", msg)
        number = check_e164("phone_number", entry.get("phone_number"))
        if number in seen:
            msg = f"{number} appears twice"
            raise ValidationError("phone_numbers", msg)
        seen.add(number)
        unknown = set(entry) - {
            "phone_number",
            "requirement_group_id",
            "bundle_id",
        }
        if unknown:
            # repr: keys need not be strings, and mixed types don't sort.
            msg = f"unknown fields {sorted(map(repr, unknown))}"
            raise ValidationError("phone_numbers", msg)
        for field in ("requirement_group_id", "bundle_id"):
            if field in entry:
                check_id(field, entry[field])
        out.append(entry)
    return out


class NumberOrders(Resource):
    """``/number_orders``: create, read, list, update, wait."""

    __slots__ = ()

    @operation("telnyx.number_orders.create")
    async def create(
        self,
        *,
        phone_numbers: Iterable[str | Mapping[str, str]],
        connection_id: str | None = None,
        messaging_profile_id: str | None = None,
        billing_group_id: str | None = None,
        customer_reference: str | None = None,
    ) -> NumberOrder:
        """
        Order numbers (one or many in one order), exactly once.

        The official SDK retries this POST blindly; this one never does.
        Every attempt carries the same ``customer_reference`` (yours, or
        a generated ``flireo-async:<uuid>``) and ``Idempotency-Key``; after
        an ambiguous failure the order is looked up by that reference and
        returned with ``reconciled=True`` instead of being placed again.

        Args:
            phone_numbers: E.164 numbers from a recent search, or
                ``{"phone_number", "requirement_group_id"?, "bundle_id"?}``
                items.
            connection_id: Voice connection for the numbers.
            messaging_profile_id: Messaging profile for the numbers.
            billing_group_id: Billing group.
            customer_reference: Your reference; it must be unique per
                order for reconciliation to be exact.

        Returns:
            The created [`NumberOrder`][flireo_async.telnyx.NumberOrder]
            (usually ``pending``).

        Raises:
            ValidationError: A bad argument; nothing was sent.
            AlreadyInUseError: A number is no longer available (85001).
            OrderOutcomeUnknownError: It may have been placed and the
                order list could not tell.
            APIError: Any other refusal.

        Example:
            ```python
            order = await telnyx.number_orders.create(
                phone_numbers=["+31851234567", "+31851234568"],
                customer_reference="shop:order-42",
            )
            ```
        """
        items = _numbers(phone_numbers)
        reference = _optional_text(
            "customer_reference", customer_reference
        ) or (f"flireo-async:{uuid.uuid4()}")
        body: dict[str, Any] = {
            "phone_numbers": items,
            "customer_reference": reference,
        }
        for field, value in (
            ("connection_id", connection_id),
            ("messaging_profile_id", messaging_profile_id),
            ("billing_group_id", billing_group_id),
        ):
            if value is not None:
                body[field] = check_id(field, value)
        key = new_key()

        async def send() -> NumberOrder:
            return await self._one(
                NumberOrder,
                "POST",
                "/number_orders",
                json=body,
                extra_headers={"Idempotency-Key": key},
                repeatable=False,
            )

        async def find() -> NumberOrder | None:
            wanted = {i["phone_number"] for i in items}
            async for order in self.list(
                customer_reference=reference, page_size=20
            ):
                numbers = {n.phone_number for n in order.phone_numbers}
                # A reference filter may match by substring; insist on it
                # exactly and on the same numbers.
                if order.customer_reference == reference and (
                    not numbers or numbers == wanted
                ):
                    return attrs.evolve(order, reconciled=True)
            return None

        return await exactly_once(
            send,
            find,
            max_sends=self._client.retry_policy.max_attempts,
            subject=", ".join(i["phone_number"] for i in items),
            key=reference,
        )

    @operation("telnyx.number_orders.get")
    async def get(self, order_id: str) -> NumberOrder:
        """
        One order with its per-number details.

        Args:
            order_id: The order's id.

        Returns:
            The order with its per-number details.

        Raises:
            NotFoundError: No such order.
        """
        check_id("order_id", order_id)
        return await self._one(
            NumberOrder, "GET", f"/number_orders/{path_segment(order_id)}"
        )

    def list(
        self,
        *,
        status: NumberOrderStatus | str | None = None,
        customer_reference: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        requirements_met: bool | None = None,
        page_size: int = 25,
    ) -> AsyncPager[NumberOrder]:
        """
        Orders matching the filters, page by page (``page[number]``).

        List items carry only ``id`` and ``phone_number`` per number; use
        `get()` for per-number statuses.

        Args:
            status: Only orders in this status.
            customer_reference: Only orders with this reference.
            created_after: Only orders created after this (aware) time.
            created_before: Only orders created before this (aware) time.
            requirements_met: Only orders whose requirements are (or are
                not) all met.
            page_size: Orders per request, 1–250.

        Returns:
            An [`AsyncPager`][flireo_async.AsyncPager] of
            [`NumberOrder`][flireo_async.telnyx.NumberOrder].

        Raises:
            ValidationError: A bad filter (raised here, at once).
        """
        check_limit("page_size", page_size, 1, 250)
        if status is not None:
            status = check_choice("status", status, tuple(NumberOrderStatus))
        _optional_text("customer_reference", customer_reference)
        for field, value in (
            ("created_after", created_after),
            ("created_before", created_before),
        ):
            if value is not None:
                check_datetime(field, value)
        if requirements_met is not None:
            check_bool("requirements_met", requirements_met)
        filters = deep_object(
            "filter",
            {
                "status": status,
                "customer_reference": customer_reference,
                "created_at": {
                    "gt": created_after.isoformat() if created_after else None,
                    "lt": created_before.isoformat()
                    if created_before
                    else None,
                },
                "requirements_met": requirements_met,
            },
        )

        @operation("telnyx.number_orders.list")
        async def fetch(
            offset: int,
        ) -> tuple[Page[NumberOrder], tuple[NumberOrder, ...]]:
            number = offset // page_size + 1
            payload = await self._get(
                "/number_orders",
                {**filters, "page[number]": number, "page[size]": page_size},
            )
            items = structure(data_of(payload), tuple[NumberOrder, ...])
            meta = structure(payload.get("meta"), _PageMeta)
            page = Page(
                items=items,
                total=meta.total_results,
                limit=meta.page_size,
                offset=(meta.page_number - 1) * meta.page_size,
            )
            return page, ()

        return AsyncPager(fetch)

    @operation("telnyx.number_orders.update")
    async def update(
        self,
        order_id: str,
        *,
        customer_reference: str | None = None,
        regulatory_requirements: Sequence[Mapping[str, str]] | None = None,
    ) -> NumberOrder:
        """
        Change an order's reference or requirement values.

        Args:
            order_id: The order's id.
            customer_reference: A new reference.
            regulatory_requirements: ``{"requirement_id", "field_value"}``
                items supplying requirement values.

        Returns:
            The updated order.

        Raises:
            ValidationError: Nothing to change, or a bad value.
        """
        check_id("order_id", order_id)
        body: dict[str, Any] = {}
        if customer_reference is not None:
            body["customer_reference"] = check_text(
                "customer_reference", customer_reference
            )
        reqs = _requirements(regulatory_requirements)
        if reqs is not None:
            body["regulatory_requirements"] = reqs
        if not body:
            msg = "give customer_reference or regulatory_requirements"
            raise ValidationError("update", msg)
        # PATCH sets values; repeating it leaves the same state.
        return await self._one(
            NumberOrder,
            "PATCH",
            f"/number_orders/{path_segment(order_id)}",
            json=body,
        )

    @operation("telnyx.number_orders.wait")
    async def wait(
        self,
        order_id: str,
        *,
        timeout: float = 600.0,
        poll_interval: float = 1.0,
        max_interval: float = 30.0,
    ) -> NumberOrder:
        """
        Poll an order until it leaves ``pending``.

        Regulated orders can stay pending for days: prefer the
        ``number_order.complete`` webhook for those and keep this for
        orders that complete in minutes.

        Args:
            order_id: The order's id.
            timeout: Seconds to keep polling.
            poll_interval: First pause between reads (grows 1.5×).
            max_interval: Longest pause between reads.

        Returns:
            The order in a final status.

        Raises:
            ValidationError: A bad id, or a timeout or interval that is
                not a finite, non-negative number of seconds.
            WaitTimeoutError: Still pending after *timeout*.
        """
        check_id("order_id", order_id)
        return await poll_until(
            lambda: self.get(order_id),
            lambda order: order.is_final,
            timeout=timeout,
            interval=poll_interval,
            max_interval=max_interval,
            what=f"number order {order_id}",
        )


class SubNumberOrders(Resource):
    """``/sub_number_orders``: one per (country, number type) of an order."""

    __slots__ = ()

    @operation("telnyx.sub_number_orders.list")
    async def list(
        self,
        *,
        order_request_id: str | None = None,
        status: NumberOrderStatus | str | None = None,
        country_code: str | None = None,
        phone_number_type: str | None = None,
        include_phone_numbers: bool | None = None,
    ) -> builtins.list[SubNumberOrder]:
        """
        Sub-orders matching the filters.

        Args:
            order_request_id: Only the sub-orders of this number order.
            status: Only sub-orders in this status.
            country_code: Only sub-orders for this ISO country.
            phone_number_type: Only sub-orders for this number type.
            include_phone_numbers: Include up to 50 numbers per sub-order.

        Returns:
            The sub-orders (with up to 50 numbers each when
            *include_phone_numbers*).

        Raises:
            ValidationError: A bad filter; nothing was sent.
        """
        if order_request_id is not None:
            check_id("order_request_id", order_request_id)
        if status is not None:
            status = check_choice("status", status, tuple(NumberOrderStatus))
        if country_code is not None:
            check_country("country_code", country_code)
        _optional_text("phone_number_type", phone_number_type)
        if include_phone_numbers is not None:
            check_bool("include_phone_numbers", include_phone_numbers)
        filters = deep_object(
            "filter",
            {
                "order_request_id": order_request_id,
                "status": status,
                "country_code": country_code,
                "phone_number_type": phone_number_type,
                "include_phone_numbers": include_phone_numbers,
            },
        )
        found = await self._one(
            tuple[SubNumberOrder, ...],
            "GET",
            "/sub_number_orders",
            query=filters,
        )
        return list(found)

    @operation("telnyx.sub_number_orders.get")
    async def get(
        self, sub_order_id: str, *, include_phone_numbers: bool | None = None
    ) -> SubNumberOrder:
        """
        One sub-order.

        Args:
            sub_order_id: The sub-order's id.
            include_phone_numbers: Include its numbers.

        Raises:
            ValidationError: A bad id; nothing was sent.
            NotFoundError: No such sub-order.
        """
        check_id("sub_order_id", sub_order_id)
        if include_phone_numbers is not None:
            check_bool("include_phone_numbers", include_phone_numbers)
        return await self._one(
            SubNumberOrder,
            "GET",
            f"/sub_number_orders/{path_segment(sub_order_id)}",
            query=deep_object(
                "filter", {"include_phone_numbers": include_phone_numbers}
            ),
        )

    @operation("telnyx.sub_number_orders.update")
    async def update(
        self,
        sub_order_id: str,
        *,
        regulatory_requirements: Sequence[Mapping[str, str]],
    ) -> SubNumberOrder:
        """
        Supply requirement values for a pending sub-order.

        Args:
            sub_order_id: The sub-order's id.
            regulatory_requirements: ``{"requirement_id", "field_value"}``
                items.

        Returns:
            The updated sub-order.

        Raises:
            ValidationError: A bad id or requirement item; nothing sent.
        """
        check_id("sub_order_id", sub_order_id)
        return await self._one(
            SubNumberOrder,
            "PATCH",
            f"/sub_number_orders/{path_segment(sub_order_id)}",
            json={
                "regulatory_requirements": _requirements(
                    regulatory_requirements
                )
            },
        )

    @operation("telnyx.sub_number_orders.cancel")
    async def cancel(self, sub_order_id: str) -> SubNumberOrder:
        """
        Cancel a pending sub-order.

        Args:
            sub_order_id: The sub-order's id.

        Returns:
            The cancelled sub-order.

        Raises:
            ValidationError: A bad id; nothing sent.
        """
        check_id("sub_order_id", sub_order_id)
        return await self._one(
            SubNumberOrder,
            "PATCH",
            f"/sub_number_orders/{path_segment(sub_order_id)}/cancel",
        )
