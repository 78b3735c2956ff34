"""``client.verification_groups``: the identities behind local numbers."""

from __future__ import annotations

import builtins

from ._core._pager import AsyncPager
from ._core._resource import Resource, data_of
from ._core._retry import poll_until
from ._core._sansio import path_segment
from ._core._telemetry import operation
from ._core._validation import (
    check_choice,
    check_e164,
    check_id,
    check_limit,
    check_text,
)
from ._models import (
    AvailableNumber,
    NumberType,
    OrderReceipt,
    VerificationGroup,
    VerificationGroupStatus,
    check_number_type,
)
from ._ordering import place_order
from .exceptions import ResponseDecodeError


__all__ = ["VerificationGroups"]


def _group_path(group_id: str, tail: str = "") -> str:
    check_id("group_id", group_id)
    return f"/v1/verification-groups/{path_segment(group_id)}{tail}"


class VerificationGroups(Resource):
    """Verification groups: create them, wait for approval, order through."""

    __slots__ = ()

    @operation("flireo.verification_groups.create")
    async def create(
        self,
        *,
        phone_number_type: NumberType | str,
        name: str,
        business_name: str,
        contact_person_first_name: str,
        contact_person_last_name: str,
        contact_person_phone: str,
        street_name: str,
        house_number: str,
        postal_code: str,
        city: str,
        province: str,
        description: str | None = None,
    ) -> str:
        """
        File a new verification group; it starts ``pending``.

        Args:
            phone_number_type: The kind of number it will cover.
            name: Your label for it.
            business_name: The official business name.
            contact_person_first_name: Contact's first name.
            contact_person_last_name: Contact's last name.
            contact_person_phone: Contact's phone number.
            street_name: Address street.
            house_number: Address house number.
            postal_code: Address postal code.
            city: Address city (becomes the group's locality).
            province: Address province.
            description: Optional free text.

        Returns:
            The new group's id.

        Raises:
            ValidationError: A required field is missing or empty, or the
                type is unknown; nothing was sent.
            APIError: The API refused.

        Example:
            ```python
            group_id = await client.verification_groups.create(
                phone_number_type="local", name="Amsterdam office", ...
            )
            group = await client.verification_groups.wait(group_id)
            ```
        """
        body: dict[str, str] = {
            "phone_number_type": check_number_type(
                "phone_number_type", phone_number_type
            ).value,
        }
        fields = {
            "name": name,
            "business_name": business_name,
            "contact_person_first_name": contact_person_first_name,
            "contact_person_last_name": contact_person_last_name,
            "contact_person_phone": contact_person_phone,
            "street_name": street_name,
            "house_number": house_number,
            "postal_code": postal_code,
            "city": city,
            "province": province,
        }
        for field, value in fields.items():
            body[field] = check_text(field, value)
        if description is not None:
            body["description"] = check_text("description", description)
        # Not repeatable: a lost answer to a create must not file twice.
        payload = await self._client._call(
            "POST", "/v1/verification-groups", json=body, repeatable=False
        )
        data = data_of(payload)
        group_id = (
            data.get("requirement_group_id")
            if isinstance(data, dict)
            else None
        )
        if not isinstance(group_id, str):
            msg = "the answer has no 'requirement_group_id'"
            raise ResponseDecodeError(msg, status=200)
        return group_id

    def list(
        self,
        *,
        status: VerificationGroupStatus | str | None = None,
        phone_number_type: NumberType | str | None = None,
        page_size: int = 20,
    ) -> AsyncPager[VerificationGroup]:
        """
        Verification groups, page by page.

        Args:
            status: Only groups in this status.
            phone_number_type: Only groups for this kind of number.
            page_size: Items per request, 1–100.

        Returns:
            An [`AsyncPager`][flireo_async.AsyncPager] of
            [`VerificationGroup`][flireo_async.VerificationGroup].

        Raises:
            ValidationError: A bad argument (raised here, at once).
        """
        query: dict[str, object] = {
            "limit": check_limit("page_size", page_size, 1, 100)
        }
        if status is not None:
            query["status"] = check_choice(
                "status", status, tuple(VerificationGroupStatus)
            ).value
        if phone_number_type is not None:
            query["phone_number_type"] = check_number_type(
                "phone_number_type", phone_number_type
            ).value

        return self._pages(
            VerificationGroup,
            "/v1/verification-groups",
            query,
            operation="flireo.verification_groups.list",
        )

    @operation("flireo.verification_groups.get")
    async def get(self, group_id: str) -> VerificationGroup:
        """
        Read one group, with its documents and numbers.

        Args:
            group_id: The group's id.

        Returns:
            The [`VerificationGroup`][flireo_async.VerificationGroup].

        Raises:
            ValidationError: *group_id* is not an id.
            NotFoundError: No such group.
        """
        return await self._one(VerificationGroup, "GET", _group_path(group_id))

    @operation("flireo.verification_groups.wait")
    async def wait(
        self,
        group_id: str,
        *,
        timeout: float = 3600.0,
        poll_interval: float = 0.5,
        max_interval: float = 30.0,
    ) -> VerificationGroup:
        """
        Poll a group until it is no longer ``pending``.

        Args:
            group_id: The group's id.
            timeout: Seconds to keep polling.
            poll_interval: First pause between reads (grows 1.5×).
            max_interval: Longest pause between reads.

        Returns:
            The group, ``approved``, ``rejected`` or ``deleted``.

        Raises:
            ValidationError: A bad id, or a timeout or interval that is
                not a finite, non-negative number of seconds.
            WaitTimeoutError: Still pending after *timeout*.
            NotFoundError: No such group.
        """
        _group_path(group_id)
        return await poll_until(
            lambda: self.get(group_id),
            lambda g: g.status != VerificationGroupStatus.PENDING,
            timeout=timeout,
            interval=poll_interval,
            max_interval=max_interval,
            what=f"verification group {group_id}",
        )

    @operation("flireo.verification_groups.search_numbers")
    async def search_numbers(
        self, group_id: str, *, query: str | None = None, limit: int = 20
    ) -> builtins.list[AvailableNumber]:
        """
        Find local numbers orderable through an approved group.

        Args:
            group_id: The approved group's id.
            query: A digit pattern to filter on.
            limit: How many to return, 1–50.

        Returns:
            Available local numbers in the group's locality.

        Raises:
            ValidationError: A bad argument; nothing was sent.
            InvalidStatusError: The group is not approved.
            NotFoundError: No such group.
        """
        path = _group_path(group_id, "/available-phone-numbers")
        if query is not None:
            check_text("query", query)
        check_limit("limit", limit, 1, 50)
        found = await self._one(
            tuple[AvailableNumber, ...],
            "GET",
            path,
            query={"query": query, "limit": limit},
        )
        return list(found)

    @operation("flireo.verification_groups.order_number")
    async def order_number(
        self, group_id: str, phone_number: str
    ) -> OrderReceipt:
        """
        Order a local number through an approved group, exactly once.

        Same exactly-once rules as ``client.phone_numbers.order``.

        Args:
            group_id: The approved group's id.
            phone_number: An E.164 number from `search_numbers()`.

        Returns:
            The [`OrderReceipt`][flireo_async.OrderReceipt], with
            ``verification_group`` set.

        Raises:
            ValidationError: A bad argument; nothing was sent.
            InvalidStatusError: The group is not approved.
            InsufficientCreditsError: Fewer than 10 credits left.
            OrderOutcomeUnknownError: See ``phone_numbers.order``.
        """
        path = _group_path(group_id, "/order-number")
        check_e164("phone_number", phone_number)
        return await place_order(
            self._client,
            path=path,
            body={"phone_number": phone_number},
            phone_number=phone_number,
            number_type=NumberType.LOCAL,
            verification_group_id=group_id,
        )
