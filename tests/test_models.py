"""The models and the one converter, on the spec's documented bodies."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

from flireo_async import (
    AssistantPhoneNumber,
    AvailableNumber,
    Cost,
    Document,
    GroupPhoneNumber,
    LinkedAssistant,
    LinkedNumber,
    LinkResult,
    NumberType,
    Order,
    OrderReceipt,
    OrderStatus,
    PhoneNumber,
    ResponseDecodeError,
    UnlinkResult,
    VerificationGroup,
    VerificationGroupRef,
    VerificationGroupStatus,
)
from flireo_async import _models as models
from flireo_async._core._converter import structure


# -- the spec's example bodies (spec/flireo-api.md §4) ---------------------

# §4.2 GET /v1/phone-numbers/available
AVAILABLE = {
    "data": [
        {
            "phone_number": "+31851234567",
            "number_type": "national",
            "locality": None,
            "features": ["voice", "sms"],
            "cost": {"monthly": "2.00", "currency": "EUR", "credits": 10},
            "reservable": True,
        },
        {
            "phone_number": "+31851234568",
            "number_type": "national",
            "locality": None,
            "features": ["voice"],
            "cost": {"monthly": "2.00", "currency": "EUR", "credits": 10},
            "reservable": True,
        },
    ],
    "meta": {
        "total_results": 2,
        "number_type": "national",
        "requires_verification": False,
    },
}

# §4.4 GET /v1/phone-numbers
PHONE_NUMBERS = {
    "data": [
        {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "phone_number": "+31201234567",
            "locality": "Amsterdam",
            "number_type": "local",
            "available": True,
            "created_at": "2025-01-15T10:30:00Z",
            "linked_assistant": None,
        },
        {
            "id": "550e8400-e29b-41d4-a716-446655440001",
            "phone_number": "+31851234567",
            "locality": None,
            "number_type": "national",
            "available": False,
            "created_at": "2025-01-10T08:00:00Z",
            "linked_assistant": {
                "id": "660e8400-e29b-41d4-a716-446655440000",
                "name": "Customer Support Agent",
            },
        },
    ],
    "shared_numbers": [
        {
            "id": "770e8400-e29b-41d4-a716-446655440000",
            "phone_number": "+31850001234",
            "locality": None,
            "number_type": "national",
        }
    ],
    "meta": {"total": 2, "limit": 20, "offset": 0},
}

# §4.5 POST /v1/phone-numbers
ORDER_RECEIPT = {
    "message": "Phone number ordered",
    "data": {
        "order_id": "660e8400-e29b-41d4-a716-446655440000",
        "phone_number": "+31851234567",
        "number_type": "national",
        "status": "pending",
        "credits_used": 10,
        "remaining_credits": 90,
    },
}

# §4.6 GET /v1/phone-number-orders
ORDERS = {
    "data": [
        {
            "id": "660e8400-e29b-41d4-a716-446655440000",
            "phone_number": "+31201234567",
            "status": "pending",
            "number_type": "local",
            "requirements_met": True,
            "ordered_at": "2025-01-15T10:30:00Z",
            "verification_group": {
                "id": "550e8400-e29b-41d4-a716-446655440000",
                "name": "Amsterdam Office",
                "locality": "Amsterdam",
            },
        }
    ],
    "meta": {"total": 1, "limit": 10, "offset": 0},
}

# §4.7 GET /v1/phone-number-orders/{id}
ORDER = {
    "data": {
        "id": "660e8400-e29b-41d4-a716-446655440000",
        "phone_number": "+31201234567",
        "status": "success",
        "number_type": "local",
        "requirements_met": True,
        "ordered_at": "2025-01-15T10:30:00Z",
        "external_order_id": "telnyx_order_123",
        "external_sub_order_id": "telnyx_sub_456",
        "verification_group": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "name": "Amsterdam Office",
            "status": "approved",
            "locality": "Amsterdam",
            "phone_number_type": "local",
        },
    }
}

# §4.9 GET /v1/verification-groups
GROUPS = {
    "data": [
        {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "name": "Amsterdam Office",
            "phone_number_type": "local",
            "status": "approved",
            "locality": "Amsterdam",
            "business_name": "Example BV",
            "created_at": "2025-01-10T08:00:00Z",
        }
    ],
    "meta": {"total": 1, "limit": 10, "offset": 0},
}

# §4.10 GET /v1/verification-groups/{id}
GROUP = {
    "data": {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "name": "Amsterdam Office",
        "phone_number_type": "local",
        "status": "approved",
        "locality": "Amsterdam",
        "business_name": "Example BV",
        "created_at": "2025-01-10T08:00:00Z",
        "documents": [
            {"id": "doc_123", "type": "proof_of_address", "status": "approved"}
        ],
        "phone_numbers": [
            {
                "id": "660e8400-e29b-41d4-a716-446655440000",
                "phone_number": "+31201234567",
                "status": "active",
            }
        ],
    }
}

# §4.11 POST /v1/verification-groups/{id}/order-number
GROUP_ORDER_RECEIPT = {
    "message": "Phone number ordered",
    "data": {
        "order_id": "660e8400-e29b-41d4-a716-446655440000",
        "phone_number": "+31201234567",
        "number_type": "local",
        "status": "pending",
        "verification_group": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "name": "Amsterdam Office",
        },
        "credits_used": 10,
        "remaining_credits": 90,
    },
}

# §4.12 GET / POST / DELETE /v1/assistants/{id}/phone-number
ASSISTANT_NUMBER = {
    "data": {
        "assistant_id": "660e8400-e29b-41d4-a716-446655440000",
        "assistant_name": "Customer Support Agent",
        "phone_number": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "number": "+31201234567",
            "type": "local",
            "locality": "Amsterdam",
            "origin": "custom",
        },
    }
}
LINK = {
    "message": "Phone number linked successfully",
    "data": {
        "assistant_id": "660e8400-e29b-41d4-a716-446655440000",
        "phone_number": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "number": "+31201234567",
            "type": "local",
            "locality": "Amsterdam",
        },
        "previous_phone_number_id": None,
        "released_assistants": 0,
    },
}
UNLINK = {
    "message": "Phone number unlinked successfully",
    "data": {
        "assistant_id": "660e8400-e29b-41d4-a716-446655440000",
        "unlinked_phone_number": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "number": "+31201234567",
        },
    },
}

JAN_15 = datetime(2025, 1, 15, 10, 30, tzinfo=UTC)
JAN_10 = datetime(2025, 1, 10, 8, 0, tzinfo=UTC)
AMSTERDAM_REF = VerificationGroupRef(
    id="550e8400-e29b-41d4-a716-446655440000",
    name="Amsterdam Office",
    locality="Amsterdam",
)


def _data(body: dict[str, Any]) -> Any:
    # A fresh copy, so tests that tweak it cannot leak into each other.
    return copy.deepcopy(body["data"])


def _errors(data: Any, cls: Any) -> tuple[str, ...]:
    with pytest.raises(ResponseDecodeError) as info:
        structure(data, cls)
    return info.value.errors


# -- documented bodies decode to the documented values ---------------------


def test_available_numbers_example() -> None:
    """§4.2's search answer decodes to AvailableNumber values."""
    numbers = structure(_data(AVAILABLE), tuple[AvailableNumber, ...])
    expected = (
        AvailableNumber(
            phone_number="+31851234567",
            number_type=NumberType.NATIONAL,
            locality=None,
            features=("voice", "sms"),
            cost=Cost(monthly=Decimal("2.00"), currency="EUR", credits=10),
            reservable=True,
        ),
        AvailableNumber(
            phone_number="+31851234568",
            number_type=NumberType.NATIONAL,
            locality=None,
            features=("voice",),
            cost=Cost(monthly=Decimal("2.00"), currency="EUR", credits=10),
            reservable=True,
        ),
    )
    assert expected == numbers


