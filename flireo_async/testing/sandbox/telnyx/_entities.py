"""
The Telnyx mode's records and how each renders to the documented JSON.

Plain slotted classes, like the Flireo mode's: a load test may create
many orders, and rendering is on the hot path.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from ._inventory import PoolSpec
from ._wire import REQUIREMENT_STATUSES, timestamp


PENDING = "pending"
SUCCESS = "success"
FAILURE = "failure"
CANCELLED = "cancelled"
#: Statuses that put a number back on sale.
RELEASED = frozenset({FAILURE, CANCELLED, "deleted"})

#: How long a number waits for its requirement values (the docs: orders
#: are cancelled when values are not in by the deadline).
DEADLINE = timedelta(days=30)

#: Sub-orders embed at most this many numbers (``include_phone_numbers``).
EMBEDDED_NUMBERS = 50


class Requirement(NamedTuple):
    """A regulatory requirement of one (country, number type)."""

    id: str
    field_type: str
    name: str


#: Requirements for ordering; every other (country, type) has none.  A
#: Dutch local number needs an address in its area.
REQUIREMENTS: dict[tuple[str, str], tuple[Requirement, ...]] = {
    ("NL", "local"): (
        Requirement(
            "4c5f1c8e-2b7a-4f0e-9a3d-7f1e2a9b6c01",
            "address",
            "Address in the number's area",
        ),
    ),
}


def requirements_of(country: str, number_type: str) -> tuple[Requirement, ...]:
    """The requirements of ordering a number of this country and type."""
    return REQUIREMENTS.get((country, number_type), ())


class NumberRecord:
    """One number of an order."""

    __slots__ = (
        "bundle_id",
        "group_id",
        "id",
        "order",
        "phone_number",
        "resource_id",
        "spec",
        "status",
        "sub",
        "values",
    )

    def __init__(
        self,
        ident: str,
        phone_number: str,
        spec: PoolSpec,
        order: OrderRecord,
        bundle_id: str | None,
        group_id: str | None,
        values: dict[str, str],
        resource_id: str,
    ) -> None:
        self.id = ident
        #: The id of the account's number (``/v2/phone_numbers/{id}``).
        self.resource_id = resource_id
        self.phone_number = phone_number
        self.spec = spec
        self.order = order
        self.sub: SubOrderRecord | None = None
        self.bundle_id = bundle_id
        self.group_id = group_id
        self.values = values
        self.status = PENDING

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """What this number needs."""
        return requirements_of(self.spec.country, self.spec.number_type)

    @property
    def requirements_met(self) -> bool:
        """Whether every requirement has a value."""
        return all(r.id in self.values for r in self.requirements)

    @property
    def owned(self) -> bool:
        """Whether the number is the account's (``/v2/phone_numbers``):
        its order did not fail or end.  (A number is ordered again only
        once released, so at most one record of it is owned.)"""
        return self.status not in RELEASED

    def brief(self) -> dict[str, Any]:
        """The list form: ``{id, phone_number}`` only."""
        return {"id": self.id, "phone_number": self.phone_number}

    @property
    def account_status(self) -> str:
        """The status of the account's number: ``active`` once ordered,
        before that ``requirement-info-pending`` while a requirement
        lacks a value, else ``purchase-pending``."""
        if self.status == SUCCESS:
            return "active"
        if self.requirements_met:
            return "purchase-pending"
        return "requirement-info-pending"

    def account(self) -> dict[str, Any]:
        """The account's ``phone_number`` record (``/v2/phone_numbers``)."""
        order, sub = self.order, self.sub
        return {
            "id": self.resource_id,
            "record_type": "phone_number",
            "phone_number": self.phone_number,
            "status": self.account_status,
            "tags": [],
            "country_iso_alpha2": self.spec.country,
            "phone_number_type": self.spec.number_type,
            "source_type": "number_order",
            "connection_id": order.connection_id,
            "connection_name": None,
            "messaging_profile_id": order.messaging_profile_id,
            "messaging_profile_name": None,
            "billing_group_id": order.billing_group_id,
            "customer_reference": order.customer_reference,
            "external_pin": None,
            "emergency_enabled": False,
            "emergency_address_id": None,
            "emergency_status": "disabled",
            "call_forwarding_enabled": True,
            "call_recording_enabled": False,
            "caller_id_name_enabled": False,
            "cnam_listing_enabled": False,
            "t38_fax_gateway_enabled": False,
            "hd_voice_enabled": False,
            "inbound_call_screening": "disabled",
            "deletion_lock_enabled": False,
            "purchased_at": order.created_at,
            "created_at": order.created_at,
            "updated_at": order.updated_at if sub is None else sub.updated_at,
            "activated_at": sub.updated_at
            if sub is not None and self.status == SUCCESS
            else None,
        }

    def detail(self) -> dict[str, Any]:
        """The full ``number_order_phone_number`` record."""
        met = self.requirements_met
        sub = self.sub
        return {
            "id": self.id,
            "record_type": "number_order_phone_number",
            "phone_number": self.phone_number,
            "order_request_id": self.order.id,
            "sub_number_order_id": None if sub is None else sub.id,
            "country_code": self.spec.country,
            "country_iso_alpha2": self.spec.country,
            "phone_number_type": self.spec.number_type,
            "locality": self.spec.locality,
            "bundle_id": self.bundle_id,
            "requirement_group_id": self.group_id,
            "is_block_number": False,
            "deadline": None
            if met or self.status != PENDING
            else timestamp(self.order.created + DEADLINE),
            "regulatory_requirements": [
                {
                    "requirement_id": r.id,
                    "field_type": r.field_type,
                    "field_value": self.values.get(r.id),
                    "status": "approved"
                    if r.id in self.values
                    else "awaiting-value",
                    "record_type": "phone_number_regulatory_requirement",
                }
                for r in self.requirements
            ],
            "requirements_met": met,
            "requirements_status": "approved"
            if met
            else "requirement-info-pending",
            "status": self.status,
        }


