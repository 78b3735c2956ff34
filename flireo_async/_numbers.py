"""``client.phone_numbers``: search, list and order numbers."""

from __future__ import annotations

import builtins

from ._core._converter import structure
from ._core._pager import AsyncPager, Page
from ._core._resource import Resource, page_of
from ._core._telemetry import operation
from ._core._validation import (
    check_limit,
    check_text,
)
from ._models import (
    AvailableNumber,
    NumberType,
    OrderReceipt,
    PhoneNumber,
    check_number_type,
)
from ._ordering import order_body, place_order
from .exceptions import ValidationError


__all__ = ["PhoneNumbers"]

_SEARCHABLE = (NumberType.NATIONAL, NumberType.MOBILE)


class PhoneNumbers(Resource):
    """The account's numbers and the inventory to order from."""

    __slots__ = ()

    @operation("flireo.phone_numbers.search")
    async def search(
        self,
        *,
        number_type: NumberType | str = NumberType.NATIONAL,
        query: str | None = None,
        limit: int = 20,
    ) -> builtins.list[AvailableNumber]:
        """
        Find numbers that can be ordered.

        Args:
            number_type: ``"national"`` or ``"mobile"``.  Local numbers are
                searched through an approved verification group
                (``client.verification_groups.search_numbers``).
            query: A digit pattern to filter on.
            limit: How many to return, 1–50.

        Returns:
            Available numbers.

        Raises:
            ValidationError: A bad argument; nothing was sent.
            APIError: The API refused.

        Example:
            ```python
            numbers = await client.phone_numbers.search(limit=5)
            print(numbers[0].phone_number)
            ```
        """
        if number_type == NumberType.LOCAL:
            msg = (
                "local numbers are searched through an approved "
                "verification group: use "
                "client.verification_groups.search_numbers(group_id)"
            )
            raise ValidationError("number_type", msg)
        kind = check_number_type("number_type", number_type, _SEARCHABLE)
        if query is not None:
            check_text("query", query)
        check_limit("limit", limit, 1, 50)
        found = await self._one(
            tuple[AvailableNumber, ...],
            "GET",
            "/v1/phone-numbers/available",
            query={"number_type": kind.value, "query": query, "limit": limit},
        )
        return list(found)

    def list(
        self, *, include_default: bool = False, page_size: int = 50
    ) -> AsyncPager[PhoneNumber]:
        """
        The account's numbers, page by page.

        Args:
            include_default: Also yield the platform's shared default
                numbers (first, marked ``shared=True``).
            page_size: Items per request, 1–100.

        Returns:
            An [`AsyncPager`][flireo_async.AsyncPager] of
            [`PhoneNumber`][flireo_async.PhoneNumber].

        Raises:
            ValidationError: A bad argument (raised here, at once).

        Example:
            ```python
            async for number in client.phone_numbers.list():
                print(number.phone_number, number.linked_assistant)
            ```
        """
        if not isinstance(include_default, bool):
            msg = f"expected True or False, got {include_default!r}"
            raise ValidationError("include_default", msg)
        check_limit("page_size", page_size, 1, 100)

        @operation("flireo.phone_numbers.list")
        async def fetch(
            offset: int,
        ) -> tuple[Page[PhoneNumber], tuple[PhoneNumber, ...]]:
            payload = await self._get(
                "/v1/phone-numbers",
                {
                    "include_default": include_default,
                    "limit": page_size,
                    "offset": offset,
                },
            )
            page = page_of(payload, PhoneNumber)
            shared: tuple[PhoneNumber, ...] = ()
            if include_default:
                shared = tuple(
                    PhoneNumber(
                        id=n.id,
                        phone_number=n.phone_number,
                        locality=n.locality,
                        number_type=n.number_type,
                        shared=True,
                    )
                    for n in structure(
                        payload.get("shared_numbers") or [],
                        tuple[PhoneNumber, ...],
                    )
                )
            return page, shared

        return AsyncPager(fetch)

    @operation("flireo.phone_numbers.order")
    async def order(
        self,
        phone_number: str,
        *,
        number_type: NumberType | str = NumberType.NATIONAL,
        verification_group_id: str | None = None,
    ) -> OrderReceipt:
        """
        Order one number, exactly once.

        The POST is never retried blindly: after an ambiguous failure (a
        timeout or dropped connection after sending, a 5xx) the client
        looks the number up in the order list and returns that order with
        ``reconciled=True``; it sends again only when the order is
        certainly absent.

        Args:
            phone_number: An E.164 number from a search.
            number_type: ``"national"``, ``"mobile"`` or ``"local"``.
            verification_group_id: Required for local numbers.

        Returns:
            The [`OrderReceipt`][flireo_async.OrderReceipt] (poll it with
            ``client.orders.wait``).

        Raises:
            ValidationError: A bad argument; nothing was sent.
            InsufficientCreditsError: Fewer than 10 credits left.
            AlreadyInUseError: The number is taken.
            OrderOutcomeUnknownError: The order may have gone through and
                the order list could not tell.
            APIError: Any other refusal.

        Example:
            ```python
            receipt = await client.phone_numbers.order("+31851234567")
            order = await client.orders.wait(receipt.order_id)
            ```
        """
        body, kind = order_body(
            phone_number, number_type, verification_group_id
        )
        return await place_order(
            self._client,
            path="/v1/phone-numbers",
            body=body,
            phone_number=phone_number,
            number_type=kind,
            verification_group_id=verification_group_id,
        )