def test_phone_numbers_example() -> None:
    """§4.4's list decodes, with aware timestamps and linked assistants."""
    numbers = structure(_data(PHONE_NUMBERS), tuple[PhoneNumber, ...])
    expected = (
        PhoneNumber(
            id="550e8400-e29b-41d4-a716-446655440000",
            phone_number="+31201234567",
            locality="Amsterdam",
            number_type=NumberType.LOCAL,
            available=True,
            created_at=JAN_15,
            linked_assistant=None,
        ),
        PhoneNumber(
            id="550e8400-e29b-41d4-a716-446655440001",
            phone_number="+31851234567",
            locality=None,
            number_type=NumberType.NATIONAL,
            available=False,
            created_at=JAN_10,
            linked_assistant=LinkedAssistant(
                id="660e8400-e29b-41d4-a716-446655440000",
                name="Customer Support Agent",
            ),
        ),
    )
    assert expected == numbers


def test_shared_numbers_example() -> None:
    """§4.4's shared_numbers (fewer fields) decode with the defaults."""
    shared = structure(
        copy.deepcopy(PHONE_NUMBERS["shared_numbers"]),
        tuple[PhoneNumber, ...],
    )
    expected = (
        PhoneNumber(
            id="770e8400-e29b-41d4-a716-446655440000",
            phone_number="+31850001234",
            locality=None,
            number_type=NumberType.NATIONAL,
        ),
    )
    assert expected == shared
    assert shared[0].created_at is None


