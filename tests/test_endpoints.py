"""Every documented endpoint over recorded exchanges: results and errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

import flireo_async as flireo


GROUP = "550e8400-e29b-41d4-a716-446655440000"
PENDING_GROUP = "550e8400-e29b-41d4-a716-446655440010"
NUMBER_ID = "550e8400-e29b-41d4-a716-446655440000"
OTHER_NUMBER_ID = "550e8400-e29b-41d4-a716-446655440001"
ORDER = "660e8400-e29b-41d4-a716-446655440000"
ASSISTANT = "660e8400-e29b-41d4-a716-446655440000"
MISSING = "990e8400-e29b-41d4-a716-446655440099"

GROUP_FIELDS = {
    "phone_number_type": "local",
    "name": "Amsterdam Office",
    "business_name": "Example BV",
    "contact_person_first_name": "Sanne",
    "contact_person_last_name": "de Vries",
    "contact_person_phone": "+31201234500",
    "street_name": "Herengracht",
    "house_number": "182",
    "postal_code": "1016 BR",
    "city": "Amsterdam",
    "province": "Noord-Holland",
}

AMSTERDAM = flireo.VerificationGroupRef(
    id=GROUP, name="Amsterdam Office", locality="Amsterdam"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- phone_numbers -----------------------------------------------------------


async def test_search_returns_typed_available_numbers(recording, client_for):
    """search() gives the documented numbers with enum type, Decimal price."""
    client = client_for(recording("phone_numbers_search__ok"))

    numbers = await client.phone_numbers.search()

    cost = flireo.Cost(monthly=Decimal("2.00"), currency="EUR", credits=10)
    assert [
        flireo.AvailableNumber(
            phone_number="+31851234567",
            number_type=flireo.NumberType.NATIONAL,
            locality=None,
            features=("voice", "sms"),
            cost=cost,
            reservable=True,
        ),
        flireo.AvailableNumber(
            phone_number="+31851234568",
            number_type=flireo.NumberType.NATIONAL,
            locality=None,
            features=("voice",),
            cost=cost,
            reservable=True,
        ),
    ] == numbers
    assert flireo.NumberType is type(numbers[0].number_type)
    assert Decimal is type(numbers[0].cost.monthly)


async def test_list_numbers_typed_without_shared(recording, client_for):
    """list() yields owned numbers with aware datetimes and linked assistant;
    shared default numbers stay out unless asked for."""
    client = client_for(recording("phone_numbers_list__ok"))

    numbers = await client.phone_numbers.list().collect()

    assert [
        flireo.PhoneNumber(
            id=NUMBER_ID,
            phone_number="+31201234567",
            locality="Amsterdam",
            number_type=flireo.NumberType.LOCAL,
            available=True,
            created_at=utc(2025, 1, 15, 10, 30),
            linked_assistant=None,
        ),
        flireo.PhoneNumber(
            id=OTHER_NUMBER_ID,
            phone_number="+31851234567",
            locality=None,
            number_type=flireo.NumberType.NATIONAL,
            available=False,
            created_at=utc(2025, 1, 10, 8, 0),
            linked_assistant=flireo.LinkedAssistant(
                id=ASSISTANT, name="Customer Support Agent"
            ),
        ),
    ] == numbers
    assert UTC == numbers[0].created_at.tzinfo


async def test_list_numbers_include_default_yields_shared_first(
    recording, client_for
):
    """include_default=True sends "true" and yields shared numbers first,
    marked shared=True."""
    client = client_for(recording("phone_numbers_list__include_default"))

    numbers = await client.phone_numbers.list(include_default=True).collect()

    assert (
        flireo.PhoneNumber(
            id="770e8400-e29b-41d4-a716-446655440000",
            phone_number="+31850001234",
            locality=None,
            number_type=flireo.NumberType.NATIONAL,
            shared=True,
        )
        == numbers[0]
    )
    assert [True, False, False] == [n.shared for n in numbers]
    assert [NUMBER_ID, OTHER_NUMBER_ID] == [n.id for n in numbers[1:]]


async def test_list_numbers_shared_yielded_once_across_pages(
    recording, client_for
):
    """Shared numbers repeated on later pages are yielded only once."""
    client = client_for(
        recording("phone_numbers_list__include_default_two_pages")
    )

    numbers = await client.phone_numbers.list(
        include_default=True, page_size=2
    ).collect()

    assert [
        ("+31850001234", True),
        ("+31201234567", False),
        ("+31851234567", False),
        ("+31851234569", False),
    ] == [(n.phone_number, n.shared) for n in numbers]


async def test_order_returns_receipt(recording, client_for):
    """order() returns the documented receipt with credits, not reconciled."""
    client = client_for(recording("phone_numbers_order__ok"))

    receipt = await client.phone_numbers.order("+31851234567")

    assert (
        flireo.OrderReceipt(
            order_id=ORDER,
            phone_number="+31851234567",
            number_type=flireo.NumberType.NATIONAL,
            status=flireo.OrderStatus.PENDING,
            verification_group=None,
            credits_used=10,
            remaining_credits=90,
            reconciled=False,
        )
        == receipt
    )
    assert flireo.OrderStatus is type(receipt.status)


async def test_order_local_sends_group_and_returns_it(recording, client_for):
    """A local order carries verification_group_id and returns the group."""
    client = client_for(recording("phone_numbers_order__local"))

    receipt = await client.phone_numbers.order(
        "+31201234567", number_type="local", verification_group_id=GROUP
    )

    assert (
        flireo.VerificationGroupRef(id=GROUP, name="Amsterdam Office")
        == receipt.verification_group
    )
    assert flireo.NumberType.LOCAL == receipt.number_type
    assert (10, 90) == (receipt.credits_used, receipt.remaining_credits)


# --- orders ------------------------------------------------------------------


async def test_orders_list_with_filters(recording, client_for):
    """orders.list() sends every filter and yields typed orders with their
    verification group."""
    client = client_for(recording("orders_list__ok"))

    orders = await client.orders.list(
        status="pending",
        verification_group_id=GROUP,
        number_type=flireo.NumberType.LOCAL,
        page_size=10,
    ).collect()

    assert [
        flireo.Order(
            id=ORDER,
            phone_number="+31201234567",
            status=flireo.OrderStatus.PENDING,
            number_type=flireo.NumberType.LOCAL,
            requirements_met=True,
            ordered_at=utc(2025, 1, 15, 10, 30),
            verification_group=AMSTERDAM,
        )
    ] == orders


async def test_orders_list_follows_meta_over_three_pages(
    recording, client_for
):
    """async for walks every page, moving the offset by what meta says came
    back (2 per page), not by the requested page size (20)."""
    client = client_for(recording("orders_list__three_pages"))

    phone_numbers = [o.phone_number async for o in client.orders.list()]

    assert [
        "+31201234567",
        "+31851234567",
        "+31851234568",
        "+31201234568",
        "+31612345678",
    ] == phone_numbers


async def test_orders_list_pages_expose_meta(recording, client_for):
    """pages() yields Page objects carrying total, limit and offset."""
    client = client_for(recording("orders_list__three_pages"))

    pages = [page async for page in client.orders.list().pages()]

    assert [(5, 2, 0, 2), (5, 2, 2, 2), (5, 2, 4, 1)] == [
        (p.total, p.limit, p.offset, len(p.items)) for p in pages
    ]
    assert flireo.Page is type(pages[0])
    assert [flireo.OrderStatus.FAILED, flireo.OrderStatus.SUCCESS] == [
        o.status for o in pages[1].items
    ]
    assert pages[2].next_offset is None


async def test_orders_list_collect_limit_stops_early(recording, client_for):
    """collect(limit=3) returns 3 orders and never fetches the third page."""
    client = client_for(recording("orders_list__two_of_three_pages"))

    orders = await client.orders.list().collect(limit=3)

    assert [
        "660e8400-e29b-41d4-a716-446655440000",
        "660e8400-e29b-41d4-a716-446655440001",
        "660e8400-e29b-41d4-a716-446655440002",
    ] == [o.id for o in orders]


async def test_orders_list_collect_limit_on_page_boundary(
    recording, client_for
):
    """collect(limit=4) ending exactly on a page boundary fetches no further
    page (PACKAGE BUG: it requests page 3 and throws its items away)."""
    client = client_for(recording("orders_list__two_of_three_pages"))

    orders = await client.orders.list().collect(limit=4)

    assert [
        "660e8400-e29b-41d4-a716-446655440000",
        "660e8400-e29b-41d4-a716-446655440001",
        "660e8400-e29b-41d4-a716-446655440002",
        "660e8400-e29b-41d4-a716-446655440003",
    ] == [o.id for o in orders]


async def test_orders_get_returns_detail(recording, client_for):
    """orders.get() gives carrier ids and the group's status and type."""
    client = client_for(recording("orders_get__ok"))

    order = await client.orders.get(ORDER)

    assert (
        flireo.Order(
            id=ORDER,
            phone_number="+31201234567",
            status=flireo.OrderStatus.SUCCESS,
            number_type=flireo.NumberType.LOCAL,
            requirements_met=True,
            ordered_at=utc(2025, 1, 15, 10, 30),
            external_order_id="telnyx_order_123",
            external_sub_order_id="telnyx_sub_456",
            verification_group=flireo.VerificationGroupRef(
                id=GROUP,
                name="Amsterdam Office",
                status=flireo.VerificationGroupStatus.APPROVED,
                locality="Amsterdam",
                phone_number_type=flireo.NumberType.LOCAL,
            ),
        )
        == order
    )
    assert order.is_final


