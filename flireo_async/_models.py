"""
The values the API returns, as frozen attrs classes.

Models hold no I/O and no wire knowledge; the one converter in
``_converter`` maps JSON onto them.  Enum-typed fields are declared
``Enum | str``: a value the server sends that the enum does not know yet
stays a plain string instead of breaking the caller.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import attrs

from ._core._converter import NOT_ON_WIRE
from ._core._validation import check_choice


__all__ = [
    "AssistantPhoneNumber",
    "AvailableNumber",
    "Cost",
    "Document",
    "GroupPhoneNumber",
    "LinkResult",
    "LinkedAssistant",
    "LinkedNumber",
    "NumberType",
    "Order",
    "OrderReceipt",
    "OrderStatus",
    "PhoneNumber",
    "UnlinkResult",
    "VerificationGroup",
    "VerificationGroupRef",
    "VerificationGroupStatus",
]


class NumberType(enum.StrEnum):
    """Kinds of Dutch numbers; compares equal to the wire string."""

    LOCAL = "local"
    MOBILE = "mobile"
    NATIONAL = "national"


def check_number_type(
    field: str,
    value: object,
    allowed: Iterable[NumberType] = tuple(NumberType),
) -> NumberType:
    """
    Return *value* as a [`NumberType`][flireo_async.NumberType] if allowed
    here.

    Raises:
        ValidationError: *value* is not one of *allowed*.
    """
    return check_choice(field, value, tuple(allowed))


class OrderStatus(enum.StrEnum):
    """Where an order stands; ``SUCCESS`` and ``FAILED`` are final."""

    PENDING = "pending"
    SUCCESS = "success"
    FAILED = "failed"


class VerificationGroupStatus(enum.StrEnum):
    """Review state of a verification group."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    DELETED = "deleted"


@attrs.frozen(kw_only=True)
class Cost:
    """
    What a number costs.

    Attributes:
        monthly: Monthly fee (``Decimal("2.00")``).
        currency: ISO currency of ``monthly`` (``"EUR"``).
        credits: Credits one order of it charges (10).
    """

    monthly: Decimal
    currency: str
    credits: int


@attrs.frozen(kw_only=True)
class AvailableNumber:
    """
    A number that can be ordered.

    Attributes:
        phone_number: E.164 number.
        number_type: Its kind.
        locality: City of a local number; ``None`` otherwise.
        features: Capabilities such as ``"voice"``, ``"sms"``.
        cost: Price.
        reservable: Whether it can be ordered now.
    """

    phone_number: str
    number_type: NumberType | str
    locality: str | None = None
    features: tuple[str, ...] = ()
    cost: Cost | None = None
    reservable: bool = True


@attrs.frozen(kw_only=True)
class LinkedAssistant:
    """The assistant a number is linked to."""

    id: str
    name: str | None = None


@attrs.frozen(kw_only=True)
class PhoneNumber:
    """
    A number on the account (or a shared default number).

    Attributes:
        id: Opaque id, used to link the number to an assistant.
        phone_number: E.164 number.
        locality: City of a local number.
        number_type: Its kind (the API may leave it null).
        available: Whether it can be linked to an assistant.
        created_at: When it was added (absent on shared numbers).
        linked_assistant: The assistant using it, if any.
        shared: ``True`` for the platform's shared default numbers.
    """

    id: str
    phone_number: str
    locality: str | None = None
    number_type: NumberType | str | None = None
    available: bool = True
    created_at: datetime | None = None
    linked_assistant: LinkedAssistant | None = None
    shared: bool = False


@attrs.frozen(kw_only=True)
class VerificationGroupRef:
    """The verification group an order went through, as orders show it."""

    id: str
    name: str | None = None
    locality: str | None = None
    status: VerificationGroupStatus | str | None = None
    phone_number_type: NumberType | str | None = None


