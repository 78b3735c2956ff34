"""
TelnyxClient against the TelnyxSandbox over loopback, and the Telnyx mode
of the sandbox itself (raw HTTP, faults, rate limits, inspection, CLI).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NamedTuple
from urllib.parse import parse_qs, parse_qsl

import aiohttp
import attrs
import pytest
from aiohttp import web
from multidict import CIMultiDict

import flireo_async as flireo
from flireo_async.telnyx import (
    NumberOrderStatus,
    RequirementGroupStatus,
    TelnyxClient,
    parse_number_order_event,
    verify_webhook,
)
from flireo_async.testing.sandbox import (
    TELNYX_ORDER_ROUTES,
    TELNYX_ROUTES,
    Faults,
    SandboxConfig,
    TelnyxSandbox,
    WebhookDelivery,
)
from flireo_async.testing.sandbox.__main__ import build_parser, serve
from flireo_async.testing.sandbox.telnyx._app import TELNYX_ROUTE_TABLE
from flireo_async.testing.sandbox.telnyx._server import DEFAULT_TELNYX_API_KEY


RETRY = flireo.RetryPolicy(initial_delay=0.01, max_delay=0.05)
ADDRESS = "4c5f1c8e-2b7a-4f0e-9a3d-7f1e2a9b6c01"


class Rig(NamedTuple):
    """A running sandbox and a client bound to it."""

    sb: TelnyxSandbox
    telnyx: TelnyxClient


MakeRig = Callable[..., Awaitable[Rig]]


@pytest.fixture(name="make")
async def _make() -> AsyncIterator[MakeRig]:
    """``await make(**config)``: a started sandbox and a client, closed
    after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**overrides: Any) -> Rig:
            options: dict[str, Any] = {"order_completion_delay": 0.05}
            options.update(overrides)
            sb = await stack.enter_async_context(TelnyxSandbox(**options))
            telnyx = await stack.enter_async_context(
                TelnyxClient(sb.api_key, base_url=sb.base_url, retry=RETRY)
            )
            return Rig(sb, telnyx)

        yield make


@pytest.fixture(name="session")
async def _session() -> AsyncIterator[aiohttp.ClientSession]:
    """A raw aiohttp session, to check the sandbox's wire shapes."""
    async with aiohttp.ClientSession() as session:
        yield session


@attrs.frozen
class Reply:
    """One raw answer."""

    status: int
    headers: CIMultiDict[str]
    body: Any


async def call(
    session: aiohttp.ClientSession,
    sb: TelnyxSandbox,
    method: str,
    path: str,
    *,
    auth: bool = True,
    **kwargs: Any,
) -> Reply:
    """Send one raw request to the sandbox's root."""
    headers = {"Authorization": f"Bearer {sb.api_key}"} if auth else {}
    async with session.request(
        method, sb.root_url + path, headers=headers, **kwargs
    ) as response:
        text = await response.text()
        body = (
            await response.json() if "json" in response.content_type else text
        )
        return Reply(response.status, CIMultiDict(response.headers), body)


def routes(sb: TelnyxSandbox) -> list[tuple[str, int | None]]:
    """``(route, status)`` of every logged request."""
    return [(r.route, r.status) for r in sb.request_log]


async def search_numbers(
    telnyx: TelnyxClient, count: int, **filters: Any
) -> list[str]:
    """Search *count* numbers (NL national unless told) and return them."""
    filters.setdefault("country_code", "NL")
    filters.setdefault("phone_number_type", "national")
    found = await telnyx.available_phone_numbers.search(limit=count, **filters)
    assert len(found) == count
    return [n.phone_number for n in found]


# -- search -------------------------------------------------------------------


async def test_search_sends_deep_object_filters(make: MakeRig) -> None:
    """Filters arrive as deepObject keys, features comma-joined."""
    sb, telnyx = await make()

    found = await telnyx.available_phone_numbers.search(
        country_code="NL",
        phone_number_type="national",
        features=["sms", "voice"],
        starts_with="85",
        limit=3,
    )

    assert [
        ("filter[country_code]", "NL"),
        ("filter[features]", "sms,voice"),
        ("filter[limit]", "3"),
        ("filter[phone_number][starts_with]", "85"),
        ("filter[phone_number_type]", "national"),
    ] == parse_qsl(sb.request_log[0].query)
    assert 3 == len(found)
    for number in found:
        assert number.phone_number.startswith("+3185")
        assert {"sms", "voice"} <= {f.name for f in number.features}


async def test_search_by_locality_and_ending(make: MakeRig) -> None:
    """Locality and ends_with narrow the results; costs are Decimals."""
    _, telnyx = await make()

    found = await telnyx.available_phone_numbers.search(
        country_code="NL",
        phone_number_type="local",
        locality="Amsterdam",
        ends_with="7",
        limit=5,
    )

    assert 5 == len(found)
    for number in found:
        assert number.phone_number.startswith("+3120")
        assert number.phone_number.endswith("7")
        assert ("location", "Amsterdam") in {
            (r.region_type, r.region_name) for r in number.region_information
        }
        assert number.cost_information is not None
        assert "USD" == number.cost_information.currency
        assert "1.00" == str(number.cost_information.upfront_cost)


async def test_search_us_numbers_carry_nested_regions(make: MakeRig) -> None:
    """US local numbers name their country, rate center and state."""
    _, telnyx = await make()

    (number,) = await telnyx.available_phone_numbers.search(
        country_code="US", locality="Chicago", limit=1
    )

    assert [
        ("country_code", "US"),
        ("rate_center", "Chicago"),
        ("state", "IL"),
    ] == [(r.region_type, r.region_name) for r in number.region_information]


async def test_search_is_deterministic_per_seed(make: MakeRig) -> None:
    """The same seed offers the same numbers; another seed others."""
    a, _ = await make(seed=7)
    b, _ = await make(seed=7)
    c, _ = await make(seed=8)

    assert a.available_numbers(limit=5) == b.available_numbers(limit=5)
    assert a.available_numbers(limit=5) != c.available_numbers(limit=5)


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"country_code": "nl"}, "country_code"),
        ({"country_code": "NLD"}, "country_code"),
        ({"country_code": "NL", "starts_with": "85*"}, "starts_with"),
        ({"country_code": "NL", "contains": "+31"}, "contains"),
        ({"country_code": "NL", "features": ["telepathy"]}, "features"),
        (
            {"country_code": "NL", "phone_number_type": "landline"},
            "phone_number_type",
        ),
        ({"country_code": "NL", "limit": 0}, "limit"),
    ],
)
async def test_search_validates_before_sending(
    make: MakeRig, filters: dict[str, Any], field: str
) -> None:
    """A filter Telnyx would ignore or mis-read is refused; nothing leaves."""
    sb, telnyx = await make()

    with pytest.raises(flireo.ValidationError) as info:
        await telnyx.available_phone_numbers.search(**filters)

    assert field == info.value.field
    assert [] == sb.request_log


# -- number orders ------------------------------------------------------------