def test_order_receipt_example() -> None:
    """§4.5's order answer decodes to an unreconciled receipt."""
    receipt = structure(_data(ORDER_RECEIPT), OrderReceipt)
    expected = OrderReceipt(
        order_id="660e8400-e29b-41d4-a716-446655440000",
        phone_number="+31851234567",
        number_type=NumberType.NATIONAL,
        status=OrderStatus.PENDING,
        verification_group=None,
        credits_used=10,
        remaining_credits=90,
        reconciled=False,
    )
    assert expected == receipt


def test_orders_example() -> None:
    """§4.6's order list decodes, with the group reference."""
    orders = structure(_data(ORDERS), tuple[Order, ...])
    expected = (
        Order(
            id="660e8400-e29b-41d4-a716-446655440000",
            phone_number="+31201234567",
            status=OrderStatus.PENDING,
            number_type=NumberType.LOCAL,
            requirements_met=True,
            ordered_at=JAN_15,
            verification_group=AMSTERDAM_REF,
        ),
    )
    assert expected == orders
    assert orders[0].is_final is False


def test_order_example() -> None:
    """§4.7's order detail decodes, carrier ids and group status included."""
    order = structure(_data(ORDER), Order)
    expected = Order(
        id="660e8400-e29b-41d4-a716-446655440000",
        phone_number="+31201234567",
        status=OrderStatus.SUCCESS,
        number_type=NumberType.LOCAL,
        requirements_met=True,
        ordered_at=JAN_15,
        external_order_id="telnyx_order_123",
        external_sub_order_id="telnyx_sub_456",
        verification_group=VerificationGroupRef(
            id="550e8400-e29b-41d4-a716-446655440000",
            name="Amsterdam Office",
            status=VerificationGroupStatus.APPROVED,
            locality="Amsterdam",
            phone_number_type=NumberType.LOCAL,
        ),
    )
    assert expected == order
    assert order.is_final is True


def test_verification_groups_example() -> None:
    """§4.9's group list decodes without documents or numbers."""
    groups = structure(_data(GROUPS), tuple[VerificationGroup, ...])
    expected = (
        VerificationGroup(
            id="550e8400-e29b-41d4-a716-446655440000",
            name="Amsterdam Office",
            phone_number_type=NumberType.LOCAL,
            status=VerificationGroupStatus.APPROVED,
            locality="Amsterdam",
            business_name="Example BV",
            created_at=JAN_10,
        ),
    )
    assert expected == groups
    assert () == groups[0].documents


def test_verification_group_example() -> None:
    """§4.10's group detail decodes its documents and numbers."""
    group = structure(_data(GROUP), VerificationGroup)
    assert (
        Document(id="doc_123", type="proof_of_address", status="approved"),
    ) == group.documents
    assert (
        GroupPhoneNumber(
            id="660e8400-e29b-41d4-a716-446655440000",
            phone_number="+31201234567",
            status="active",
        ),
    ) == group.phone_numbers
    assert VerificationGroupStatus.APPROVED == group.status
    assert JAN_10 == group.created_at