async def test_orders_get_keeps_unknown_enum_values(recording, client_for):
    """Enum values the SDK does not know stay plain strings, and unknown
    fields are ignored, instead of failing the call."""
    client = client_for(recording("orders_get__unknown_values"))

    order = await client.orders.get(ORDER)

    assert ("cancelled", str) == (order.status, type(order.status))
    assert ("toll_free", str) == (order.number_type, type(order.number_type))
    assert "suspended" == order.verification_group.status


async def test_orders_wait_polls_until_final(recording, client_for):
    """wait() polls pending, pending, success and returns the final order."""
    client = client_for(recording("orders_wait__pending_then_success"))

    order = await client.orders.wait(ORDER, poll_interval=0.001)

    assert flireo.OrderStatus.SUCCESS == order.status
    assert "telnyx_sub_456" == order.external_sub_order_id


async def test_orders_wait_timeout_carries_last_reading(recording, client_for):
    """wait() out of time raises WaitTimeoutError holding the last order."""
    client = client_for(recording("orders_wait__timeout"))

    with pytest.raises(flireo.WaitTimeoutError) as caught:
        await client.orders.wait(ORDER, timeout=0, poll_interval=0.001)

    assert (ORDER, flireo.OrderStatus.PENDING) == (
        caught.value.last.id,
        caught.value.last.status,
    )
    assert isinstance(caught.value, TimeoutError)


