"""``client.assistants``: which number an assistant answers on."""

from __future__ import annotations

from ._core._resource import Resource
from ._core._sansio import path_segment
from ._core._telemetry import operation
from ._core._validation import check_id
from ._models import AssistantPhoneNumber, LinkResult, UnlinkResult


__all__ = ["Assistants"]


def _path(assistant_id: str) -> str:
    check_id("assistant_id", assistant_id)
    return f"/v1/assistants/{path_segment(assistant_id)}/phone-number"


class Assistants(Resource):
    """Linking numbers to assistants (one number per assistant)."""

    __slots__ = ()

    @operation("flireo.assistants.get_phone_number")
    async def get_phone_number(
        self, assistant_id: str
    ) -> AssistantPhoneNumber:
        """
        The number an assistant answers on.

        Args:
            assistant_id: The assistant.

        Returns:
            [`AssistantPhoneNumber`][flireo_async.AssistantPhoneNumber]; its
            ``phone_number`` is ``None``
            when nothing is linked.

        Raises:
            ValidationError: *assistant_id* is not an id.
            NotFoundError: No such assistant.
        """
        return await self._one(
            AssistantPhoneNumber, "GET", _path(assistant_id)
        )

    @operation("flireo.assistants.link_phone_number")
    async def link_phone_number(
        self, assistant_id: str, phone_number_id: str
    ) -> LinkResult:
        """
        Link a number to an assistant, replacing any number it had.

        Only attempts that certainly never reached the server are
        retried: a repeated link would answer ``already_linked`` and hide
        that the first one worked.

        Args:
            assistant_id: The assistant.
            phone_number_id: ``PhoneNumber.id`` from ``phone_numbers.list``.

        Returns:
            [`LinkResult`][flireo_async.LinkResult].

        Raises:
            ValidationError: A bad id; nothing was sent.
            AlreadyLinkedError: It is already this assistant's number.
            AlreadyInUseError: Another assistant uses the number.
            NotFoundError: No such assistant or number.
        """
        path = _path(assistant_id)
        check_id("phone_number_id", phone_number_id)
        return await self._one(
            LinkResult,
            "POST",
            path,
            json={"phone_number_id": phone_number_id},
            repeatable=False,
        )

    @operation("flireo.assistants.unlink_phone_number")
    async def unlink_phone_number(self, assistant_id: str) -> UnlinkResult:
        """
        Unlink an assistant's number.

        Args:
            assistant_id: The assistant.

        Returns:
            [`UnlinkResult`][flireo_async.UnlinkResult].

        Raises:
            ValidationError: *assistant_id* is not an id.
            NoPhoneNumberError: The assistant has no number.
            NotFoundError: No such assistant.
        """
        return await self._one(
            UnlinkResult, "DELETE", _path(assistant_id), repeatable=False
        )