def test_group_order_receipt_example() -> None:
    """§4.11's answer carries the verification group."""
    receipt = structure(_data(GROUP_ORDER_RECEIPT), OrderReceipt)
    expected = OrderReceipt(
        order_id="660e8400-e29b-41d4-a716-446655440000",
        phone_number="+31201234567",
        number_type=NumberType.LOCAL,
        status=OrderStatus.PENDING,
        verification_group=VerificationGroupRef(
            id="550e8400-e29b-41d4-a716-446655440000",
            name="Amsterdam Office",
        ),
        credits_used=10,
        remaining_credits=90,
    )
    assert expected == receipt


def test_assistant_phone_number_example() -> None:
    """§4.12's GET decodes the number/type field names."""
    linked = structure(_data(ASSISTANT_NUMBER), AssistantPhoneNumber)
    expected = AssistantPhoneNumber(
        assistant_id="660e8400-e29b-41d4-a716-446655440000",
        assistant_name="Customer Support Agent",
        phone_number=LinkedNumber(
            id="550e8400-e29b-41d4-a716-446655440000",
            number="+31201234567",
            type=NumberType.LOCAL,
            locality="Amsterdam",
            origin="custom",
        ),
    )
    assert expected == linked


def test_assistant_without_phone_number() -> None:
    """An assistant with nothing linked has phone_number None."""
    data = _data(ASSISTANT_NUMBER)
    data["phone_number"] = None
    linked = structure(data, AssistantPhoneNumber)
    assert linked.phone_number is None


def test_link_result_example() -> None:
    """§4.12's POST decodes to a LinkResult."""
    result = structure(_data(LINK), LinkResult)
    expected = LinkResult(
        assistant_id="660e8400-e29b-41d4-a716-446655440000",
        phone_number=LinkedNumber(
            id="550e8400-e29b-41d4-a716-446655440000",
            number="+31201234567",
            type=NumberType.LOCAL,
            locality="Amsterdam",
        ),
        previous_phone_number_id=None,
        released_assistants=0,
    )
    assert expected == result


def test_unlink_result_example() -> None:
    """§4.12's DELETE decodes to an UnlinkResult."""
    result = structure(_data(UNLINK), UnlinkResult)
    expected = UnlinkResult(
        assistant_id="660e8400-e29b-41d4-a716-446655440000",
        unlinked_phone_number=LinkedNumber(
            id="550e8400-e29b-41d4-a716-446655440000",
            number="+31201234567",
        ),
    )
    assert expected == result


# -- open enums ------------------------------------------------------------


@pytest.mark.parametrize(
    ("enum_cls", "wire"),
    [
        (NumberType, "local"),
        (NumberType, "mobile"),
        (NumberType, "national"),
        (OrderStatus, "pending"),
        (OrderStatus, "success"),
        (OrderStatus, "failed"),
        (VerificationGroupStatus, "pending"),
        (VerificationGroupStatus, "approved"),
        (VerificationGroupStatus, "rejected"),
        (VerificationGroupStatus, "deleted"),
    ],
)
def test_enum_members_equal_their_wire_strings(
    enum_cls: type[Any], wire: str
) -> None:
    """Callers can compare statuses with plain strings."""
    assert wire == enum_cls(wire)
    assert wire == str(enum_cls(wire))


def test_known_enum_value_becomes_the_member() -> None:
    """A known wire value decodes to the enum member itself."""
    order = structure(_data(ORDER), Order)
    assert "success" == order.status
    assert OrderStatus.SUCCESS is order.status
    assert NumberType.LOCAL is order.number_type


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "cancelled"), ("number_type", "toll_free")],
)
def test_unknown_enum_value_stays_a_plain_string(
    field: str, value: str
) -> None:
    """A value the SDK does not know yet is kept, not an exception."""
    data = _data(ORDER)
    data[field] = value
    order = structure(data, Order)
    assert value == getattr(order, field)
    assert str is type(getattr(order, field))


def test_unknown_group_status_stays_a_plain_string() -> None:
    """A new verification-group status is kept as a string."""
    data = _data(GROUP)
    data["status"] = "suspended"
    group = structure(data, VerificationGroup)
    assert "suspended" == group.status
    assert str is type(group.status)


def test_unknown_available_number_type_stays_a_plain_string() -> None:
    """An unknown number type in a search result is kept as a string."""
    data = _data(AVAILABLE)
    data[0]["number_type"] = "premium"
    numbers = structure(data, tuple[AvailableNumber, ...])
    assert "premium" == numbers[0].number_type
    assert str is type(numbers[0].number_type)