# --- verification groups -----------------------------------------------------


async def test_create_group_returns_requirement_group_id(
    recording, client_for
):
    """create() sends every field and returns requirement_group_id."""
    client = client_for(recording("verification_groups_create__ok"))

    group_id = await client.verification_groups.create(**GROUP_FIELDS)

    assert GROUP == group_id


async def test_list_groups_with_filters(recording, client_for):
    """verification_groups.list() sends its filters; groups are typed."""
    client = client_for(recording("verification_groups_list__ok"))

    groups = await client.verification_groups.list(
        status="approved", phone_number_type="local", page_size=10
    ).collect()

    assert [
        flireo.VerificationGroup(
            id=GROUP,
            status=flireo.VerificationGroupStatus.APPROVED,
            name="Amsterdam Office",
            phone_number_type=flireo.NumberType.LOCAL,
            locality="Amsterdam",
            business_name="Example BV",
            created_at=utc(2025, 1, 10, 8, 0),
        )
    ] == groups
    assert flireo.VerificationGroupStatus is type(groups[0].status)


async def test_get_group_with_documents_and_numbers(recording, client_for):
    """get() includes the group's documents and ordered numbers."""
    client = client_for(recording("verification_groups_get__ok"))

    group = await client.verification_groups.get(GROUP)

    assert (
        flireo.Document(
            id="doc_123", type="proof_of_address", status="approved"
        ),
    ) == group.documents
    assert (
        flireo.GroupPhoneNumber(
            id="660e8400-e29b-41d4-a716-446655440000",
            phone_number="+31201234567",
            status="active",
        ),
    ) == group.phone_numbers
    assert flireo.VerificationGroupStatus.APPROVED == group.status
    assert utc(2025, 1, 10, 8, 0) == group.created_at


