"""Telnyx number-ordering values, as frozen attrs classes."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs

from .._core._converter import NOT_ON_WIRE


__all__ = [
    "AvailablePhoneNumber",
    "CostInformation",
    "Feature",
    "NumberOrder",
    "NumberOrderEvent",
    "NumberOrderPhoneNumber",
    "NumberOrderStatus",
    "PhoneNumberType",
    "RegionInformation",
    "RegulatoryRequirement",
    "RequirementGroup",
    "RequirementGroupStatus",
    "SubNumberOrder",
]


class NumberOrderStatus(enum.StrEnum):
    """Order, sub-order and per-number statuses (open: more may come)."""

    PENDING = "pending"
    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"
    DELETED = "deleted"


class RequirementGroupStatus(enum.StrEnum):
    """Requirement-group review states."""

    UNAPPROVED = "unapproved"
    PENDING_APPROVAL = "pending-approval"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"
    NO_LONGER_ELIGIBLE = "no-longer-eligible"


class PhoneNumberType(enum.StrEnum):
    """Telnyx number types."""

    LOCAL = "local"
    TOLL_FREE = "toll_free"
    MOBILE = "mobile"
    NATIONAL = "national"
    SHARED_COST = "shared_cost"
    LANDLINE = "landline"


@attrs.frozen(kw_only=True)
class RegionInformation:
    """Where a number is (``region_type`` such as ``country_code``)."""

    region_type: str
    region_name: str | None = None


@attrs.frozen(kw_only=True)
class CostInformation:
    """What a number costs; prices differ per number."""

    upfront_cost: Decimal | None = None
    monthly_cost: Decimal | None = None
    currency: str | None = None


@attrs.frozen(kw_only=True)
class Feature:
    """A number capability (``sms``, ``voice`` …)."""

    name: str


@attrs.frozen(kw_only=True)
class AvailablePhoneNumber:
    """A number a recent search offered (only those can be ordered)."""

    phone_number: str
    record_type: str | None = None
    vanity_format: str | None = None
    best_effort: bool = False
    quickship: bool | None = None
    reservable: bool | None = None
    region_information: tuple[RegionInformation, ...] = ()
    cost_information: CostInformation | None = None
    features: tuple[Feature, ...] = ()


@attrs.frozen(kw_only=True)
class RegulatoryRequirement:
    """One requirement value on an ordered number or a group."""

    requirement_id: str
    field_type: str | None = None
    field_value: str | None = None
    status: str | None = None
    expires_at: datetime | None = None


@attrs.frozen(kw_only=True)
class NumberOrderPhoneNumber:
    """
    One number of an order; lists carry only ``id`` and ``phone_number``.

    Attributes:
        status: Per-number status: read it, an order can mix outcomes.
        requirements_status: ``requirement-info-pending``, ``approved`` …
        deadline: When requirements must be in or the order is cancelled.
    """

    phone_number: str
    id: str | None = None
    record_type: str | None = None
    bundle_id: str | None = None
    country_code: str | None = None
    phone_number_type: PhoneNumberType | str | None = None
    locality: str | None = None
    regulatory_requirements: tuple[RegulatoryRequirement, ...] = ()
    requirements_met: bool | None = None
    requirements_status: str | None = None
    status: NumberOrderStatus | str | None = None
    deadline: datetime | None = None


@attrs.frozen(kw_only=True)
class NumberOrder:
    """
    A Telnyx number order.

    Attributes:
        id: The order id.
        status: ``pending`` until every sub-order settles.
        phone_numbers: Its numbers (only id and number in lists).
        customer_reference: The reference it was created with; the SDK
            always sets one, to find the order after a lost answer.
        reconciled: Set by the SDK (not the API) when ``create`` found the
            order by its reference instead of receiving the answer.
    """

    id: str
    status: NumberOrderStatus | str
    record_type: str | None = None
    phone_numbers_count: int | None = None
    connection_id: str | None = None
    messaging_profile_id: str | None = None
    billing_group_id: str | None = None
    phone_numbers: tuple[NumberOrderPhoneNumber, ...] = ()
    sub_number_orders_ids: tuple[str, ...] = ()
    customer_reference: str | None = None
    requirements_met: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    reconciled: bool = attrs.field(default=False, metadata={NOT_ON_WIRE: True})

    @property
    def is_final(self) -> bool:
        """Whether the order has left ``pending``."""
        return self.status != NumberOrderStatus.PENDING


@attrs.frozen(kw_only=True)
class SubNumberOrder:
    """The part of an order for one (country, number type)."""

    id: str
    status: NumberOrderStatus | str
    order_request_id: str | None = None
    country_code: str | None = None
    phone_number_type: PhoneNumberType | str | None = None
    phone_numbers_count: int | None = None
    is_block_sub_number_order: bool | None = None
    regulatory_requirements: tuple[RegulatoryRequirement, ...] = ()
    requirements_met: bool | None = None
    customer_reference: str | None = None
    phone_numbers: tuple[NumberOrderPhoneNumber, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class RequirementGroup:
    """A reusable set of requirement values for one country and type."""

    id: str
    status: RequirementGroupStatus | str
    country_code: str | None = None
    phone_number_type: PhoneNumberType | str | None = None
    action: str | None = None
    customer_reference: str | None = None
    regulatory_requirements: tuple[RegulatoryRequirement, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class NumberOrderEvent:
    """
    A ``number_order.complete`` webhook.

    Attributes:
        id: The event id: deliveries repeat, deduplicate on it.
        event_type: ``"number_order.complete"``.
        occurred_at: When it happened (deliveries arrive out of order).
        payload: The order as it completed.
        attempt: Delivery attempt number.
    """

    id: str
    event_type: str
    occurred_at: datetime | None
    payload: NumberOrder
    record_type: str | None = None
    attempt: int | None = None