def test_enum_value_that_is_not_a_string_is_rejected() -> None:
    """A number where a status string belongs is a decode error."""
    data = _data(ORDER)
    data["status"] = 3
    errors = _errors(data, Order)
    assert any("$.status" in error for error in errors)


# -- unknown fields, money, time, nullables --------------------------------


def test_unknown_fields_are_ignored() -> None:
    """A field the API adds tomorrow does not break today's client."""
    data = _data(ORDER)
    data["brand_new_field"] = {"anything": [1, 2]}
    data["verification_group"]["also_new"] = True
    assert structure(_data(ORDER), Order) == structure(data, Order)


@pytest.mark.parametrize(
    ("monthly", "expected"),
    [
        ("2.00", Decimal("2.00")),
        ("0.10", Decimal("0.10")),
        (2, Decimal("2")),
        ("1234567890.123456789", Decimal("1234567890.123456789")),
    ],
)
def test_money_is_decimal(monthly: Any, expected: Decimal) -> None:
    """Prices are exact Decimals, never binary floats."""
    cost = structure(
        {"monthly": monthly, "currency": "EUR", "credits": 10}, Cost
    )
    assert expected == cost.monthly
    assert Decimal is type(cost.monthly)


def test_money_keeps_its_written_precision() -> None:
    """A price of "2.00" prints as the API wrote it, not as 2."""
    cost = structure(
        {"monthly": "2.00", "currency": "EUR", "credits": 10}, Cost
    )
    assert "2.00" == str(cost.monthly)