@pytest.mark.parametrize(
    "numbers",
    [
        [],
        "+31851234567",
        ["+31851234567", "+31851234567"],
        ["0851234567"],
        ["+31 85 123 4567"],
        [{"phone_number": "+31851234567", "colour": "blue"}],
    ],
)
async def test_create_validates_before_sending(
    make: MakeRig, numbers: Any
) -> None:
    """Empty, duplicate, non-E.164 or malformed numbers never leave."""
    sb, telnyx = await make()

    with pytest.raises(flireo.ValidationError):
        await telnyx.number_orders.create(phone_numbers=numbers)

    assert [] == sb.request_log


async def test_create_orders_many_numbers_in_one_order(make: MakeRig) -> None:
    """Three numbers of two kinds: one order, one sub-order per kind."""
    sb, telnyx = await make()
    national = await search_numbers(telnyx, 2)
    local = await search_numbers(
        telnyx, 1, phone_number_type="local", locality="Rotterdam"
    )

    order = await telnyx.number_orders.create(
        phone_numbers=national + local, customer_reference="shop:1"
    )

    assert NumberOrderStatus.PENDING == order.status
    assert "shop:1" == order.customer_reference
    assert 3 == order.phone_numbers_count
    assert national + local == [n.phone_number for n in order.phone_numbers]
    assert 2 == len(order.sub_number_orders_ids)
    assert ["national", "national", "local"] == [
        n.phone_number_type for n in order.phone_numbers
    ]
    assert {"NL"} == {n.country_code for n in order.phone_numbers}
    assert not order.reconciled
    assert dict.fromkeys(national + local, 1) == sb.order_counts()
    assert [order.id] == [o["id"] for o in sb.orders_with_reference("shop:1")]


async def test_create_generates_a_reference(make: MakeRig) -> None:
    """Without a reference the SDK sends its own, unique one."""
    _, telnyx = await make()
    first, second = await search_numbers(telnyx, 2)

    a = await telnyx.number_orders.create(phone_numbers=[first])
    b = await telnyx.number_orders.create(phone_numbers=[second])

    assert a.customer_reference is not None
    assert a.customer_reference.startswith("flireo-async:")
    assert a.customer_reference != b.customer_reference


async def test_get_and_wait_until_success(make: MakeRig) -> None:
    """An order is pending, then success with every number success."""
    sb, telnyx = await make()
    numbers = await search_numbers(telnyx, 2)
    order = await telnyx.number_orders.create(phone_numbers=numbers)

    pending = await telnyx.number_orders.get(order.id)
    done = await telnyx.number_orders.wait(
        order.id, poll_interval=0.01, timeout=5
    )

    assert NumberOrderStatus.PENDING == pending.status
    assert NumberOrderStatus.SUCCESS == done.status
    assert [NumberOrderStatus.SUCCESS] * 2 == [
        n.status for n in done.phone_numbers
    ]
    assert done.requirements_met is True
    assert ["success"] == [o["status"] for o in sb.orders_for(numbers[0])]


async def test_seeded_failure_puts_numbers_back(make: MakeRig) -> None:
    """A failed order fails every number and frees them for a new order."""
    sb, telnyx = await make(order_failure_rate=1.0)
    numbers = await search_numbers(telnyx, 1)
    order = await telnyx.number_orders.create(phone_numbers=numbers)

    done = await telnyx.number_orders.wait(
        order.id, poll_interval=0.01, timeout=5
    )
    again = await telnyx.number_orders.create(phone_numbers=numbers)

    assert NumberOrderStatus.FAILURE == done.status
    assert [NumberOrderStatus.FAILURE] == [
        n.status for n in done.phone_numbers
    ]
    assert ["failure", "pending"] == [
        o["status"] for o in sb.orders_for(numbers[0])
    ]
    assert again.id != order.id


async def test_list_paginates_across_pages(make: MakeRig) -> None:
    """page[number]/page[size] walk every order, newest first."""
    sb, telnyx = await make()
    numbers = await search_numbers(telnyx, 5)
    ids = [
        (await telnyx.number_orders.create(phone_numbers=[n])).id
        for n in numbers
    ]

    items = [o async for o in telnyx.number_orders.list(page_size=2)]
    pages = [p async for p in telnyx.number_orders.list(page_size=2).pages()]

    assert ids[::-1] == [o.id for o in items]
    assert [2, 2, 1] == [len(p.items) for p in pages]
    assert [(5, 2, 0), (5, 2, 2), (5, 2, 4)] == [
        (p.total, p.limit, p.offset) for p in pages
    ]
    # List items carry only {id, phone_number} per number.
    assert {None} == {n.status for o in items for n in o.phone_numbers}
    queries = [
        parse_qs(r.query)
        for r in sb.request_log
        if r.route == "list_number_orders"
    ]
    assert [["1"], ["2"], ["3"]] == [q["page[number]"] for q in queries[:3]]
    assert {"2"} == {q["page[size]"][0] for q in queries}


async def test_list_filters(make: MakeRig) -> None:
    """Reference (exact), status and created_at filters select orders."""
    _, telnyx = await make(order_completion_delay=60)
    numbers = await search_numbers(telnyx, 3)
    orders = [
        await telnyx.number_orders.create(
            phone_numbers=[n], customer_reference=ref
        )
        for n, ref in zip(
            numbers, ["shop:1", "shop:10", "shop:1x"], strict=True
        )
    ]
    first, second, third = orders

    by_ref = await telnyx.number_orders.list(
        customer_reference="shop:1"
    ).collect()
    after = await telnyx.number_orders.list(
        created_after=first.created_at
    ).collect()
    before = await telnyx.number_orders.list(
        created_before=third.created_at
    ).collect()
    done = await telnyx.number_orders.list(status="success").collect()
    pending = await telnyx.number_orders.list(status="pending").collect()

    assert [first.id] == [o.id for o in by_ref]
    assert [third.id, second.id] == [o.id for o in after]
    assert [second.id, first.id] == [o.id for o in before]
    assert [] == done
    assert 3 == len(pending)


async def test_update_reference_and_requirements(make: MakeRig) -> None:
    """A Dutch local number waits for its address, then completes."""
    sb, telnyx = await make()
    numbers = await search_numbers(
        telnyx, 1, phone_number_type="local", locality="Utrecht"
    )
    order = await telnyx.number_orders.create(phone_numbers=numbers)
    (requirement,) = sb.requirements_for("NL", "local")

    updated = await telnyx.number_orders.update(
        order.id,
        customer_reference="shop:renamed",
        regulatory_requirements=[
            {
                "requirement_id": requirement["requirement_id"],
                "field_value": "a1",
            }
        ],
    )
    done = await telnyx.number_orders.wait(
        order.id, poll_interval=0.01, timeout=5
    )

    assert order.requirements_met is False
    assert order.phone_numbers[0].deadline is not None
    assert (
        "requirement-info-pending"
        == order.phone_numbers[0].requirements_status
    )
    assert "shop:renamed" == updated.customer_reference
    assert updated.requirements_met is True
    assert (
        "a1" == updated.phone_numbers[0].regulatory_requirements[0].field_value
    )
    assert NumberOrderStatus.SUCCESS == done.status


