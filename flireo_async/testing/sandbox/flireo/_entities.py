"""
The sandbox's records and how each renders to the documented JSON.

They are plain slotted classes (no attrs) because a load test may create
100,000 orders: every byte per record counts, and rendering is on the hot
path.
"""

from __future__ import annotations

from typing import Any

from ._wire import dumps


PENDING = "pending"
SUCCESS = "success"
FAILED = "failed"
APPROVED = "approved"
REJECTED = "rejected"


class Assistant:
    """An assistant a phone number can be linked to (spec §4.12)."""

    __slots__ = ("id", "name", "number")

    def __init__(self, ident: str, name: str) -> None:
        self.id = ident
        self.name = name
        self.number: OwnedNumber | None = None

    def view(self) -> dict[str, Any]:
        """Render ``GET /v1/assistants/{id}/phone-number``'s ``data``."""
        number = self.number
        return {
            "assistant_id": self.id,
            "assistant_name": self.name,
            "phone_number": None if number is None else number.link_view(),
        }


class OwnedNumber:
    """
    A number of the account, or one of the shared default numbers.

    A number becomes owned when its order succeeds.
    """

    __slots__ = (
        "assistant",
        "created_at",
        "group",
        "id",
        "locality",
        "number_type",
        "phone_number",
        "shared",
    )

    def __init__(
        self,
        ident: str,
        phone_number: str,
        number_type: str,
        locality: str | None,
        created_at: str,
        group: Group | None = None,
        *,
        shared: bool = False,
    ) -> None:
        self.id = ident
        self.phone_number = phone_number
        self.number_type = number_type
        self.locality = locality
        self.created_at = created_at
        self.group = group
        self.shared = shared
        self.assistant: Assistant | None = None

    def item(self) -> dict[str, Any]:
        """Render one ``GET /v1/phone-numbers`` ``data`` item."""
        assistant = self.assistant
        return {
            "id": self.id,
            "phone_number": self.phone_number,
            "locality": self.locality,
            "number_type": self.number_type,
            "available": assistant is None,
            "created_at": self.created_at,
            "linked_assistant": (
                None
                if assistant is None
                else {"id": assistant.id, "name": assistant.name}
            ),
        }

    def shared_item(self) -> dict[str, Any]:
        """Render one ``shared_numbers`` item."""
        return {
            "id": self.id,
            "phone_number": self.phone_number,
            "locality": self.locality,
            "number_type": self.number_type,
        }

    def link_view(self, *, origin: bool = True) -> dict[str, Any]:
        """
        Render the number the way the linking endpoints do.

        Args:
            origin: Include ``origin`` (``"custom"`` for owned numbers,
                ``"default"`` for shared ones); only the GET shows it.

        Returns:
            ``{id, number, type, locality[, origin]}``.
        """
        view: dict[str, Any] = {
            "id": self.id,
            "number": self.phone_number,
            "type": self.number_type,
            "locality": self.locality,
        }
        if origin:
            view["origin"] = "default" if self.shared else "custom"
        return view


class Group:
    """A verification group (spec §4.8–4.10)."""

    __slots__ = (
        "business_name",
        "created_at",
        "description",
        "due",
        "id",
        "locality",
        "name",
        "numbers",
        "outcome",
        "phone_number_type",
        "status",
    )

    def __init__(
        self,
        *,
        ident: str,
        fields: dict[str, str],
        locality: str,
        created_at: str,
        due: float,
        outcome: str,
    ) -> None:
        self.id = ident
        self.name = fields["name"]
        self.phone_number_type = fields["phone_number_type"]
        self.business_name = fields["business_name"]
        self.description = fields.get("description")
        self.locality = locality
        self.created_at = created_at
        self.due = due
        self.outcome = outcome
        self.status = PENDING
        self.numbers: list[OwnedNumber] = []

    def item(self) -> dict[str, Any]:
        """Render one ``GET /v1/verification-groups`` item."""
        return {
            "id": self.id,
            "name": self.name,
            "phone_number_type": self.phone_number_type,
            "status": self.status,
            "locality": self.locality,
            "business_name": self.business_name,
            "created_at": self.created_at,
        }

    def detail(self) -> dict[str, Any]:
        """Render ``GET /v1/verification-groups/{id}``'s ``data``."""
        detail = self.item()
        detail["documents"] = [
            {
                "id": "doc_" + self.id.replace("-", "")[:12],
                "type": "proof_of_address",
                # The document is reviewed together with its group.
                "status": self.status,
            }
        ]
        detail["phone_numbers"] = [
            {"id": n.id, "phone_number": n.phone_number, "status": "active"}
            for n in self.numbers
        ]
        return detail


class Order:
    """
    One phone-number order.

    ``previous`` chains the earlier orders of the same number (an order may
    be placed again after one failed) so that no per-number list is needed.
    """

    __slots__ = (
        "cache",
        "cache_tag",
        "due",
        "group",
        "id",
        "number_type",
        "ordered_at",
        "outcome",
        "phone_number",
        "previous",
        "status",
    )

    def __init__(
        self,
        *,
        ident: str,
        phone_number: str,
        number_type: str,
        group: Group | None,
        ordered_at: str,
        due: float,
        outcome: str,
        previous: Order | None,
    ) -> None:
        self.id = ident
        self.phone_number = phone_number
        self.number_type = number_type
        self.group = group
        self.ordered_at = ordered_at
        self.due = due
        self.outcome = outcome
        self.previous = previous
        self.status = PENDING
        self.cache: bytes | None = None
        self.cache_tag: str | None = None

    def item(self) -> dict[str, Any]:
        """Render one ``GET /v1/phone-number-orders`` item."""
        group = self.group
        return {
            "id": self.id,
            "phone_number": self.phone_number,
            "status": self.status,
            "number_type": self.number_type,
            # Inferred meaning: the order met its regulatory requirements.
            "requirements_met": self.status != FAILED,
            "ordered_at": self.ordered_at,
            "verification_group": (
                None
                if group is None
                else {
                    "id": group.id,
                    "name": group.name,
                    "locality": group.locality,
                }
            ),
        }

    def detail(self) -> dict[str, Any]:
        """Render ``GET /v1/phone-number-orders/{id}``'s ``data``."""
        detail = self.item()
        tail = self.id.replace("-", "")
        # Re-inserted last to keep the documented key order.
        del detail["verification_group"]
        detail["external_order_id"] = "telnyx_order_" + tail[:12]
        detail["external_sub_order_id"] = "telnyx_sub_" + tail[12:24]
        group = self.group
        detail["verification_group"] = (
            None
            if group is None
            else {
                "id": group.id,
                "name": group.name,
                "status": group.status,
                "locality": group.locality,
                "phone_number_type": group.phone_number_type,
            }
        )
        return detail

    def detail_body(self) -> bytes:
        """
        Return the encoded ``{"data": detail}`` answer.

        Once an order is settled its body only changes if its group's status
        is changed by hand, so the bytes are kept and reused: polling an
        order is the hottest path of every client.
        """
        if self.status == PENDING:
            return dumps({"data": self.detail()})
        tag = None if self.group is None else self.group.status
        if self.cache is None or tag != self.cache_tag:
            self.cache = dumps({"data": self.detail()})
            self.cache_tag = tag
        return self.cache