@pytest.mark.parametrize("monthly", ["two euros", True, None, ["2.00"]])
def test_money_that_is_not_a_number_is_rejected(monthly: Any) -> None:
    """A price that is not a decimal is a decode error with its path."""
    errors = _errors(
        {"monthly": monthly, "currency": "EUR", "credits": 10}, Cost
    )
    assert any("$.monthly" in error for error in errors)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-15T10:30:00Z", JAN_15),
        ("2025-01-15T10:30:00+00:00", JAN_15),
        ("2025-01-15T10:30:00", JAN_15),
        ("2025-01-15T10:30:00.000Z", JAN_15),
        (
            "2025-01-15T12:30:00+02:00",
            datetime(2025, 1, 15, 12, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_timestamps_are_aware(text: str, expected: datetime) -> None:
    """Timestamps are aware datetimes; a naive one is read as UTC."""
    data = _data(ORDER)
    data["ordered_at"] = text
    order = structure(data, Order)
    assert order.ordered_at is not None
    assert order.ordered_at.tzinfo is not None
    assert expected == order.ordered_at
    assert JAN_15 == order.ordered_at


@pytest.mark.parametrize("value", ["yesterday", 1736937000, ""])
def test_bad_timestamp_is_rejected(value: Any) -> None:
    """A timestamp that is not ISO 8601 is a decode error with its path."""
    data = _data(ORDER)
    data["ordered_at"] = value
    errors = _errors(data, Order)
    assert any("$.ordered_at" in error for error in errors)


def test_nullable_fields_accept_null() -> None:
    """Fields documented as nullable decode null to None."""
    data = {
        "id": "o-1",
        "phone_number": "+31851234567",
        "status": "pending",
        "number_type": None,
        "requirements_met": None,
        "ordered_at": None,
        "external_order_id": None,
        "external_sub_order_id": None,
        "verification_group": None,
    }
    expected = Order(
        id="o-1", phone_number="+31851234567", status=OrderStatus.PENDING
    )
    assert expected == structure(data, Order)


def test_phone_number_type_may_be_null() -> None:
    """§4.4 marks number_type nullable on the account's numbers."""
    data = _data(PHONE_NUMBERS)[0]
    data["number_type"] = None
    assert structure(data, PhoneNumber).number_type is None


# -- models are immutable values -------------------------------------------

MODELS = [
    getattr(models, name)
    for name in models.__all__
    if attrs.has(getattr(models, name))
]


def test_every_model_is_covered() -> None:
    """The immutability checks below see every exported model."""
    assert 14 == len(MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_models_are_frozen_slotted_and_keyword_only(model: type[Any]) -> None:
    """Models are hashable-style values: no mutation, no positional args."""
    fields = attrs.fields(model)
    assert all(field.kw_only for field in fields)
    blank = object.__new__(model)
    assert not hasattr(blank, "__dict__")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(blank, fields[0].name, "changed")


def test_assigning_to_a_model_raises() -> None:
    """A decoded order cannot be changed behind the caller's back."""
    order = structure(_data(ORDER), Order)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        order.status = OrderStatus.FAILED  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        order.extra = 1  # type: ignore[attr-defined]


def test_models_reject_positional_arguments() -> None:
    """Models are keyword-only, so field order can change safely."""
    with pytest.raises(TypeError):
        LinkedAssistant("a-1", "Agent")  # type: ignore[call-arg]


# -- bodies that do not fit ------------------------------------------------


def test_missing_required_field_names_its_path() -> None:
    """A missing field is reported with its cattrs path."""
    data = _data(ORDER_RECEIPT)
    del data["phone_number"]
    errors = _errors(data, OrderReceipt)
    assert any("$.phone_number" in error for error in errors)


def test_nested_field_error_names_its_path() -> None:
    """An error deep in the body is reported with the full path."""
    data = _data(AVAILABLE)[0]
    data["cost"]["credits"] = "ten"
    errors = _errors(data, AvailableNumber)
    assert any("$.cost.credits" in error for error in errors)


def test_error_in_a_list_body_names_its_path() -> None:
    """An error in a list answer says which item and field failed."""
    data = _data(AVAILABLE)
    data[1]["phone_number"] = None
    errors = _errors(data, tuple[AvailableNumber, ...])
    assert any("$[1].phone_number" in error for error in errors), errors


def test_decode_error_message_lists_the_errors() -> None:
    """str(ResponseDecodeError) shows what did not fit."""
    data = _data(ORDER_RECEIPT)
    del data["order_id"]
    with pytest.raises(ResponseDecodeError) as info:
        structure(data, OrderReceipt, status=201)
    assert 201 == info.value.status
    assert "OrderReceipt" in str(info.value)
    assert "$.order_id" in str(info.value)


@pytest.mark.parametrize("data", [None, "order", 42, ["a", "b"]])
def test_body_of_the_wrong_shape_is_a_decode_error(data: Any) -> None:
    """Something that is not an object never escapes as a TypeError."""
    with pytest.raises(ResponseDecodeError):
        structure(data, OrderReceipt)


# -- strictness: errors, not coercion --------------------------------------


@pytest.mark.parametrize(
    ("model", "data", "path"),
    [
        # None for a required str.
        (
            OrderReceipt,
            {"order_id": None, "phone_number": "+31851234567"},
            "$.order_id",
        ),
        # A string for a bool.
        (
            PhoneNumber,
            {"id": "p", "phone_number": "+31851234567", "available": "false"},
            "$.available",
        ),
        # A string for an int.
        (
            OrderReceipt,
            {
                "order_id": "o",
                "phone_number": "+31851234567",
                "credits_used": "10",
            },
            "$.credits_used",
        ),
        # A float for an int.
        (
            OrderReceipt,
            {
                "order_id": "o",
                "phone_number": "+31851234567",
                "remaining_credits": 90.5,
            },
            "$.remaining_credits",
        ),
        # A bool for an int.
        (Cost, {"monthly": "2.00", "currency": "EUR", "credits": True},
         "$.credits"),
        # An int for a str.
        (OrderReceipt, {"order_id": 660, "phone_number": "+31851234567"},
         "$.order_id"),
        # An int for a bool.
        (Order, {"id": "o", "phone_number": "+3185", "status": "pending",
                 "requirements_met": 1}, "$.requirements_met"),
    ],
)  # fmt: skip
def test_wrong_types_are_errors_not_coercions(
    model: type[Any], data: dict[str, Any], path: str
) -> None:
    """A value of the wrong type is rejected, never quietly converted."""
    errors = _errors(data, model)
    assert any(path in error for error in errors), errors


def test_string_for_a_list_is_an_error_not_split_into_characters() -> None:
    """A string where a list belongs is rejected, not split into chars."""
    data = _data(AVAILABLE)[0]
    data["features"] = "voice"
    errors = _errors(data, AvailableNumber)
    assert any("$.features" in error for error in errors), errors