async def test_wait_group_until_approved(recording, client_for):
    """verification_groups.wait() polls past pending to approved."""
    client = client_for(
        recording("verification_groups_wait__pending_then_approved")
    )

    group = await client.verification_groups.wait(GROUP, poll_interval=0.001)

    assert flireo.VerificationGroupStatus.APPROVED == group.status
    assert ("approved",) == tuple(d.status for d in group.documents)


async def test_search_group_numbers(recording, client_for):
    """search_numbers() sends query and limit, returns local numbers."""
    client = client_for(recording("verification_groups_search_numbers__ok"))

    numbers = await client.verification_groups.search_numbers(
        GROUP, query="+312012", limit=2
    )

    assert [
        ("+31201234567", flireo.NumberType.LOCAL, "Amsterdam", True),
        ("+31201234568", flireo.NumberType.LOCAL, "Amsterdam", False),
    ] == [
        (n.phone_number, n.number_type, n.locality, n.reservable)
        for n in numbers
    ]
    assert Decimal("2.00") == numbers[1].cost.monthly


async def test_order_number_through_group(recording, client_for):
    """order_number() returns a receipt naming the verification group."""
    client = client_for(recording("verification_groups_order_number__ok"))

    receipt = await client.verification_groups.order_number(
        GROUP, "+31201234567"
    )

    assert (
        flireo.OrderReceipt(
            order_id=ORDER,
            phone_number="+31201234567",
            number_type=flireo.NumberType.LOCAL,
            status=flireo.OrderStatus.PENDING,
            verification_group=flireo.VerificationGroupRef(
                id=GROUP, name="Amsterdam Office"
            ),
            credits_used=10,
            remaining_credits=90,
            reconciled=False,
        )
        == receipt
    )


# --- assistants --------------------------------------------------------------


async def test_get_assistant_phone_number(recording, client_for):
    """get_phone_number() maps number/type/origin of the linking API."""
    client = client_for(recording("assistants_get_phone_number__ok"))

    linked = await client.assistants.get_phone_number(ASSISTANT)

    assert (
        flireo.AssistantPhoneNumber(
            assistant_id=ASSISTANT,
            assistant_name="Customer Support Agent",
            phone_number=flireo.LinkedNumber(
                id=NUMBER_ID,
                number="+31201234567",
                type=flireo.NumberType.LOCAL,
                locality="Amsterdam",
                origin="custom",
            ),
        )
        == linked
    )


async def test_get_assistant_phone_number_none_linked(recording, client_for):
    """An assistant without a number has phone_number None."""
    client = client_for(recording("assistants_get_phone_number__none_linked"))

    linked = await client.assistants.get_phone_number(ASSISTANT)

    assert (ASSISTANT, None) == (linked.assistant_id, linked.phone_number)


async def test_link_phone_number(recording, client_for):
    """link_phone_number() posts the id and returns the link result."""
    client = client_for(recording("assistants_link_phone_number__ok"))

    result = await client.assistants.link_phone_number(ASSISTANT, NUMBER_ID)

    assert (
        flireo.LinkResult(
            assistant_id=ASSISTANT,
            phone_number=flireo.LinkedNumber(
                id=NUMBER_ID,
                number="+31201234567",
                type=flireo.NumberType.LOCAL,
                locality="Amsterdam",
            ),
            previous_phone_number_id=None,
            released_assistants=0,
        )
        == result
    )