async def test_update_after_requirements_met_is_refused(make: MakeRig) -> None:
    """85003: requirement values cannot change once all are met."""
    _, telnyx = await make()
    numbers = await search_numbers(telnyx, 1)
    order = await telnyx.number_orders.create(phone_numbers=numbers)

    with pytest.raises(flireo.BadRequestError) as info:
        await telnyx.number_orders.update(
            order.id,
            regulatory_requirements=[
                {"requirement_id": ADDRESS, "field_value": "x"}
            ],
        )

    assert ("85003", 422) == (info.value.code, info.value.status)


async def test_update_needs_something_to_change(make: MakeRig) -> None:
    """An empty update is refused before sending."""
    sb, telnyx = await make()

    with pytest.raises(flireo.ValidationError):
        await telnyx.number_orders.update("some-order")

    assert [] == sb.request_log


# -- sub-number orders --------------------------------------------------------


async def test_sub_orders_one_per_country_and_type(make: MakeRig) -> None:
    """NL national, NL local and US local numbers make three sub-orders."""
    _, telnyx = await make(order_completion_delay=60)
    national = await search_numbers(telnyx, 2)
    local = await search_numbers(
        telnyx, 1, phone_number_type="local", locality="Amsterdam"
    )
    us = await search_numbers(
        telnyx, 1, country_code="US", phone_number_type="local"
    )
    order = await telnyx.number_orders.create(
        phone_numbers=national + local + us
    )

    subs = await telnyx.sub_number_orders.list(
        order_request_id=order.id, include_phone_numbers=True
    )
    bare = await telnyx.sub_number_orders.list(order_request_id=order.id)
    local_only = await telnyx.sub_number_orders.list(
        country_code="NL", phone_number_type="local"
    )

    assert order.sub_number_orders_ids == tuple(s.id for s in subs)
    assert [("NL", "national", 2), ("NL", "local", 1), ("US", "local", 1)] == [
        (s.country_code, s.phone_number_type, s.phone_numbers_count)
        for s in subs
    ]
    assert [national, local, us] == [
        [n.phone_number for n in s.phone_numbers] for s in subs
    ]
    assert [(), (), ()] == [s.phone_numbers for s in bare]
    assert [subs[1].id] == [s.id for s in local_only]
    assert [ADDRESS] == [
        r.requirement_id for r in subs[1].regulatory_requirements
    ]
    assert {order.id} == {s.order_request_id for s in subs}


async def test_sub_order_get_update_and_cancel(make: MakeRig) -> None:
    """A pending sub-order is read, given values, and cancelled."""
    sb, telnyx = await make(order_completion_delay=60)
    numbers = await search_numbers(
        telnyx, 1, phone_number_type="local", locality="Amsterdam"
    )
    order = await telnyx.number_orders.create(phone_numbers=numbers)
    (sub_id,) = order.sub_number_orders_ids

    sub = await telnyx.sub_number_orders.get(
        sub_id, include_phone_numbers=True
    )
    updated = await telnyx.sub_number_orders.update(
        sub_id,
        regulatory_requirements=[
            {"requirement_id": ADDRESS, "field_value": "addr"}
        ],
    )
    cancelled = await telnyx.sub_number_orders.cancel(sub_id)
    parent = await telnyx.number_orders.get(order.id)
    with pytest.raises(flireo.InvalidParametersError) as info:
        await telnyx.sub_number_orders.cancel(sub_id)
    again = await telnyx.number_orders.create(phone_numbers=numbers)

    assert numbers == [n.phone_number for n in sub.phone_numbers]
    assert sub.requirements_met is False
    assert updated.requirements_met is True
    assert NumberOrderStatus.CANCELLED == cancelled.status
    assert NumberOrderStatus.CANCELLED == parent.status
    assert ("10015", 400) == (info.value.code, info.value.status)
    assert ["cancelled", "pending"] == [
        o["status"] for o in sb.orders_for(numbers[0])
    ]
    assert again.id != order.id


async def test_sub_orders_complete_independently(make: MakeRig) -> None:
    """One sub-order settles while another waits; the order then mixes."""
    _, telnyx = await make(order_completion_delay=0)
    national = await search_numbers(telnyx, 1)
    local = await search_numbers(
        telnyx, 1, phone_number_type="local", locality="Amsterdam"
    )
    order = await telnyx.number_orders.create(phone_numbers=national + local)

    halfway = await telnyx.number_orders.get(order.id)
    await telnyx.sub_number_orders.cancel(order.sub_number_orders_ids[1])
    done = await telnyx.number_orders.get(order.id)
    succeeded = await telnyx.sub_number_orders.list(
        order_request_id=order.id, status="success"
    )

    assert NumberOrderStatus.PENDING == halfway.status
    assert ["success", "pending"] == [n.status for n in halfway.phone_numbers]
    # A completed order can mix outcomes: read the per-number statuses.
    assert NumberOrderStatus.SUCCESS == done.status
    assert ["success", "cancelled"] == [n.status for n in done.phone_numbers]
    assert [order.sub_number_orders_ids[0]] == [s.id for s in succeeded]


async def test_unknown_sub_order_is_not_found(make: MakeRig) -> None:
    """A sub-order id that does not exist is 404 10005."""
    _, telnyx = await make()

    with pytest.raises(flireo.NotFoundError) as info:
        await telnyx.sub_number_orders.get("missing")

    assert ("10005", 404) == (info.value.code, info.value.status)


# -- requirement groups -------------------------------------------------------


async def test_requirement_groups_are_bare(make: MakeRig) -> None:
    """Create, get and list answer bare objects and a bare array."""
    sb, telnyx = await make()

    group = await telnyx.requirement_groups.create(
        country_code="NL",
        phone_number_type="local",
        customer_reference="kyc:1",
        regulatory_requirements=[
            {"requirement_id": ADDRESS, "field_value": "addr-1"}
        ],
    )
    other = await telnyx.requirement_groups.create(
        country_code="NL", phone_number_type="national"
    )
    fetched = await telnyx.requirement_groups.get(group.id)
    everything = await telnyx.requirement_groups.list()
    local = await telnyx.requirement_groups.list(
        country_code="NL", phone_number_type="local", action="ordering"
    )

    assert RequirementGroupStatus.UNAPPROVED == group.status
    assert group == fetched
    assert [group, other] == everything
    assert [group] == local
    assert "addr-1" == group.regulatory_requirements[0].field_value
    raw = [r for r in sb.request_log if r.route == "list_requirement_groups"]
    assert ("filter[phone_number_type]", "local") in parse_qsl(raw[-1].query)


@pytest.mark.parametrize(
    "status",
    [RequirementGroupStatus.NO_LONGER_ELIGIBLE, "superseded-by-new-rules"],
)
async def test_group_statuses_are_open_enums(
    make: MakeRig, status: str
) -> None:
    """no-longer-eligible is a member; an unknown status stays a string."""
    sb, telnyx = await make()
    group = await telnyx.requirement_groups.create(
        country_code="NL", phone_number_type="national"
    )

    sb.set_requirement_group_status(group.id, str(status))
    fetched = await telnyx.requirement_groups.get(group.id)
    listed = await telnyx.requirement_groups.list(status=str(status))

    assert status == fetched.status
    assert type(status) is type(fetched.status)
    assert [group.id] == [g.id for g in listed]


