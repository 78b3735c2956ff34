"""
Every public call of both clients, against generated answers: statuses
of every class (1xx and 3xx included), bodies that are random bytes,
random JSON or the recorded answers with members removed, replaced or
retyped, and hostile ``Retry-After`` / ``X-RateLimit-*`` headers.  The
only property: each call ends, in bounded time, in a value or a
``FlireoError`` (API.md §1).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_support import (
    FAST_FUZZ_RETRY,
    answers,
    json_or_none,
    recorded_answers,
    scripted,
    take,
    typed_outcome,
)

import flireo_async as flireo
from flireo_async import Response
from flireo_async.telnyx import TelnyxClient
from flireo_async.testing import MockTransport


pytestmark = pytest.mark.fuzz

BASE = "https://api.example.test"
ID = "550e8400-e29b-41d4-a716-446655440000"
NUMBER = "+31851234567"
GROUP_FIELDS: dict[str, str] = {
    "phone_number_type": "local",
    "name": "Amsterdam Office",
    "business_name": "Example BV",
    "contact_person_first_name": "Anna",
    "contact_person_last_name": "de Vries",
    "contact_person_phone": "+31201234567",
    "street_name": "Damrak",
    "house_number": "1",
    "postal_code": "1012 LG",
    "city": "Amsterdam",
    "province": "Noord-Holland",
}

FlireoCall = Callable[[flireo.FlireoClient], Awaitable[Any]]
TelnyxCall = Callable[[TelnyxClient], Awaitable[Any]]

# Each call, with the recordings its near-valid answers are mutated from.
# An order call also lists orders to reconcile, so it mutates both.
FLIREO_CALLS: dict[str, tuple[FlireoCall, tuple[str, ...]]] = {
    "phone_numbers.search": (
        lambda c: c.phone_numbers.search(limit=5),
        ("phone_numbers_search",),
    ),
    "phone_numbers.list": (
        lambda c: take(c.phone_numbers.list(include_default=True)),
        ("phone_numbers_list",),
    ),
    "phone_numbers.list.pages": (
        lambda c: take(c.phone_numbers.list(page_size=2).pages(), 20),
        ("phone_numbers_list",),
    ),
    "phone_numbers.order": (
        lambda c: c.phone_numbers.order(NUMBER),
        ("phone_numbers_order", "orders_list"),
    ),
    "phone_numbers.order.local": (
        lambda c: c.phone_numbers.order(
            NUMBER, number_type="local", verification_group_id=ID
        ),
        ("phone_numbers_order__local", "orders_list"),
    ),
    "orders.list": (
        lambda c: take(c.orders.list(status="pending")),
        ("orders_list",),
    ),
    "orders.get": (lambda c: c.orders.get(ID), ("orders_get",)),
    "orders.wait": (
        lambda c: c.orders.wait(
            ID, timeout=0.05, poll_interval=0.001, max_interval=0.005
        ),
        ("orders_get", "orders_wait"),
    ),
    "verification_groups.create": (
        lambda c: c.verification_groups.create(**GROUP_FIELDS),
        ("verification_groups_create",),
    ),
    "verification_groups.list": (
        lambda c: take(c.verification_groups.list()),
        ("verification_groups_list",),
    ),
    "verification_groups.get": (
        lambda c: c.verification_groups.get(ID),
        ("verification_groups_get",),
    ),
    "verification_groups.wait": (
        lambda c: c.verification_groups.wait(
            ID, timeout=0.05, poll_interval=0.001, max_interval=0.005
        ),
        ("verification_groups_get", "verification_groups_wait"),
    ),
    "verification_groups.search_numbers": (
        lambda c: c.verification_groups.search_numbers(ID, query="85"),
        ("verification_groups_search_numbers",),
    ),
    "verification_groups.order_number": (
        lambda c: c.verification_groups.order_number(ID, NUMBER),
        ("verification_groups_order_number", "orders_list"),
    ),
    "assistants.get_phone_number": (
        lambda c: c.assistants.get_phone_number(ID),
        ("assistants_get_phone_number",),
    ),
    "assistants.link_phone_number": (
        lambda c: c.assistants.link_phone_number(ID, ID),
        ("assistants_link_phone_number",),
    ),
    "assistants.unlink_phone_number": (
        lambda c: c.assistants.unlink_phone_number(ID),
        ("assistants_unlink_phone_number",),
    ),
    "calls.control": (
        lambda c: c.calls.control(
            "call-1", flireo.Say(content="Hallo", end_after=False)
        ),
        ("assistants_link_phone_number__ok",),
    ),
}

TELNYX_CALLS: dict[str, tuple[TelnyxCall, tuple[str, ...]]] = {
    "available_phone_numbers.search": (
        lambda t: t.available_phone_numbers.search(
            country_code="NL", phone_number_type="national", limit=5
        ),
        ("telnyx_available_phone_numbers_search",),
    ),
    "number_orders.create": (
        lambda t: t.number_orders.create(
            phone_numbers=[NUMBER, "+31851234568"],
            customer_reference="fuzz-1",
        ),
        ("telnyx_number_orders",),
    ),
    "number_orders.list": (
        lambda t: take(t.number_orders.list(status="pending")),
        ("telnyx_number_orders",),
    ),
    "number_orders.list.pages": (
        lambda t: take(t.number_orders.list(page_size=2).pages(), 20),
        ("telnyx_number_orders",),
    ),
    "number_orders.get": (
        lambda t: t.number_orders.get(ID),
        ("telnyx_number_orders_get",),
    ),
    "number_orders.update": (
        lambda t: t.number_orders.update(ID, customer_reference="fuzz-2"),
        ("telnyx_number_orders_get",),
    ),
    "number_orders.wait": (
        lambda t: t.number_orders.wait(
            ID, timeout=0.05, poll_interval=0.001, max_interval=0.005
        ),
        ("telnyx_number_orders_get",),
    ),
    "sub_number_orders.list": (
        lambda t: t.sub_number_orders.list(include_phone_numbers=True),
        ("telnyx_number_orders_get",),
    ),
    "sub_number_orders.get": (
        lambda t: t.sub_number_orders.get(ID),
        ("telnyx_number_orders_get",),
    ),
    "sub_number_orders.update": (
        lambda t: t.sub_number_orders.update(
            ID,
            regulatory_requirements=[
                {"requirement_id": ID, "field_value": "x"}
            ],
        ),
        ("telnyx_number_orders_get",),
    ),
    "sub_number_orders.cancel": (
        lambda t: t.sub_number_orders.cancel(ID),
        ("telnyx_number_orders_get",),
    ),
    "requirement_groups.list": (
        lambda t: t.requirement_groups.list(country_code="NL"),
        ("telnyx_requirement_groups",),
    ),
    "requirement_groups.get": (
        lambda t: t.requirement_groups.get(ID),
        ("telnyx_requirement_groups",),
    ),
    "requirement_groups.create": (
        lambda t: t.requirement_groups.create(
            country_code="NL", phone_number_type="local"
        ),
        ("telnyx_requirement_groups",),
    ),
}


def _seeds(prefixes: tuple[str, ...]) -> list[Response]:
    seeds: list[Response] = []
    for prefix in prefixes:
        seeds.extend(recorded_answers(prefix))
    # One item of a recorded list, bare or wrapped, seeds the calls that
    # read one object (requirement groups are recorded only as a list).
    for seed in list(seeds):
        data = json_or_none(seed.body)
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, list) and data:
            for body in (data[0], {"data": data[0]}):
                seeds.append(
                    Response(
                        status=200,
                        headers=seed.headers,
                        body=orjson.dumps(body),
                    )
                )
    return seeds


def _scripts(prefixes: tuple[str, ...]) -> st.SearchStrategy[list[Any]]:
    return st.lists(answers(_seeds(prefixes)), min_size=1, max_size=5)


def _flireo_case(name: str) -> Any:
    call, prefixes = FLIREO_CALLS[name]

    @given(script=_scripts(prefixes))
    def check(script: list[Any]) -> None:
        async def run() -> Any:
            async with flireo.FlireoClient(
                "fl_fuzz_key",
                base_url=BASE,
                transport=MockTransport(scripted(script)),
                retry=FAST_FUZZ_RETRY,
            ) as client:
                return await call(client)

        typed_outcome(run)

    return check


def _telnyx_case(name: str) -> Any:
    call, prefixes = TELNYX_CALLS[name]

    @given(script=_scripts(prefixes))
    def check(script: list[Any]) -> None:
        async def run() -> Any:
            async with TelnyxClient(
                "KEY_fuzz",
                base_url=BASE,
                transport=MockTransport(scripted(script)),
                retry=FAST_FUZZ_RETRY,
            ) as telnyx:
                return await call(telnyx)

        typed_outcome(run)

    return check


@pytest.mark.parametrize("name", sorted(FLIREO_CALLS))
def test_flireo_call_ends_typed(name: str) -> None:
    """Any answer to a Flireo call gives a value or a FlireoError."""
    _flireo_case(name)()


@pytest.mark.parametrize("name", sorted(TELNYX_CALLS))
def test_telnyx_call_ends_typed(name: str) -> None:
    """Any answer to a Telnyx call gives a value or a FlireoError."""
    _telnyx_case(name)()