async def test_unlink_phone_number(recording, client_for):
    """unlink_phone_number() returns which number was unlinked."""
    client = client_for(recording("assistants_unlink_phone_number__ok"))

    result = await client.assistants.unlink_phone_number(ASSISTANT)

    assert (
        flireo.UnlinkResult(
            assistant_id=ASSISTANT,
            unlinked_phone_number=flireo.LinkedNumber(
                id=NUMBER_ID, number="+31201234567"
            ),
        )
        == result
    )


# --- errors ------------------------------------------------------------------

E = flireo

ERRORS = [
    # phone_numbers.search
    (
        "phone_numbers_search__invalid_parameters",
        lambda c: c.phone_numbers.search(number_type="mobile", query="+3185*"),
        E.InvalidParametersError,
        "invalid_parameters",
    ),
    (
        "phone_numbers_search__unauthorized",
        lambda c: c.phone_numbers.search(),
        E.AuthenticationError,
        None,
    ),
    (
        "phone_numbers_search__rate_limited",
        lambda c: c.phone_numbers.search(),
        E.RateLimitError,
        "rate_limit_exceeded",
    ),
    (
        "phone_numbers_search__provider_error",
        lambda c: c.phone_numbers.search(),
        E.ProviderError,
        "provider_error",
    ),
    (
        "phone_numbers_search__bad_gateway_html",
        lambda c: c.phone_numbers.search(),
        E.ServerError,
        None,
    ),
    # phone_numbers.list
    (
        "phone_numbers_list__invalid_parameters",
        lambda c: c.phone_numbers.list().collect(),
        E.InvalidParametersError,
        "invalid_parameters",
    ),
    (
        "phone_numbers_list__unauthorized",
        lambda c: c.phone_numbers.list().collect(),
        E.AuthenticationError,
        None,
    ),
    # phone_numbers.order
    (
        "phone_numbers_order__insufficient_credits",
        lambda c: c.phone_numbers.order("+31851234567"),
        E.InsufficientCreditsError,
        "insufficient_credits",
    ),
    (
        "phone_numbers_order__invalid_parameters",
        lambda c: c.phone_numbers.order("+31851234567"),
        E.InvalidParametersError,
        "invalid_parameters",
    ),
    (
        "phone_numbers_order__invalid_status",
        lambda c: c.phone_numbers.order(
            "+31201234567",
            number_type="local",
            verification_group_id=PENDING_GROUP,
        ),
        E.InvalidStatusError,
        "invalid_status",
    ),
    (
        "phone_numbers_order__not_found",
        lambda c: c.phone_numbers.order(
            "+31201234567", number_type="local", verification_group_id=MISSING
        ),
        E.NotFoundError,
        "not_found",
    ),
    (
        "phone_numbers_order__already_in_use",
        lambda c: c.phone_numbers.order("+31851234567"),
        E.AlreadyInUseError,
        "already_in_use",
    ),
    (
        "phone_numbers_order__forbidden",
        lambda c: c.phone_numbers.order("+31851234567"),
        E.PermissionDeniedError,
        "forbidden",
    ),
    (
        "phone_numbers_order__unauthorized",
        lambda c: c.phone_numbers.order("+31851234567"),
        E.AuthenticationError,
        None,
    ),
    (
        "phone_numbers_order__rate_limited",
        lambda c: c.phone_numbers.order("+31851234567"),
        E.RateLimitError,
        "rate_limit_exceeded",
    ),
    (
        # Each 500 is ambiguous: looked up (absent), re-sent, up to 3 sends.
        "phone_numbers_order__provider_error",
        lambda c: c.phone_numbers.order("+31851234567"),
        E.ProviderError,
        "provider_error",
    ),
    # orders.list
    (
        "orders_list__invalid_parameters",
        lambda c: c.orders.list(status="failed").collect(),
        E.InvalidParametersError,
        "invalid_parameters",
    ),
    (
        "orders_list__unauthorized",
        lambda c: c.orders.list().collect(),
        E.AuthenticationError,
        None,
    ),
    (
        "orders_list__server_error",
        lambda c: c.orders.list().collect(),
        E.ServerError,
        "server_error",
    ),
    # orders.get
    (
        "orders_get__not_found",
        lambda c: c.orders.get(MISSING),
        E.NotFoundError,
        "not_found",
    ),
    (
        "orders_get__forbidden",
        lambda c: c.orders.get(ORDER),
        E.PermissionDeniedError,
        "forbidden",
    ),
    (
        "orders_get__unauthorized",
        lambda c: c.orders.get(ORDER),
        E.AuthenticationError,
        None,
    ),
    (
        "orders_get__rate_limited",
        lambda c: c.orders.get(ORDER),
        E.RateLimitError,
        "rate_limit_exceeded",
    ),
    (
        "orders_get__database_error",
        lambda c: c.orders.get(ORDER),
        E.ServerError,
        "database_error",
    ),
    (
        "orders_get__bad_gateway_html",
        lambda c: c.orders.get(ORDER),
        E.ServerError,
        None,
    ),
    # orders.wait
    (
        "orders_wait__not_found",
        lambda c: c.orders.wait(MISSING, poll_interval=0.001),
        E.NotFoundError,
        "not_found",
    ),
    # verification_groups.create
    (
        "verification_groups_create__invalid_parameters",
        lambda c: c.verification_groups.create(
            **{**GROUP_FIELDS, "postal_code": "1016"}
        ),
        E.InvalidParametersError,
        "invalid_parameters",
    ),
    (
        # A create is not repeatable: one 500, no retry.
        "verification_groups_create__provider_error",
        lambda c: c.verification_groups.create(**GROUP_FIELDS),
        E.ProviderError,
        "provider_error",
    ),
    (
        "verification_groups_create__unauthorized",
        lambda c: c.verification_groups.create(**GROUP_FIELDS),
        E.AuthenticationError,
        None,
    ),
    # verification_groups.list / get / wait
    (
        "verification_groups_list__invalid_parameters",
        lambda c: c.verification_groups.list().collect(),
        E.InvalidParametersError,
        "invalid_parameters",
    ),
    (
        "verification_groups_get__not_found",
        lambda c: c.verification_groups.get(MISSING),
        E.NotFoundError,
        "not_found",
    ),
    (
        "verification_groups_get__forbidden",
        lambda c: c.verification_groups.get(GROUP),
        E.PermissionDeniedError,
        "forbidden",
    ),
    (
        "verification_groups_wait__not_found",
        lambda c: c.verification_groups.wait(MISSING, poll_interval=0.001),
        E.NotFoundError,
        "not_found",
    ),
    # verification_groups.search_numbers
    (
        "verification_groups_search_numbers__invalid_status",
        lambda c: c.verification_groups.search_numbers(GROUP),
        E.InvalidStatusError,
        "invalid_status",
    ),
    (
        "verification_groups_search_numbers__not_found",
        lambda c: c.verification_groups.search_numbers(MISSING),
        E.NotFoundError,
        "not_found",
    ),
    # verification_groups.order_number (the complete documented table)
    (
        "verification_groups_order_number__not_found",
        lambda c: c.verification_groups.order_number(MISSING, "+31201234567"),
        E.NotFoundError,
        "not_found",
    ),
    (
        "verification_groups_order_number__invalid_status",
        lambda c: c.verification_groups.order_number(GROUP, "+31201234567"),
        E.InvalidStatusError,
        "invalid_status",
    ),
    (
        "verification_groups_order_number__insufficient_credits",
        lambda c: c.verification_groups.order_number(GROUP, "+31201234567"),
        E.InsufficientCreditsError,
        "insufficient_credits",
    ),
    (
        "verification_groups_order_number__invalid_parameters",
        lambda c: c.verification_groups.order_number(GROUP, "+31201234567"),
        E.InvalidParametersError,
        "invalid_parameters",
    ),
    # assistants
    (
        "assistants_get_phone_number__not_found",
        lambda c: c.assistants.get_phone_number(MISSING),
        E.NotFoundError,
        "not_found",
    ),
    (
        "assistants_get_phone_number__forbidden",
        lambda c: c.assistants.get_phone_number(ASSISTANT),
        E.PermissionDeniedError,
        "forbidden",
    ),
    (
        "assistants_link_phone_number__already_linked",
        lambda c: c.assistants.link_phone_number(ASSISTANT, NUMBER_ID),
        E.AlreadyLinkedError,
        "already_linked",
    ),
    (
        "assistants_link_phone_number__already_in_use",
        lambda c: c.assistants.link_phone_number(ASSISTANT, OTHER_NUMBER_ID),
        E.AlreadyInUseError,
        "already_in_use",
    ),
    (
        "assistants_link_phone_number__not_found",
        lambda c: c.assistants.link_phone_number(ASSISTANT, MISSING),
        E.NotFoundError,
        "not_found",
    ),
    (
        "assistants_link_phone_number__forbidden",
        lambda c: c.assistants.link_phone_number(ASSISTANT, NUMBER_ID),
        E.PermissionDeniedError,
        "forbidden",
    ),
    (
        "assistants_link_phone_number__rate_limited",
        lambda c: c.assistants.link_phone_number(ASSISTANT, NUMBER_ID),
        E.RateLimitError,
        "rate_limit_exceeded",
    ),
    (
        "assistants_unlink_phone_number__no_phone_number",
        lambda c: c.assistants.unlink_phone_number(ASSISTANT),
        E.NoPhoneNumberError,
        "no_phone_number",
    ),
    (
        "assistants_unlink_phone_number__not_found",
        lambda c: c.assistants.unlink_phone_number(MISSING),
        E.NotFoundError,
        "not_found",
    ),
]