async def test_order_with_a_requirement_group(make: MakeRig) -> None:
    """A group's values meet the numbers' requirements at once."""
    _, telnyx = await make()
    group = await telnyx.requirement_groups.create(
        country_code="NL",
        phone_number_type="local",
        regulatory_requirements=[
            {"requirement_id": ADDRESS, "field_value": "addr-2"}
        ],
    )
    (number,) = await search_numbers(
        telnyx, 1, phone_number_type="local", locality="Amsterdam"
    )

    order = await telnyx.number_orders.create(
        phone_numbers=[
            {"phone_number": number, "requirement_group_id": group.id}
        ]
    )
    done = await telnyx.number_orders.wait(
        order.id, poll_interval=0.01, timeout=5
    )

    assert order.requirements_met is True
    assert NumberOrderStatus.SUCCESS == done.status


@pytest.mark.parametrize(
    "case", ["no-longer-eligible", "wrong-type", "missing"]
)
async def test_unusable_group_is_refused(make: MakeRig, case: str) -> None:
    """A group that cannot apply to the number refuses the whole order."""
    sb, telnyx = await make()
    group = await telnyx.requirement_groups.create(
        country_code="NL",
        phone_number_type="national" if case == "wrong-type" else "local",
    )
    if case == "no-longer-eligible":
        sb.set_requirement_group_status(group.id, case)
    group_id = "no-such-group" if case == "missing" else group.id
    (number,) = await search_numbers(
        telnyx, 1, phone_number_type="local", locality="Amsterdam"
    )

    with pytest.raises(flireo.InvalidParametersError) as info:
        await telnyx.number_orders.create(
            phone_numbers=[
                {"phone_number": number, "requirement_group_id": group_id}
            ]
        )

    # 10015 is a 400 (spec §2.2), as the only reason here.
    assert ("10015", 400) == (info.value.code, info.value.status)
    assert (
        "/phone_numbers/0/requirement_group_id"
        == (info.value.details[0]["source"]["pointer"])
    )
    assert {} == sb.order_counts()


async def test_unknown_group_is_not_found(make: MakeRig) -> None:
    """A requirement group that does not exist is 404 10005."""
    _, telnyx = await make()

    with pytest.raises(flireo.NotFoundError):
        await telnyx.requirement_groups.get("missing")


# -- error mapping ------------------------------------------------------------


async def test_empty_order_is_invalid_parameters(make: MakeRig) -> None:
    """The server's 10015 envelope becomes InvalidParametersError."""
    _, telnyx = await make()

    with pytest.raises(flireo.InvalidParametersError) as info:
        # The SDK refuses an empty list itself; send one to see the server.
        await telnyx._call(
            "POST", "/number_orders", json={"phone_numbers": []}
        )

    error = info.value
    assert ("10015", 400) == (error.code, error.status)
    assert "Bad Request: You must provide at least 1 phone number." == (
        error.message
    )
    assert {"pointer": "/phone_numbers"} == error.details[0]["source"]


async def test_non_e164_numbers_are_invalid_parameters(make: MakeRig) -> None:
    """Every bad number is one errors[] entry, all kept in details."""
    _, telnyx = await make()

    with pytest.raises(flireo.InvalidParametersError) as info:
        await telnyx._call(
            "POST",
            "/number_orders",
            json={
                "phone_numbers": [
                    {"phone_number": "0851234567"},
                    {"phone_number": "+31-85"},
                ]
            },
        )

    error = info.value
    assert ("10016", 422) == (error.code, error.status)
    assert ["10016", "10016"] == [d["code"] for d in error.details]
    assert [
        "/phone_numbers/0/phone_number",
        "/phone_numbers/1/phone_number",
    ] == [d["source"]["pointer"] for d in error.details]


async def test_taken_numbers_are_already_in_use(make: MakeRig) -> None:
    """85001 names every taken number; no second order is placed."""
    sb, telnyx = await make()
    numbers = await search_numbers(telnyx, 3)
    await telnyx.number_orders.create(phone_numbers=numbers[:2])

    with pytest.raises(flireo.AlreadyInUseError) as info:
        await telnyx.number_orders.create(phone_numbers=numbers)

    assert ("85001", 422) == (info.value.code, info.value.status)
    assert ["/phone_numbers/0", "/phone_numbers/1"] == [
        d["source"]["pointer"] for d in info.value.details
    ]
    assert dict.fromkeys(numbers[:2], 1) == sb.order_counts()


async def test_unsearched_number_is_refused(make: MakeRig) -> None:
    """85000: a number no search returned cannot be ordered."""
    sb, telnyx = await make()
    (peeked,) = sb.available_numbers(limit=1)

    with pytest.raises(flireo.InvalidParametersError) as info:
        await telnyx.number_orders.create(
            phone_numbers=[peeked, "+31850000000"]
        )

    assert "85000" == info.value.code
    assert 2 == len(info.value.details)


async def test_unknown_order_is_not_found(make: MakeRig) -> None:
    """10005 with 404 becomes NotFoundError."""
    _, telnyx = await make()

    with pytest.raises(flireo.NotFoundError) as info:
        await telnyx.number_orders.get("8b0f3f0e-0000-4000-8000-000000000000")

    assert ("10005", 404) == (info.value.code, info.value.status)
    assert info.value.request_id is not None


async def test_wrong_key_is_authentication_error(make: MakeRig) -> None:
    """401 10009 becomes AuthenticationError."""
    sb, _ = await make()

    async with TelnyxClient("wrong", base_url=sb.base_url) as telnyx:
        with pytest.raises(flireo.AuthenticationError) as info:
            await telnyx.number_orders.get("any")

    assert ("10009", 401) == (info.value.code, info.value.status)
    assert "Authentication failed" in info.value.message


# -- rate limits --------------------------------------------------------------