@attrs.frozen(kw_only=True)
class Order:
    """
    An order for one number.

    Attributes:
        id: The order id (``OrderReceipt.order_id``).
        phone_number: The ordered number.
        status: ``pending``, ``success`` or ``failed``.
        number_type: Its kind.
        requirements_met: Whether regulatory requirements were met.
        ordered_at: When it was placed.
        external_order_id: The carrier's order id (detail view only).
        external_sub_order_id: The carrier's sub-order id (detail only).
        verification_group: The group it went through, if any.
    """

    id: str
    phone_number: str
    status: OrderStatus | str
    number_type: NumberType | str | None = None
    requirements_met: bool | None = None
    ordered_at: datetime | None = None
    external_order_id: str | None = None
    external_sub_order_id: str | None = None
    verification_group: VerificationGroupRef | None = None

    @property
    def is_final(self) -> bool:
        """Whether the order has stopped moving (anything but pending)."""
        return self.status != OrderStatus.PENDING


@attrs.frozen(kw_only=True)
class OrderReceipt:
    """
    The answer to placing an order.

    Attributes:
        order_id: Id for ``client.orders.get()`` / ``wait()``.
        phone_number: The ordered number.
        number_type: Its kind.
        status: Usually ``pending``.
        verification_group: The group, for orders through one.
        credits_used: Credits charged (``None`` when reconciled).
        remaining_credits: Balance after the charge (``None`` when
            reconciled).
        reconciled: ``True`` when the POST's answer was lost and the order
            was found in the order list instead of being placed again.
    """

    order_id: str
    phone_number: str
    number_type: NumberType | str | None = None
    status: OrderStatus | str = OrderStatus.PENDING
    verification_group: VerificationGroupRef | None = None
    credits_used: int | None = None
    remaining_credits: int | None = None
    reconciled: bool = attrs.field(default=False, metadata={NOT_ON_WIRE: True})


@attrs.frozen(kw_only=True)
class Document:
    """A document filed with a verification group."""

    id: str
    type: str
    status: str


@attrs.frozen(kw_only=True)
class GroupPhoneNumber:
    """A number ordered under a verification group."""

    id: str
    phone_number: str
    status: str | None = None


@attrs.frozen(kw_only=True)
class VerificationGroup:
    """
    A business identity that allows ordering regulated (local) numbers.

    Attributes:
        id: The group id (``verification_group_id`` when ordering).
        name: Internal label.
        phone_number_type: The kind of number it covers.
        status: ``pending``, ``approved``, ``rejected`` or ``deleted``.
        locality: City the group covers.
        business_name: Official business name.
        created_at: When it was created.
        documents: Filed documents (detail view only).
        phone_numbers: Numbers ordered under it (detail view only).
    """

    id: str
    status: VerificationGroupStatus | str
    name: str | None = None
    phone_number_type: NumberType | str | None = None
    locality: str | None = None
    business_name: str | None = None
    created_at: datetime | None = None
    documents: tuple[Document, ...] = ()
    phone_numbers: tuple[GroupPhoneNumber, ...] = ()


@attrs.frozen(kw_only=True)
class LinkedNumber:
    """A number as the linking endpoints show it (``number``/``type``)."""

    id: str
    number: str | None = None
    type: NumberType | str | None = None
    locality: str | None = None
    origin: str | None = None


@attrs.frozen(kw_only=True)
class AssistantPhoneNumber:
    """The number linked to an assistant (``phone_number`` may be None)."""

    assistant_id: str
    assistant_name: str | None = None
    phone_number: LinkedNumber | None = None


@attrs.frozen(kw_only=True)
class LinkResult:
    """
    The answer to linking a number to an assistant.

    Attributes:
        assistant_id: The assistant.
        phone_number: The number now linked.
        previous_phone_number_id: The number it replaced, if any.
        released_assistants: Assistants released from a shared number.
    """

    assistant_id: str
    phone_number: LinkedNumber
    previous_phone_number_id: str | None = None
    released_assistants: int = 0


@attrs.frozen(kw_only=True)
class UnlinkResult:
    """The answer to unlinking an assistant's number."""

    assistant_id: str
    unlinked_phone_number: LinkedNumber | None = None
