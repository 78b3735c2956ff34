"""
Arguments of the wrong shape are refused with a ``ValidationError``
naming the field, before anything is sent (issue #13): never a bare
``ValueError``, ``AttributeError`` or ``UnicodeEncodeError`` from deep
inside the request path, and never a non-ASCII "digit" posted as E.164.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

import flireo_async as flireo
from flireo_async import Request, Response, ValidationError
from flireo_async._calls import CommandWindow
from flireo_async._core._validation import check_e164, check_seconds
from flireo_async.telnyx import TelnyxClient
from flireo_async.testing import MockTransport


BASE = "http://127.0.0.1:9"
ORDER = "550e8400-e29b-41d4-a716-446655440000"


def _refuse(request: Request) -> Response:
    pytest.fail(f"a request left: {request.method} {request.url}")


@pytest.fixture(name="offline")
async def _offline() -> AsyncIterator[tuple[TelnyxClient, MockTransport]]:
    transport = MockTransport(_refuse)
    async with TelnyxClient(
        "KEY_test", base_url=BASE, transport=transport
    ) as telnyx:
        yield telnyx, transport


@pytest.fixture(name="flireo_offline")
async def _flireo_offline() -> AsyncIterator[
    tuple[flireo.FlireoClient, MockTransport]
]:
    transport = MockTransport(_refuse)
    async with flireo.FlireoClient(
        "fl_test_key", base_url=BASE, transport=transport
    ) as client:
        yield client, transport


async def _refused(
    call: Awaitable[Any], transport: MockTransport, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        await call
    assert field == info.value.field
    assert [] == transport.requests


# -- E.164 is ASCII --------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "+31\uff18\uff15\uff11\uff12\uff13\uff14\uff15\uff16\uff17",
        "+31\u0668\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
        "+31851234\u00b2\u00b3",
        "+3185123456\u0967",
        "+1234567",
    ],
)
def test_e164_refuses_non_ascii_digits_and_short_numbers(number: str) -> None:
    with pytest.raises(ValidationError):
        check_e164("phone_number", number)


@pytest.mark.parametrize("number", ["+12345678", "+318512345671234"])
def test_e164_takes_8_to_15_ascii_digits(number: str) -> None:
    assert number == check_e164("phone_number", number)


async def test_full_width_number_is_not_ordered_from_flireo(
    flireo_offline: tuple[flireo.FlireoClient, MockTransport],
) -> None:
    client, transport = flireo_offline
    await _refused(
        client.phone_numbers.order("+31\uff18\uff15\uff11234567"),
        transport,
        "phone_number",
    )


async def test_full_width_number_is_not_ordered_from_telnyx(
    offline: tuple[TelnyxClient, MockTransport],
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.number_orders.create(
            phone_numbers=["+31\uff18\uff15\uff11234567"]
        ),
        transport,
        "phone_number",
    )


# -- telnyx.number_orders ----------------------------------------------------


@pytest.mark.parametrize(
    "numbers",
    [
        [["+31851234567"]],
        [("+31851234567", "x")],
        [None],
        [31851234567],
        [b"+31851234567"],
        "+31851234567",
        b"+31851234567",
        {"phone_number": "+31851234567"},
        None,
        42,
        [],
        iter(()),
    ],
    ids=repr,
)
async def test_create_refuses_numbers_of_the_wrong_shape(
    offline: tuple[TelnyxClient, MockTransport], numbers: Any
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.number_orders.create(phone_numbers=numbers),
        transport,
        "phone_numbers",
    )


async def test_create_refuses_an_endless_iterable_without_reading_it_all(
    offline: tuple[TelnyxClient, MockTransport],
) -> None:
    telnyx, transport = offline

    def endless() -> Any:
        n = 0
        while True:
            n += 1
            yield f"+3185{n:07d}"

    await _refused(
        telnyx.number_orders.create(phone_numbers=endless()),
        transport,
        "phone_numbers",
    )


async def test_create_names_unknown_keys_of_any_type(
    offline: tuple[TelnyxClient, MockTransport],
) -> None:
    telnyx, transport = offline
    item = {"phone_number": "+31851234567", 1: "x", "color": "blue"}
    await _refused(
        telnyx.number_orders.create(phone_numbers=[item]),
        transport,
        "phone_numbers",
    )


@pytest.mark.parametrize("reference", ["", "  ", 42, "\ud800", ["ref"]])
async def test_create_refuses_a_bad_customer_reference(
    offline: tuple[TelnyxClient, MockTransport], reference: Any
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.number_orders.create(
            phone_numbers=["+31851234567"], customer_reference=reference
        ),
        transport,
        "customer_reference",
    )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"created_after": "2024-01-01"}, "created_after"),
        ({"created_before": 1700000000}, "created_before"),
        ({"requirements_met": "yes"}, "requirements_met"),
        ({"customer_reference": 7}, "customer_reference"),
        ({"status": "lost"}, "status"),
        ({"page_size": 0}, "page_size"),
    ],
)
async def test_list_refuses_bad_filters_at_once(
    offline: tuple[TelnyxClient, MockTransport],
    options: dict[str, Any],
    field: str,
) -> None:
    telnyx, transport = offline
    with pytest.raises(ValidationError) as info:
        telnyx.number_orders.list(**options)
    assert field == info.value.field
    assert [] == transport.requests


async def test_list_takes_datetime_filters(
    offline: tuple[TelnyxClient, MockTransport],
) -> None:
    telnyx, _ = offline
    pager = telnyx.number_orders.list(
        created_after=datetime(2024, 1, 1, tzinfo=UTC),
        requirements_met=True,
    )
    assert isinstance(pager, flireo.AsyncPager)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"customer_reference": 5}, "customer_reference"),
        ({"regulatory_requirements": "abc"}, "regulatory_requirements"),
        ({"regulatory_requirements": ["abc"]}, "regulatory_requirements"),
        ({"regulatory_requirements": [None]}, "regulatory_requirements"),
        (
            {"regulatory_requirements": {"requirement_id": "r"}},
            "regulatory_requirements",
        ),
        (
            {"regulatory_requirements": [{"requirement_id": "r"}]},
            "field_value",
        ),
    ],
)
async def test_update_refuses_bad_values(
    offline: tuple[TelnyxClient, MockTransport],
    options: dict[str, Any],
    field: str,
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.number_orders.update(ORDER, **options), transport, field
    )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": "60"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"timeout": 10**400}, "timeout"),
        ({"poll_interval": math.nan}, "poll_interval"),
        ({"max_interval": -0.5}, "max_interval"),
    ],
)
async def test_wait_refuses_unbounded_or_odd_timeouts(
    offline: tuple[TelnyxClient, MockTransport],
    options: dict[str, Any],
    field: str,
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.number_orders.wait(ORDER, **options), transport, field
    )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"country_code": "nl"}, "country_code"),
        ({"order_request_id": ""}, "order_request_id"),
        ({"phone_number_type": 3}, "phone_number_type"),
        ({"include_phone_numbers": "true"}, "include_phone_numbers"),
    ],
)
async def test_sub_orders_list_refuses_bad_filters(
    offline: tuple[TelnyxClient, MockTransport],
    options: dict[str, Any],
    field: str,
) -> None:
    telnyx, transport = offline
    await _refused(telnyx.sub_number_orders.list(**options), transport, field)


async def test_sub_order_get_refuses_a_non_bool_flag(
    offline: tuple[TelnyxClient, MockTransport],
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.sub_number_orders.get(ORDER, include_phone_numbers=1),
        transport,
        "include_phone_numbers",
    )


async def test_sub_order_update_refuses_non_mapping_items(
    offline: tuple[TelnyxClient, MockTransport],
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.sub_number_orders.update(
            ORDER, regulatory_requirements=[["requirement_id", "x"]]
        ),
        transport,
        "regulatory_requirements",
    )


# -- telnyx.available_phone_numbers and requirement_groups -------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"starts_with": "\uff18\uff15"}, "starts_with"),
        ({"ends_with": "\u0663"}, "ends_with"),
        ({"contains": 85}, "contains"),
        ({"national_destination_code": ["85"]}, "national_destination_code"),
        ({"features": "sms"}, "features"),
        ({"features": None}, "features"),
        ({"locality": 3}, "locality"),
        ({"administrative_area": ""}, "administrative_area"),
        ({"best_effort": "yes"}, "best_effort"),
        ({"quickship": 1}, "quickship"),
        ({"reservable": "no"}, "reservable"),
        ({"exclude_held_numbers": 0}, "exclude_held_numbers"),
        ({"phone_number_type": "landline"}, "phone_number_type"),
    ],
)
async def test_search_refuses_bad_filters(
    offline: tuple[TelnyxClient, MockTransport],
    options: dict[str, Any],
    field: str,
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.available_phone_numbers.search(country_code="NL", **options),
        transport,
        field,
    )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"phone_number_type": "pager"}, "phone_number_type"),
        ({"status": 1}, "status"),
        ({"customer_reference": ""}, "customer_reference"),
        ({"country_code": "NLD"}, "country_code"),
        ({"action": "buying"}, "action"),
    ],
)
async def test_requirement_groups_list_refuses_bad_filters(
    offline: tuple[TelnyxClient, MockTransport],
    options: dict[str, Any],
    field: str,
) -> None:
    telnyx, transport = offline
    await _refused(telnyx.requirement_groups.list(**options), transport, field)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"customer_reference": 12}, "customer_reference"),
        ({"regulatory_requirements": [7]}, "regulatory_requirements"),
    ],
)
async def test_requirement_groups_create_refuses_bad_values(
    offline: tuple[TelnyxClient, MockTransport],
    options: dict[str, Any],
    field: str,
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.requirement_groups.create(
            country_code="NL", phone_number_type="local", **options
        ),
        transport,
        field,
    )


# -- ids that cannot travel --------------------------------------------------


async def test_an_id_with_a_lone_surrogate_is_refused(
    offline: tuple[TelnyxClient, MockTransport],
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.number_orders.get("order-\ud800"), transport, "order_id"
    )


def test_check_seconds_returns_a_float() -> None:
    assert 2.0 == check_seconds("timeout", 2, positive=True)
    assert 0.0 == check_seconds("poll_interval", 0, positive=False)


# -- Flireo resources ---------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.phone_numbers.search(query="\ud800"), "query"),
        (lambda c: c.phone_numbers.search(query=85), "query"),
        (lambda c: c.phone_numbers.search(query=" "), "query"),
        (lambda c: c.orders.wait(ORDER, timeout=math.nan), "timeout"),
        (lambda c: c.orders.wait(ORDER, timeout=math.inf), "timeout"),
        (lambda c: c.orders.wait(ORDER, timeout=-1.0), "timeout"),
        (lambda c: c.orders.wait(ORDER, poll_interval="1"), "poll_interval"),
        (
            lambda c: c.orders.wait(ORDER, max_interval=math.inf),
            "max_interval",
        ),
        (
            lambda c: c.verification_groups.wait(ORDER, timeout=math.nan),
            "timeout",
        ),
        (
            lambda c: c.verification_groups.search_numbers(ORDER, query=[1]),
            "query",
        ),
        (lambda c: c.orders.get("\udc80"), "order_id"),
        (lambda c: c.assistants.get_phone_number("a\ud800"), "assistant_id"),
        (
            lambda c: c.phone_numbers.order(
                "+31851234567", verification_group_id="\ud800"
            ),
            "verification_group_id",
        ),
    ],
)
async def test_flireo_calls_refuse_bad_values(
    flireo_offline: tuple[flireo.FlireoClient, MockTransport],
    call: Callable[[flireo.FlireoClient], Awaitable[Any]],
    field: str,
) -> None:
    client, transport = flireo_offline
    await _refused(call(client), transport, field)


@pytest.mark.parametrize(
    "destination",
    [
        "sip:agent@example.test\x00",
        "sip:agent\x7f@example.test",
        "sip:\u00e9@example.test",
        "sip:agent@example.test\ud800",
        "sip:",
        "+31\uff18\uff15\uff11234567",
    ],
)
def test_transfer_refuses_a_destination_that_cannot_travel(
    destination: str,
) -> None:
    with pytest.raises(ValidationError) as info:
        flireo.Transfer(destination=destination)
    assert "destination" == info.value.field


@pytest.mark.parametrize(
    ("field", "content"), [("content", "\ud800"), ("content", "")]
)
def test_say_refuses_text_that_cannot_be_sent(
    field: str, content: str
) -> None:
    with pytest.raises(ValidationError) as info:
        flireo.Say(content=content, end_after=False)
    assert field == info.value.field


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1.5}, "limit"),
        ({"period": 0}, "period"),
        ({"period": math.inf}, "period"),
        ({"period": math.nan}, "period"),
    ],
)
def test_command_window_refuses_settings_that_never_admit(
    options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        CommandWindow(**options)
    assert field == info.value.field


def test_tool_call_results_refuses_an_event_of_another_type() -> None:
    from flireo_async import events

    with pytest.raises(TypeError):
        events.tool_call_results(None, {})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "field", ["connection_id", "messaging_profile_id", "billing_group_id"]
)
async def test_create_refuses_a_blank_profile_id(
    offline: tuple[TelnyxClient, MockTransport], field: str
) -> None:
    telnyx, transport = offline
    await _refused(
        telnyx.number_orders.create(
            phone_numbers=["+31851234567"], **{field: " "}
        ),
        transport,
        field,
    )


async def test_a_group_create_answer_without_its_id_is_a_decode_error() -> (
    None
):
    def answer(request: Request) -> Response:
        return Response(status=201, body=b'{"data": {"id": 5}}')

    async with flireo.FlireoClient(
        "fl_test_key", base_url=BASE, transport=MockTransport(answer)
    ) as client:
        with pytest.raises(flireo.ResponseDecodeError):
            await client.verification_groups.create(
                phone_number_type="local",
                name="Amsterdam Office",
                business_name="Example BV",
                contact_person_first_name="Anna",
                contact_person_last_name="de Vries",
                contact_person_phone="+31201234567",
                street_name="Damrak",
                house_number="1",
                postal_code="1012 LG",
                city="Amsterdam",
                province="Noord-Holland",
            )
