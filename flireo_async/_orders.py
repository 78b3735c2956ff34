"""``client.orders``: list, read and wait for number orders."""

from __future__ import annotations

from ._core._converter import structure
from ._core._pager import AsyncPager
from ._core._resource import Resource, data_of
from ._core._retry import poll_until
from ._core._sansio import path_segment
from ._core._telemetry import operation
from ._core._validation import (
    check_choice,
    check_id,
    check_limit,
)
from ._models import NumberType, Order, OrderStatus, check_number_type


__all__ = ["Orders"]


class Orders(Resource):
    """Number orders placed by the account."""

    __slots__ = ()

    def list(
        self,
        *,
        status: OrderStatus | str | None = None,
        verification_group_id: str | None = None,
        number_type: NumberType | str | None = None,
        page_size: int = 20,
    ) -> AsyncPager[Order]:
        """
        Orders, newest first, page by page.

        Args:
            status: Only ``pending``, ``success`` or ``failed`` ones.
            verification_group_id: Only those through this group.
            number_type: Only this kind of number.
            page_size: Items per request, 1–100.

        Returns:
            An [`AsyncPager`][flireo_async.AsyncPager] of
            [`Order`][flireo_async.Order].

        Raises:
            ValidationError: A bad argument (raised here, at once).

        Example:
            ```python
            async for order in client.orders.list(status="pending"):
                print(order.phone_number, order.status)
            ```
        """
        query: dict[str, object] = {
            "limit": check_limit("page_size", page_size, 1, 100)
        }
        if status is not None:
            query["status"] = check_choice(
                "status", status, tuple(OrderStatus)
            ).value
        if verification_group_id is not None:
            query["verification_group_id"] = check_id(
                "verification_group_id", verification_group_id
            )
        if number_type is not None:
            query["number_type"] = check_number_type(
                "number_type", number_type
            ).value

        return self._pages(
            Order,
            "/v1/phone-number-orders",
            query,
            operation="flireo.orders.list",
        )

    @operation("flireo.orders.get")
    async def get(self, order_id: str) -> Order:
        """
        Read one order.

        Args:
            order_id: The order's id (``OrderReceipt.order_id``).

        Returns:
            The [`Order`][flireo_async.Order], with carrier ids and group
            details.

        Raises:
            ValidationError: *order_id* is not an id.
            NotFoundError: No such order.

        Example:
            ```python
            order = await client.orders.get(receipt.order_id)
            ```
        """
        check_id("order_id", order_id)
        payload = await self._get(
            f"/v1/phone-number-orders/{path_segment(order_id)}"
        )
        return structure(data_of(payload), Order)

    @operation("flireo.orders.wait")
    async def wait(
        self,
        order_id: str,
        *,
        timeout: float = 600.0,
        poll_interval: float = 0.5,
        max_interval: float = 10.0,
    ) -> Order:
        """
        Poll an order until it succeeds or fails.

        Pauses between reads grow from *poll_interval* by 1.5× up to
        *max_interval*; each read is retried like any GET.

        Args:
            order_id: The order's id.
            timeout: Seconds to keep polling.
            poll_interval: First pause between reads.
            max_interval: Longest pause between reads.

        Returns:
            The order in a final status (``success`` or ``failed``: check
            ``order.status``).

        Raises:
            ValidationError: A bad id, or a timeout or interval that is
                not a finite, non-negative number of seconds.
            WaitTimeoutError: Still pending after *timeout* (``.last``
                holds the last reading).
            NotFoundError: No such order.

        Example:
            ```python
            order = await client.orders.wait(receipt.order_id, timeout=60)
            assert order.status == "success"
            ```
        """
        check_id("order_id", order_id)
        return await poll_until(
            lambda: self.get(order_id),
            lambda order: order.is_final,
            timeout=timeout,
            interval=poll_interval,
            max_interval=max_interval,
            what=f"order {order_id}",
        )