async def test_429_has_no_retry_after(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """Telnyx's 429: code 10011, x-ratelimit-* headers, no Retry-After."""
    sb, _ = await make(rate_limit=2, rate_window=30)

    first = await call(session, sb, "GET", "/v2/requirement_groups")
    await call(session, sb, "GET", "/v2/requirement_groups")
    third = await call(session, sb, "GET", "/v2/requirement_groups")

    assert ("2", "1") == (
        first.headers["x-ratelimit-limit"],
        first.headers["x-ratelimit-remaining"],
    )
    # Seconds until the clock-aligned window ends.
    assert 0 <= int(first.headers["x-ratelimit-reset"]) <= 30
    assert 429 == third.status
    assert "0" == third.headers["x-ratelimit-remaining"]
    assert "Retry-After" not in third.headers
    assert ("10011", "Too many requests") == (
        third.body["errors"][0]["code"],
        third.body["errors"][0]["title"],
    )


async def test_429_waits_for_the_reset_seconds(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """The 429's x-ratelimit-reset is the wait; the retry then succeeds."""
    sb, telnyx = await make(rate_limit=1, rate_window=0.5)
    await call(session, sb, "GET", "/v2/requirement_groups")
    async with TelnyxClient(
        sb.api_key,
        base_url=sb.base_url,
        retry=flireo.RetryPolicy(max_attempts=1),
    ) as once:
        with pytest.raises(flireo.RateLimitError) as info:
            await once.requirement_groups.list()

    groups = await telnyx.requirement_groups.list()

    # Whole seconds even for a window shorter than one.
    assert 1 == info.value.retry_after
    assert "retry-after" not in info.value.headers
    assert [] == groups
    # The window outlasts these requests by far: the client's first try
    # meets the same exhausted window, waits its reset, and gets in.
    assert [200, 429, 429, 200] == [r.status for r in sb.request_log]


async def test_burst_fault_is_a_telnyx_429(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """A burst fault answers 429 with the reset seconds, no Retry-After."""
    sb, _ = await make(
        faults=Faults(rate_limit_burst_rate=1.0, burst_retry_after=2),
        rate_limit=100,
    )

    reply = await call(session, sb, "GET", "/v2/number_orders")

    assert 429 == reply.status
    assert ("100", "0", "2") == (
        reply.headers["x-ratelimit-limit"],
        reply.headers["x-ratelimit-remaining"],
        reply.headers["x-ratelimit-reset"],
    )
    assert "Retry-After" not in reply.headers
    assert "10011" == reply.body["errors"][0]["code"]
    assert "rate_limit_burst" == sb.request_log[0].fault


# -- exactly once -------------------------------------------------------------


async def test_dropped_answer_is_reconciled(make: MakeRig) -> None:
    """Placed but unanswered: found by reference, never ordered twice."""
    sb, telnyx = await make(
        faults=Faults(drop_after_commit_rate=1.0, apply_to="orders")
    )
    numbers = await search_numbers(telnyx, 2)

    order = await telnyx.number_orders.create(
        phone_numbers=numbers, customer_reference="shop:42"
    )

    assert order.reconciled is True
    assert [order.id] == [o["id"] for o in sb.orders_with_reference("shop:42")]
    assert dict.fromkeys(numbers, 1) == sb.order_counts()
    assert [
        ("search_available_phone_numbers", 200),
        ("create_number_order", None),
        ("list_number_orders", 200),
    ] == routes(sb)
    assert "drop_after_commit" == sb.request_log[1].fault
    assert ["shop:42"] == parse_qs(sb.request_log[2].query)[
        "filter[customer_reference]"
    ]


async def test_timeout_after_accept_is_reconciled(make: MakeRig) -> None:
    """Spec §0.3's duplicate purchase: placed, answered too late, found."""
    sb, _ = await make(
        faults=Faults(slow_rate=1.0, slow_seconds=0.5, apply_to="orders")
    )
    async with TelnyxClient(
        sb.api_key, base_url=sb.base_url, retry=RETRY, timeout=0.1
    ) as telnyx:
        numbers = await search_numbers(telnyx, 2)

        order = await telnyx.number_orders.create(phone_numbers=numbers)

    assert order.reconciled is True
    assert dict.fromkeys(numbers, 1) == sb.order_counts()
    # The log is in completion order; the slow POST may still be holding
    # its answer, so only the lookup is certain to be there.
    assert "list_number_orders" in {r.route for r in sb.request_log}


@pytest.mark.parametrize(
    ("faults", "first_status"),
    [
        (Faults(error_rate=0.5, apply_to="orders"), 503),
        (Faults(drop_before_commit_rate=0.5, apply_to="orders"), None),
    ],
)
async def test_failure_before_commit_is_resent_once(
    make: MakeRig, faults: Faults, first_status: int | None
) -> None:
    """Not placed: the lookup finds nothing, the POST goes once more."""
    # Seed 1 faults the first order POST and spares the second.
    sb, telnyx = await make(seed=1, faults=faults)
    numbers = await search_numbers(telnyx, 2)

    order = await telnyx.number_orders.create(phone_numbers=numbers)

    assert order.reconciled is False
    assert dict.fromkeys(numbers, 1) == sb.order_counts()
    assert [
        ("search_available_phone_numbers", 200),
        ("create_number_order", first_status),
        ("list_number_orders", 200),
        ("create_number_order", 200),
    ] == routes(sb)


async def test_outcome_unknown_when_lookup_fails(make: MakeRig) -> None:
    """Placed, unanswered, and the list fails: the SDK does not guess."""
    # Seed 11: the POST is dropped after commit, the three list
    # attempts answer 5xx.
    sb, telnyx = await make(
        seed=11,
        faults=Faults(
            error_rate=0.5,
            drop_after_commit_rate=0.5,
            apply_to={"create_number_order", "list_number_orders"},
        ),
    )
    numbers = await search_numbers(telnyx, 1)

    with pytest.raises(flireo.OrderOutcomeUnknownError):
        await telnyx.number_orders.create(phone_numbers=numbers)

    assert dict.fromkeys(numbers, 1) == sb.order_counts()
    assert ["drop_after_commit"] + ["error"] * 3 == [
        (r.fault or "").split("_5")[0] for r in sb.request_log[1:]
    ]


# -- webhooks -----------------------------------------------------------------


class Receiver:
    """A loopback webhook receiver answering the given statuses in turn."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.received: asyncio.Queue[tuple[bytes, dict[str, str]]]
        self.received = asyncio.Queue()

    async def handle(self, request: web.Request) -> web.Response:
        await self.received.put((await request.read(), dict(request.headers)))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else 200
        return web.Response(status=status)


@pytest.fixture(name="receiver")
async def _receiver() -> AsyncIterator[
    Callable[..., Awaitable[tuple[Receiver, str]]]
]:
    """``await receiver(*statuses)``: a running receiver and its URL."""
    runners: list[web.AppRunner] = []

    async def start(*statuses: int) -> tuple[Receiver, str]:
        receiver = Receiver(*statuses)
        app = web.Application()
        app.router.add_post("/hook", receiver.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return receiver, f"http://127.0.0.1:{port}/hook"

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_completed_order_sends_signed_webhook(
    make: MakeRig, receiver: Callable[..., Awaitable[tuple[Receiver, str]]]
) -> None:
    """number_order.complete arrives, Ed25519-signed, with the order."""
    hook, url = await receiver(200)
    sb, telnyx = await make(webhook_url=url)
    numbers = await search_numbers(telnyx, 2)
    order = await telnyx.number_orders.create(phone_numbers=numbers)

    body, headers = await asyncio.wait_for(hook.received.get(), 10)
    verify_webhook(body, headers, public_key=sb.webhook_public_key)
    event = parse_number_order_event(body)

    assert "number_order.complete" == event.event_type
    assert (order.id, NumberOrderStatus.SUCCESS) == (
        event.payload.id,
        event.payload.status,
    )
    assert numbers == [n.phone_number for n in event.payload.phone_numbers]
    assert 1 == event.attempt
    assert [WebhookDelivery(event.id, order.id, 1, 200)] == (
        sb.webhook_deliveries
    )


async def test_webhook_is_retried_with_the_same_event_id(
    make: MakeRig, receiver: Callable[..., Awaitable[tuple[Receiver, str]]]
) -> None:
    """A 500 from the receiver gets the event again, attempt 2, same id."""
    hook, url = await receiver(500, 200)
    sb, telnyx = await make()
    sb.webhook_url = url
    numbers = await search_numbers(telnyx, 1)
    await telnyx.number_orders.create(phone_numbers=numbers)

    first, _ = await asyncio.wait_for(hook.received.get(), 10)
    second, _ = await asyncio.wait_for(hook.received.get(), 10)
    events = [parse_number_order_event(b) for b in (first, second)]

    assert [1, 2] == [e.attempt for e in events]
    assert events[0].id == events[1].id
    assert [500, 200] == [d.status for d in sb.webhook_deliveries]


async def test_unreachable_webhook_is_logged(make: MakeRig) -> None:
    """A receiver that refuses connections: every attempt is logged."""
    # Bound but not listening: connections to it are refused.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        sb, telnyx = await make(webhook_url=f"http://127.0.0.1:{port}/hook")
        numbers = await search_numbers(telnyx, 1)
        order = await telnyx.number_orders.create(phone_numbers=numbers)

        async def three_attempts() -> None:
            while len(sb.webhook_deliveries) < 3:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(three_attempts(), 10)

    assert [(order.id, 1, None), (order.id, 2, None), (order.id, 3, None)] == [
        (d.order_id, d.attempt, d.status) for d in sb.webhook_deliveries
    ]
    assert all(d.error for d in sb.webhook_deliveries)


def test_webhook_key_is_seeded_and_signs() -> None:
    """The key pair follows the seed; sign_webhook verifies."""
    a, b = TelnyxSandbox(seed=3), TelnyxSandbox(seed=3)
    body = b'{"data":{}}'

    headers = a.sign_webhook(body, timestamp=1_700_000_000)
    verify_webhook(
        body, headers, public_key=b.webhook_public_key, now=1_700_000_000
    )

    assert a.webhook_public_key == b.webhook_public_key
    assert a.webhook_public_key != TelnyxSandbox(seed=4).webhook_public_key
    assert "1700000000" == headers["telnyx-timestamp"]


# -- the sandbox's wire shapes ------------------------------------------------


def test_route_names_are_the_handlers() -> None:
    """TELNYX_ROUTES lists the served routes plus "unknown"."""
    names = {handler.__name__ for _, _, handler, _ in TELNYX_ROUTE_TABLE}

    assert names | {"unknown"} == TELNYX_ROUTES
    assert TELNYX_ORDER_ROUTES < TELNYX_ROUTES


def test_config_and_repr() -> None:
    """Default key, overrides, and where it listens."""
    sb = TelnyxSandbox(SandboxConfig(seed=3), seed=4)

    assert DEFAULT_TELNYX_API_KEY == TelnyxSandbox().api_key
    assert (4, "fl_test_sandbox") == (sb.config.seed, sb.api_key)
    assert "<TelnyxSandbox not started>" == repr(sb)
    with pytest.raises(RuntimeError):
        _ = sb.base_url


async def test_base_url_ends_in_v2(make: MakeRig) -> None:
    """The SDK appends /number_orders to base_url."""
    sb, _ = await make()

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v2", sb.base_url)
    assert f"<TelnyxSandbox {sb.base_url}>" == repr(sb)


async def test_restart_after_stop(make: MakeRig) -> None:
    """A stopped sandbox starts again; starting twice is refused."""
    sb, _ = await make()
    with pytest.raises(RuntimeError):
        await sb.start()

    await sb.stop()
    await sb.stop()
    await sb.start()

    assert sb.port > 0


@pytest.mark.parametrize(
    ("method", "path", "auth", "status", "code"),
    [
        ("GET", "/v2/number_orders", False, 401, "10009"),
        # Not served: a 501, never the 404 of a missing resource.
        ("GET", "/v2/nope", True, 501, "10007"),
        ("DELETE", "/v2/number_orders", True, 501, "10007"),
        ("GET", "/v2/available_phone_numbers", True, 400, "10004"),
        (
            "GET",
            "/v2/available_phone_numbers?filter[country_code]=nl",
            True,
            400,
            "10015",
        ),
        (
            "GET",
            "/v2/available_phone_numbers?filter[country_code]=NL"
            "&filter[features]=sms,telepathy",
            True,
            422,
            "10032",
        ),
        (
            "GET",
            "/v2/available_phone_numbers?filter[country_code]=NL"
            "&filter[quickship]=maybe",
            True,
            400,
            "10015",
        ),
        ("GET", "/v2/number_orders?filter[status]=done", True, 422, "10032"),
        ("GET", "/v2/number_orders?page[size]=0", True, 422, "10033"),
        ("GET", "/v2/number_orders?page[size]=x", True, 400, "10015"),
        (
            "GET",
            "/v2/number_orders?filter[created_at][gt]=yesterday",
            True,
            400,
            "10015",
        ),
        (
            "GET",
            "/v2/number_orders?filter[requirements_met]=maybe",
            True,
            400,
            "10015",
        ),
        ("GET", "/v2/sub_number_orders?filter[status]=x", True, 422, "10032"),
        ("PATCH", "/v2/number_orders/none", True, 404, "10005"),
        ("PATCH", "/v2/sub_number_orders/none/cancel", True, 404, "10005"),
        (
            "POST",
            "/v2/requirement_groups/none/submit_for_approval",
            True,
            404,
            "10005",
        ),
    ],
)
async def test_error_envelopes(
    make: MakeRig,
    session: aiohttp.ClientSession,
    method: str,
    path: str,
    auth: bool,
    status: int,
    code: str,
) -> None:
    """Every refusal is the errors[] envelope with its documented code."""
    sb, _ = await make()

    reply = await call(session, sb, method, path, auth=auth)

    assert (status, code) == (reply.status, reply.body["errors"][0]["code"])
    error = reply.body["errors"][0]
    assert {"code", "title", "detail", "meta"} <= error.keys()
    assert error["meta"]["url"].endswith(f"/errors/{code}")


@pytest.mark.parametrize(
    ("body", "status", "codes"),
    [
        (b"{not json", 400, ["10015"]),
        (b"[1, 2]", 400, ["10015"]),
        (b"", 400, ["10015"]),
        (b'{"phone_numbers": "+31851234567"}', 400, ["10015"]),
        (b'{"phone_numbers": ["+31851234567"]}', 422, ["10016"]),
        (
            b'{"phone_numbers": [{"phone_number": "+31851234567",'
            b' "bundle_id": 5}, {"phone_number": "x"}]}',
            422,
            ["10015", "10016"],
        ),
        (
            b'{"phone_numbers": [{"phone_number": "+31851234567"}],'
            b' "customer_reference": 5}',
            400,
            ["10015"],
        ),
    ],
)
async def test_malformed_orders(
    make: MakeRig,
    session: aiohttp.ClientSession,
    body: bytes,
    status: int,
    codes: list[str],
) -> None:
    """Malformed order bodies are refused with every problem listed."""
    sb, _ = await make()

    reply = await call(session, sb, "POST", "/v2/number_orders", data=body)

    assert (status, codes) == (
        reply.status,
        [e["code"] for e in reply.body["errors"]],
    )
    assert {} == sb.order_counts()


async def test_duplicate_in_one_order(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """The same number twice in one body is a 400 10015."""
    sb, telnyx = await make()
    (number,) = await search_numbers(telnyx, 1)

    reply = await call(
        session,
        sb,
        "POST",
        "/v2/number_orders",
        json={"phone_numbers": [{"phone_number": number}] * 2},
    )

    assert (400, "/phone_numbers/1/phone_number") == (
        reply.status,
        reply.body["errors"][0]["source"]["pointer"],
    )


async def test_search_shapes(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """Repeated feature keys work; wildcards find nothing; meta twice."""
    sb, _ = await make()
    base = "/v2/available_phone_numbers?filter[country_code]=NL"

    commas = await call(
        session, sb, "GET", base + "&filter[features]=sms,voice"
    )
    repeated = await call(
        session,
        sb,
        "GET",
        base + "&filter[features][]=sms&filter[features][]=voice",
    )
    wildcard = await call(
        session, sb, "GET", base + "&filter[phone_number][starts_with]=85*"
    )
    ndc = await call(
        session,
        sb,
        "GET",
        base + "&filter[national_destination_code]=20"
        "&filter[phone_number][starts_with]=2&filter[limit]=3",
    )
    contains = await call(
        session,
        sb,
        "GET",
        base + "&filter[phone_number_type]=mobile"
        "&filter[phone_number][contains]=12&filter[limit]=3",
    )
    toll_free = await call(
        session,
        sb,
        "GET",
        "/v2/available_phone_numbers?filter[country_code]=US"
        "&filter[quickship]=true&filter[best_effort]=false&filter[limit]=1",
    )

    assert commas.body["data"] == repeated.body["data"]
    assert commas.body["meta"] == commas.body["metadata"]
    assert commas.body["meta"]["total_results"] > len(commas.body["data"])
    assert 50 == len(commas.body["data"])
    assert ([], 0) == (
        wildcard.body["data"],
        wildcard.body["meta"]["total_results"],
    )
    assert all(
        n["phone_number"].startswith("+31202") for n in ndc.body["data"]
    )
    assert 3 == len(contains.body["data"])
    assert all(
        n["phone_number"].startswith("+316") and "12" in n["phone_number"][3:]
        for n in contains.body["data"]
    )
    assert ["toll_free"] == [
        "toll_free" if n["phone_number"].startswith("+1888") else "?"
        for n in toll_free.body["data"]
    ]
    assert toll_free.body["data"][0]["quickship"] is True


async def test_order_shapes(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """Create answers 200 with data; lists page with the documented meta."""
    sb, telnyx = await make()
    (number,) = await search_numbers(telnyx, 1)

    created = await call(
        session,
        sb,
        "POST",
        "/v2/number_orders",
        json={"phone_numbers": [{"phone_number": number, "bundle_id": "b1"}]},
    )
    listed = await call(
        session, sb, "GET", "/v2/number_orders?page[size]=1&page[number]=1"
    )
    beyond = await call(session, sb, "GET", "/v2/number_orders?page[number]=9")
    counted = await call(
        session, sb, "GET", "/v2/number_orders?filter[phone_numbers_count]=2"
    )
    empty = await call(
        session,
        sb,
        "PATCH",
        f"/v2/number_orders/{created.body['data']['id']}",
        json={},
    )

    order = created.body["data"]
    assert 200 == created.status
    assert {
        "id",
        "record_type",
        "phone_numbers_count",
        "connection_id",
        "messaging_profile_id",
        "billing_group_id",
        "phone_numbers",
        "sub_number_orders_ids",
        "status",
        "customer_reference",
        "created_at",
        "updated_at",
        "requirements_met",
    } == order.keys()
    assert ("number_order", "pending", None) == (
        order["record_type"],
        order["status"],
        order["customer_reference"],
    )
    assert ("b1", "number_order_phone_number") == (
        order["phone_numbers"][0]["bundle_id"],
        order["phone_numbers"][0]["record_type"],
    )
    assert [
        {"id": order["phone_numbers"][0]["id"], "phone_number": number}
    ] == (listed.body["data"][0]["phone_numbers"])
    assert {
        "total_pages": 1,
        "total_results": 1,
        "page_number": 1,
        "page_size": 1,
    } == listed.body["meta"]
    assert [] == beyond.body["data"]
    assert [] == counted.body["data"]
    assert order == empty.body["data"]


async def test_requirement_group_shapes(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """Groups are bare; bad bodies list every problem; submit approves."""
    sb, _ = await make(group_approval_delay=0)

    missing = await call(
        session, sb, "POST", "/v2/requirement_groups", json={}
    )
    invalid = await call(
        session,
        sb,
        "POST",
        "/v2/requirement_groups",
        json={
            "country_code": "nl",
            "phone_number_type": "landline",
            "action": "buying",
        },
    )
    wrong = await call(
        session,
        sb,
        "POST",
        "/v2/requirement_groups",
        json={
            "country_code": "NL",
            "phone_number_type": "local",
            "action": "ordering",
            "regulatory_requirements": [
                {"requirement_id": "nope", "field_value": "x"}
            ],
        },
    )
    malformed = await call(
        session,
        sb,
        "POST",
        "/v2/requirement_groups",
        json={
            "country_code": "NL",
            "phone_number_type": "local",
            "action": "ordering",
            "regulatory_requirements": [{"requirement_id": ADDRESS}],
        },
    )
    created = await call(
        session,
        sb,
        "POST",
        "/v2/requirement_groups",
        json={
            "country_code": "NL",
            "phone_number_type": "mobile",
            "action": "porting",
        },
    )
    group_id = created.body["id"]
    submitted = await call(
        session,
        sb,
        "POST",
        f"/v2/requirement_groups/{group_id}/submit_for_approval",
    )
    resubmitted = await call(
        session,
        sb,
        "POST",
        f"/v2/requirement_groups/{group_id}/submit_for_approval",
    )
    listed = await call(session, sb, "GET", "/v2/requirement_groups")

    assert (422, ["10004", "10004", "10004"]) == (
        missing.status,
        [e["code"] for e in missing.body["errors"]],
    )
    assert ["/country_code", "/phone_number_type", "/action"] == [
        e["source"]["pointer"]
        for e in invalid.body["errors"]
        if e["code"] == "10032"
    ]
    assert (
        "/regulatory_requirements/0/requirement_id"
        == (wrong.body["errors"][0]["source"]["pointer"])
    )
    assert (
        "/regulatory_requirements/0"
        == (malformed.body["errors"][0]["source"]["pointer"])
    )
    assert (200, "unapproved", "requirement_group") == (
        created.status,
        created.body["status"],
        created.body["record_type"],
    )
    assert "pending-approval" == submitted.body["status"]
    assert (400, "10015") == (
        resubmitted.status,
        resubmitted.body["errors"][0]["code"],
    )
    assert (400, 400) == (wrong.status, malformed.status)
    assert ["approved"] == [g["status"] for g in listed.body]


async def test_sub_order_update_errors(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """A sub-order update needs values that apply to it."""
    sb, telnyx = await make(order_completion_delay=60)
    numbers = await search_numbers(
        telnyx, 1, phone_number_type="local", locality="Amsterdam"
    )
    order = await telnyx.number_orders.create(phone_numbers=numbers)
    path = f"/v2/sub_number_orders/{order.sub_number_orders_ids[0]}"

    counted = await call(
        session,
        sb,
        "GET",
        "/v2/sub_number_orders?filter[phone_numbers_count]=1",
    )
    absent = await call(session, sb, "PATCH", path, json={})
    not_a_list = await call(
        session, sb, "PATCH", path, json={"regulatory_requirements": {}}
    )
    foreign = await call(
        session,
        sb,
        "PATCH",
        path,
        json={
            "regulatory_requirements": [
                {"requirement_id": "other", "field_value": "x"}
            ]
        },
    )

    assert [order.sub_number_orders_ids[0]] == [
        s["id"] for s in counted.body["data"]
    ]
    # A missing field is a 422; a malformed or foreign one a 400 (§2.2).
    assert [("10004", 422), ("10015", 400), ("10015", 400)] == [
        (r.body["errors"][0]["code"], r.status)
        for r in (absent, not_a_list, foreign)
    ]


@pytest.mark.parametrize(
    ("faults", "status", "fault", "content_type"),
    [
        (Faults(error_rate=1.0), 500, "error_500", "application/json"),
        (Faults(html_error_rate=1.0), 502, "html_error", "text/html"),
        (
            Faults(slow_rate=1.0, slow_seconds=0.01, latency=(0.01, 0.01)),
            200,
            "slow",
            "application/json",
        ),
    ],
)
async def test_faults_speak_telnyx(
    make: MakeRig,
    session: aiohttp.ClientSession,
    faults: Faults,
    status: int,
    fault: str,
    content_type: str,
) -> None:
    """Injected faults answer in Telnyx's shapes and are logged."""
    # Seed 0's first roll picks status 500 for an error fault.
    sb, _ = await make(seed=0, faults=faults)

    reply = await call(session, sb, "GET", "/v2/requirement_groups")

    assert (status, fault) == (reply.status, sb.request_log[0].fault)
    assert reply.headers["Content-Type"].startswith(content_type)
    if status == 500:
        assert "10007" == reply.body["errors"][0]["code"]


async def test_drop_faults_spare_reads(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """A drop rolled for a GET is no fault at all."""
    sb, _ = await make(faults=Faults(drop_before_commit_rate=1.0))

    reply = await call(session, sb, "GET", "/v2/number_orders")

    assert (200, None) == (reply.status, sb.request_log[0].fault)


# -- inspection, reset, command line ------------------------------------------


async def test_inspection_api(
    make: MakeRig, session: aiohttp.ClientSession
) -> None:
    """The /_sandbox routes show orders, requests and numbers."""
    sb, telnyx = await make()
    numbers = await search_numbers(telnyx, 2)
    order = await telnyx.number_orders.create(
        phone_numbers=numbers, customer_reference="r"
    )
    group = await telnyx.requirement_groups.create(
        country_code="NL", phone_number_type="national"
    )

    state = await call(session, sb, "GET", "/_sandbox/state", auth=False)
    orders = await call(
        session,
        sb,
        "GET",
        "/_sandbox/orders",
        params={"phone_number": numbers[0]},
    )
    by_ref = await call(
        session, sb, "GET", "/_sandbox/orders?customer_reference=x"
    )
    counts = await call(session, sb, "GET", "/_sandbox/order-counts")
    log = await call(session, sb, "GET", "/_sandbox/requests")
    free = await call(
        session,
        sb,
        "GET",
        "/_sandbox/available-numbers?country_code=US&limit=2",
    )
    status = await call(
        session,
        sb,
        "POST",
        f"/_sandbox/requirement-groups/{group.id}/status",
        json={"status": "approved"},
    )
    bad_status = await call(
        session,
        sb,
        "POST",
        f"/_sandbox/requirement-groups/{group.id}/status",
        json={"status": 5},
    )
    no_group = await call(
        session,
        sb,
        "POST",
        "/_sandbox/requirement-groups/none/status",
        json={"status": "approved"},
    )
    missing = await call(session, sb, "GET", "/_sandbox/nothing")
    reset = await call(session, sb, "POST", "/_sandbox/reset")

    assert {
        "number_orders": {"total": 1, "pending": 1},
        "phone_numbers_ordered": 2,
        "requirement_groups": {"total": 1, "unapproved": 1},
        "requests": 3,
    } == state.body
    assert [order.id] == [o["id"] for o in orders.body["data"]]
    assert [] == by_ref.body["data"]
    assert dict.fromkeys(numbers, 1) == counts.body["data"]
    assert 3 == len(log.body["data"])
    assert 2 == len(free.body["data"])
    assert "approved" == status.body["status"]
    assert [400, 404, 404] == [
        r.status for r in (bad_status, no_group, missing)
    ]
    assert 200 == reset.status
    assert {} == sb.order_counts()
    assert [] == sb.request_log
    assert state.headers["x-request-id"].startswith("sandbox_")


async def test_reset_forgets_everything(make: MakeRig) -> None:
    """reset() restores the seed's inventory and ids."""
    sb, telnyx = await make()
    numbers = await search_numbers(telnyx, 1)
    first = await telnyx.number_orders.create(phone_numbers=numbers)

    sb.reset()
    await search_numbers(telnyx, 1)
    second = await telnyx.number_orders.create(phone_numbers=numbers)

    assert first.id == second.id
    assert {"number_orders": {"total": 1, "pending": 1}} == {
        "number_orders": sb.summary()["number_orders"]
    }
    with pytest.raises(KeyError):
        sb.set_requirement_group_status("none", "approved")


def test_parser_accepts_telnyx() -> None:
    """--telnyx is a flag of the sandbox command line."""
    assert build_parser().parse_args(["--telnyx"]).telnyx is True
    assert build_parser().parse_args([]).telnyx is False


async def test_serve_telnyx_prints_the_v2_address(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """serve(telnyx=True) announces the Telnyx mode and its /v2 root."""
    stop = asyncio.Event()
    task = asyncio.ensure_future(
        serve(SandboxConfig(api_key="k"), stop, telnyx=True)
    )

    async def printed() -> str:
        while not (out := capsys.readouterr().out):
            await asyncio.sleep(0.01)
        return out

    line = await asyncio.wait_for(printed(), 10)
    stop.set()
    await asyncio.wait_for(task, 10)

    assert re.fullmatch(
        r"Telnyx sandbox listening on http://127\.0\.0\.1:\d+/v2 "
        r"\(api key: k\)\n",
        line,
    )
