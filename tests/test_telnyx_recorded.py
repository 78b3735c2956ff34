"""TelnyxClient over recorded exchanges built from the spec's examples."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

import flireo_async as flireo
from flireo_async.telnyx import (
    AvailablePhoneNumber,
    CostInformation,
    Feature,
    NumberOrderStatus,
    PhoneNumberType,
    RegionInformation,
    RequirementGroupStatus,
    TelnyxClient,
)
from flireo_async.testing import RecordedTransport


BASE_URL = "https://api.telnyx.test/v2"
RETRY = flireo.RetryPolicy(initial_delay=0.01, max_delay=0.05)

Recording = Callable[[str], RecordedTransport]


@pytest.fixture(name="telnyx_for")
async def _telnyx_for(
    recording: Recording,
) -> AsyncIterator[Callable[[str], TelnyxClient]]:
    """``telnyx_for(name)``: a client replaying ``telnyx_<name>.json``."""
    clients: list[TelnyxClient] = []

    def make(name: str) -> TelnyxClient:
        client = TelnyxClient(
            "test-key",
            base_url=BASE_URL,
            transport=recording(f"telnyx_{name}"),
            retry=RETRY,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_search_parses_the_documented_answer(
    telnyx_for: Callable[[str], TelnyxClient],
) -> None:
    """Spec §1.3: decimal costs, nested region, features, flags."""
    telnyx = telnyx_for("available_phone_numbers_search__documented")

    found = await telnyx.available_phone_numbers.search(
        country_code="US", features=["sms", "voice"], limit=1
    )

    assert [
        AvailablePhoneNumber(
            phone_number="+19705555098",
            record_type="available_phone_number",
            vanity_format="",
            best_effort=False,
            quickship=True,
            reservable=True,
            region_information=(
                RegionInformation(
                    region_type="country_code", region_name="US"
                ),
            ),
            cost_information=CostInformation(
                upfront_cost=Decimal("3.21"),
                monthly_cost=Decimal("6.54"),
                currency="USD",
            ),
            features=(Feature(name="sms"), Feature(name="voice")),
        )
    ] == found


async def test_documented_error_envelope(
    telnyx_for: Callable[[str], TelnyxClient],
) -> None:
    """Spec §2.1's envelope: InvalidParametersError with every field."""
    telnyx = telnyx_for("number_orders_create__bad_request")

    with pytest.raises(flireo.InvalidParametersError) as info:
        await telnyx.number_orders.create(
            phone_numbers=["+13125550001"], customer_reference="MY REF 001"
        )

    error = info.value
    assert ("10015", 400) == (error.code, error.status)
    assert "Bad Request: You must provide at least 1 phone number." == (
        error.message
    )
    assert [
        {
            "code": "10015",
            "title": "Bad Request",
            "detail": "You must provide at least 1 phone number.",
            "source": {"pointer": "/phone_numbers"},
            "meta": {
                "url": "https://developers.telnyx.com/docs/overview/errors/10015"
            },
        }
    ] == error.details
    assert "3f2b9c1d-6a4e-4f7b-9c2d-1e8a5b7c9d02" == error.request_id


async def test_completed_order_parses(
    telnyx_for: Callable[[str], TelnyxClient],
) -> None:
    """Spec §1.14's order, answered by GET, parses with its numbers."""
    telnyx = telnyx_for("number_orders_get__complete")

    order = await telnyx.number_orders.get(
        "e3dcb7d4-4f0b-4800-bd9f-b04cc684a82f"
    )

    assert (NumberOrderStatus.SUCCESS, 1, True, None) == (
        order.status,
        order.phone_numbers_count,
        order.requirements_met,
        order.customer_reference,
    )
    assert datetime(2024, 9, 13, 9, 12, 19, 728170, tzinfo=UTC) == (
        order.updated_at
    )
    assert order.is_final
    (number,) = order.phone_numbers
    assert ("5fd37101-...", PhoneNumberType.LOCAL, "approved") == (
        number.id,
        number.phone_number_type,
        number.requirements_status,
    )


async def test_429_without_retry_after_is_retried(
    telnyx_for: Callable[[str], TelnyxClient],
) -> None:
    """A 429 carrying only x-ratelimit-reset: the POST goes again."""
    telnyx = telnyx_for("number_orders_create__rate_limited_then_ok")

    order = await telnyx.number_orders.create(
        phone_numbers=["+13125550001"], customer_reference="shop:7"
    )

    assert ("12ade33a-21c0-473b-b055-b3c836e1c292", False) == (
        order.id,
        order.reconciled,
    )
    assert NumberOrderStatus.PENDING == order.status
    assert NumberOrderStatus.SUCCESS == order.phone_numbers[0].status


async def test_timeout_is_reconciled_by_reference(
    telnyx_for: Callable[[str], TelnyxClient],
) -> None:
    """A timed-out POST is found by customer_reference, not re-sent."""
    telnyx = telnyx_for("number_orders_create__timeout_then_reconciled")

    order = await telnyx.number_orders.create(
        phone_numbers=["+13125550001", "+13125550002"],
        customer_reference="shop:8",
    )

    assert ("12ade33a-21c0-473b-b055-b3c836e1c292", True) == (
        order.id,
        order.reconciled,
    )


async def test_requirement_groups_are_a_bare_array(
    telnyx_for: Callable[[str], TelnyxClient],
) -> None:
    """A bare array; no-longer-eligible and unknown statuses are kept."""
    telnyx = telnyx_for("requirement_groups_list__bare")

    groups = await telnyx.requirement_groups.list(country_code="NL")

    assert [
        RequirementGroupStatus.NO_LONGER_ELIGIBLE,
        "awaiting-regulator",
    ] == [g.status for g in groups]
    assert str is type(groups[1].status)
    requirement = groups[0].regulatory_requirements[0]
    assert ("address", datetime(2025, 12, 31, tzinfo=UTC)) == (
        requirement.field_type,
        requirement.expires_at,
    )