@pytest.mark.parametrize(
    ("cassette", "call", "expected_exception", "expected_code"),
    [pytest.param(*row, id=row[0]) for row in ERRORS],
)
async def test_documented_errors(
    recording, client_for, cassette, call, expected_exception, expected_code
):
    """Each documented error answer raises its own exception class with the
    body's code (the status decides when there is no known code)."""
    client = client_for(recording(cassette))

    with pytest.raises(flireo.APIError) as caught:
        await call(client)

    assert expected_exception is type(caught.value)
    assert expected_code == caught.value.code


async def test_error_carries_request_context(recording, client_for):
    """An APIError carries status, message, request id, method and URL."""
    client = client_for(recording("orders_get__not_found"))

    with pytest.raises(flireo.NotFoundError) as caught:
        await client.orders.get(MISSING)

    error = caught.value
    assert (404, "Order not found", {}) == (
        error.status,
        error.message,
        error.details,
    )
    assert error.request_id.startswith("req_")
    assert (
        "GET",
        f"https://api.example.test/v1/phone-number-orders/{MISSING}",
    ) == (error.method, error.url)
    assert error.request_id in str(error)


async def test_rate_limit_with_long_retry_after_raises_at_once(
    recording, client_for
):
    """A Retry-After longer than the policy cap raises RateLimitError on the
    first answer, with retry_after set (the cassette holds one answer)."""
    client = client_for(recording("orders_get__rate_limited"))

    with pytest.raises(flireo.RateLimitError) as caught:
        await client.orders.get(ORDER)

    assert (429, 3600.0) == (caught.value.status, caught.value.retry_after)


async def test_flat_unauthorized_body(recording, client_for):
    """The flat 401 body becomes an AuthenticationError with its message,
    and the API key appears nowhere in it."""
    client = client_for(recording("orders_get__unauthorized"))

    with pytest.raises(flireo.AuthenticationError) as caught:
        await client.orders.get(ORDER)

    assert 401 == caught.value.status
    assert "Invalid or missing API key" in caught.value.message
    assert "test-key" not in str(caught.value)


async def test_html_bad_gateway_is_server_error(recording, client_for):
    """A proxy's HTML 502 page (after retries) is a ServerError, not a
    decode error."""
    client = client_for(recording("phone_numbers_search__bad_gateway_html"))

    with pytest.raises(flireo.ServerError) as caught:
        await client.phone_numbers.search()

    assert (502, None, None) == (
        caught.value.status,
        caught.value.code,
        caught.value.request_id,
    )