class SubOrderRecord:
    """The part of an order for one (country, number type)."""

    __slots__ = (
        "country",
        "due",
        "id",
        "number_type",
        "numbers",
        "order",
        "outcome",
        "status",
        "updated_at",
    )

    def __init__(
        self,
        ident: str,
        order: OrderRecord,
        country: str,
        number_type: str,
        outcome: str,
    ) -> None:
        self.id = ident
        self.order = order
        self.country = country
        self.number_type = number_type
        self.numbers: list[NumberRecord] = []
        self.outcome = outcome
        self.status = PENDING
        self.due: float | None = None
        self.updated_at = order.created_at

    @property
    def requirements_met(self) -> bool:
        """Whether every number has every requirement value."""
        return all(n.requirements_met for n in self.numbers)

    def detail(self, *, include_numbers: bool = False) -> dict[str, Any]:
        """The ``sub_number_order`` record."""
        order = self.order
        body: dict[str, Any] = {
            "id": self.id,
            "record_type": "sub_number_order",
            "order_request_id": order.id,
            "country_code": self.country,
            "phone_number_type": self.number_type,
            "phone_numbers_count": len(self.numbers),
            "is_block_sub_number_order": False,
            "regulatory_requirements": [
                {
                    "requirement_id": r.id,
                    "field_type": r.field_type,
                    "record_type": "sub_number_order_regulatory_requirement",
                }
                for r in requirements_of(self.country, self.number_type)
            ],
            "requirements_met": self.requirements_met,
            "status": self.status,
            "customer_reference": order.customer_reference,
            "user_id": order.user_id,
            "created_at": order.created_at,
            "updated_at": self.updated_at,
        }
        if include_numbers:
            body["phone_numbers"] = [
                n.detail() for n in self.numbers[:EMBEDDED_NUMBERS]
            ]
        return body


class OrderRecord:
    """A number order: its numbers, split into sub-orders."""

    __slots__ = (
        "billing_group_id",
        "connection_id",
        "created",
        "created_at",
        "customer_reference",
        "id",
        "messaging_profile_id",
        "numbers",
        "seq",
        "status",
        "subs",
        "updated_at",
        "user_id",
    )

    def __init__(
        self,
        ident: str,
        seq: int,
        created: datetime,
        fields: dict[str, str | None],
        user_id: str,
    ) -> None:
        self.id = ident
        self.seq = seq
        self.created = created
        self.created_at = self.updated_at = timestamp(created)
        self.customer_reference = fields.get("customer_reference")
        self.connection_id = fields.get("connection_id")
        self.messaging_profile_id = fields.get("messaging_profile_id")
        self.billing_group_id = fields.get("billing_group_id")
        self.user_id = user_id
        self.numbers: list[NumberRecord] = []
        self.subs: list[SubOrderRecord] = []
        self.status = PENDING

    @property
    def requirements_met(self) -> bool:
        """Whether every number has every requirement value."""
        return all(n.requirements_met for n in self.numbers)

    def _common(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "record_type": "number_order",
            "phone_numbers_count": len(self.numbers),
            "connection_id": self.connection_id,
            "messaging_profile_id": self.messaging_profile_id,
            "billing_group_id": self.billing_group_id,
            "sub_number_orders_ids": [s.id for s in self.subs],
            "status": self.status,
            "customer_reference": self.customer_reference,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "requirements_met": self.requirements_met,
        }

    def detail(self) -> dict[str, Any]:
        """``NumberOrderWithPhoneNumbers``: with the per-number objects."""
        body = self._common()
        body["phone_numbers"] = [n.detail() for n in self.numbers]
        return body

    def item(self) -> dict[str, Any]:
        """The list form: numbers carry only ``{id, phone_number}``."""
        body = self._common()
        body["phone_numbers"] = [n.brief() for n in self.numbers]
        return body


class GroupRecord:
    """A requirement group (rendered bare, without ``data``)."""

    __slots__ = (
        "action",
        "country_code",
        "created_at",
        "customer_reference",
        "due",
        "id",
        "phone_number_type",
        "status",
        "updated_at",
        "values",
    )

    def __init__(
        self,
        ident: str,
        fields: dict[str, str | None],
        values: dict[str, str],
        created_at: str,
    ) -> None:
        self.id = ident
        self.country_code = str(fields["country_code"])
        self.phone_number_type = str(fields["phone_number_type"])
        self.action = str(fields["action"])
        self.customer_reference = fields.get("customer_reference")
        self.values = values
        self.status = "unapproved"
        self.created_at = self.updated_at = created_at
        self.due: float | None = None

    def render(self) -> dict[str, Any]:
        """The bare ``requirement_group`` object."""
        # A group's requirements are reviewed with it, so each has the
        # group's status; a group no longer eligible (or given an unknown
        # status by hand) shows them unapproved.
        status = (
            self.status
            if self.status in REQUIREMENT_STATUSES
            else "unapproved"
        )
        return {
            "id": self.id,
            "record_type": "requirement_group",
            "country_code": self.country_code,
            "phone_number_type": self.phone_number_type,
            "action": self.action,
            "status": self.status,
            "customer_reference": self.customer_reference,
            "regulatory_requirements": [
                {
                    "requirement_id": r.id,
                    "field_type": r.field_type,
                    "field_value": self.values.get(r.id),
                    "status": status,
                    "expires_at": None,
                    "created_at": self.created_at,
                    "updated_at": self.updated_at,
                }
                for r in requirements_of(
                    self.country_code, self.phone_number_type
                )
            ],
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
