"""
Tests of the Flireo sandbox itself, over real loopback HTTP.

They talk to it with a raw `aiohttp.ClientSession`, never the SDK, so the
sandbox is checked against the documented API rather than against the
client it is meant to test.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest
from multidict import CIMultiDict

from flireo_async.testing.pytest_plugin import (  # noqa: F401 - fixtures
    flireo_sandbox,
    flireo_sandbox_config,
)
from flireo_async.testing.sandbox import (
    DEFAULT_RATE_LIMIT,
    FLIREO_RATE_LIMIT,
    Faults,
    Sandbox,
    SandboxConfig,
)
from flireo_async.testing.sandbox.__main__ import (
    build_parser,
    config_from_args,
    main,
    serve,
)


ROOT = Path(__file__).resolve().parents[1]

GROUP = {
    "phone_number_type": "local",
    "name": "Amsterdam Office",
    "business_name": "Example BV",
    "contact_person_first_name": "Jan",
    "contact_person_last_name": "Jansen",
    "contact_person_phone": "+31612345678",
    "street_name": "Damrak",
    "house_number": "1",
    "postal_code": "1012 LG",
    "city": "Amsterdam",
    "province": "Noord-Holland",
}


@attrs.frozen
class Reply:
    """One HTTP answer: status, headers and the decoded body."""

    status: int
    headers: CIMultiDict[str]
    body: Any


class Api:
    """A raw aiohttp client bound to one sandbox."""

    def __init__(self, sandbox: Sandbox, session: aiohttp.ClientSession):
        self.sb = sandbox
        self.session = session
        self.auth = {"Authorization": f"Bearer {sandbox.api_key}"}

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Reply:
        async with self.session.request(
            method,
            self.sb.base_url + path,
            json=json,
            data=data,
            params=params,
            headers=self.auth if headers is None else headers,
            timeout=aiohttp.ClientTimeout(total=timeout or 10),
        ) as response:
            raw = await response.read()
            ctype = response.headers.get("Content-Type", "")
            body = (
                await response.json()
                if ctype.startswith("application/json")
                else raw.decode()
            )
            return Reply(response.status, CIMultiDict(response.headers), body)

    async def get(self, path: str, **params: str) -> Reply:
        return await self.call("GET", path, params=params or None)

    async def post(self, path: str, json: Any = None) -> Reply:
        return await self.call("POST", path, json=json)

    async def order(self, number: str, **extra: Any) -> Reply:
        return await self.post(
            "/v1/phone-numbers", {"phone_number": number, **extra}
        )

    async def group(self, **fields: str) -> str:
        reply = await self.post("/v1/verification-groups", {**GROUP, **fields})
        assert reply.status == 201, reply
        return str(reply.body["data"]["requirement_group_id"])


MakeApi = Callable[..., Awaitable[Api]]


@pytest.fixture
async def make_api() -> AsyncIterator[MakeApi]:
    """Start sandboxes with the given config overrides, and stop them."""
    opened: list[tuple[Sandbox, aiohttp.ClientSession]] = []

    async def make(**overrides: Any) -> Api:
        overrides.setdefault("order_completion_delay", 0)
        overrides.setdefault("group_approval_delay", 0)
        sandbox = Sandbox(**overrides)
        await sandbox.start()
        session = aiohttp.ClientSession()
        opened.append((sandbox, session))
        return Api(sandbox, session)

    yield make
    for sandbox, session in opened:
        await session.close()
        await sandbox.stop()


@pytest.fixture
async def api(make_api: MakeApi) -> Api:
    """A sandbox whose orders and groups settle at once."""
    return await make_api(seed=7)


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 5.0
) -> Any:
    """Poll *check* until it returns something truthy, within *timeout*."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def assert_error(
    reply: Reply, status: int, code: str, field: str | None = None
) -> None:
    """Check a nested error answer."""
    assert reply.status == status, reply
    assert set(reply.body) == {"error"}
    assert set(reply.body["error"]) == {"code", "message", "details"}
    assert reply.body["error"]["code"] == code
    assert isinstance(reply.body["error"]["message"], str)
    if field is not None:
        assert reply.body["error"]["details"]["field"] == field


# -- auth, request ids, unknown routes ----------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}],
)
async def test_bad_or_missing_key_is_flat_401(
    api: Api, headers: dict[str, str]
) -> None:
    """A missing or wrong bearer key gets the flat 401 body of spec 6.3."""
    reply = await api.call("GET", "/v1/phone-numbers", headers=headers)

    assert reply.status == 401
    assert reply.body == {
        "error": "Unauthorized",
        "message": "Invalid or missing API key",
    }


async def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    """`bearer KEY` is accepted like `Bearer KEY`."""
    headers = {"Authorization": f"bearer {api.sb.api_key}"}
    reply = await api.call("GET", "/v1/phone-numbers", headers=headers)

    assert reply.status == 200


async def test_custom_api_key(make_api: MakeApi) -> None:
    """Only the configured key is accepted."""
    api = await make_api(api_key="fl_test_other")

    assert (await api.get("/v1/phone-numbers")).status == 200
    default = {"Authorization": "Bearer fl_test_sandbox"}
    reply = await api.call("GET", "/v1/phone-numbers", headers=default)
    assert reply.status == 401


async def test_request_ids_count_up(api: Api) -> None:
    """Every answer, errors included, carries a sequential X-Request-Id."""
    first = await api.get("/v1/phone-numbers")
    second = await api.call("GET", "/v1/phone-numbers", headers={})
    third = await api.get("/v1/nothing-here")

    ids = [r.headers["X-Request-Id"] for r in (first, second, third)]
    assert ids == ["req_000001", "req_000002", "req_000003"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/unknown"), ("GET", "/"), ("PUT", "/v1/phone-numbers")],
)
async def test_unknown_route_is_nested_404(
    api: Api, method: str, path: str
) -> None:
    """Unknown paths and methods answer the nested not_found error."""
    reply = await api.call(method, path)

    assert_error(reply, 404, "not_found")


def test_route_names_are_the_handlers() -> None:
    """ROUTES lists exactly the served routes plus "unknown"."""
    from flireo_async.testing.sandbox import ROUTES
    from flireo_async.testing.sandbox.flireo._app import ROUTE_TABLE

    names = {handler.__name__ for _, _, handler, _ in ROUTE_TABLE}

    assert names | {"unknown"} == ROUTES
    assert len(names) == len(ROUTE_TABLE)


# -- available numbers --------------------------------------------------------


async def test_search_national_by_default(api: Api) -> None:
    """The search returns 20 free national numbers with the documented meta."""
    reply = await api.get("/v1/phone-numbers/available")

    assert reply.status == 200
    data = reply.body["data"]
    assert len(data) == 20
    assert all(re.fullmatch(r"\+3185\d{7}", d["phone_number"]) for d in data)
    assert {d["number_type"] for d in data} == {"national"}
    assert {d["locality"] for d in data} == {None}
    assert data[0]["cost"] == {
        "monthly": "2.00",
        "currency": "EUR",
        "credits": 10,
    }
    assert all(d["reservable"] is True for d in data)
    assert all(d["features"] in (["voice"], ["voice", "sms"]) for d in data)
    assert reply.body["meta"] == {
        "total_results": 20,
        "number_type": "national",
        "requires_verification": False,
    }


async def test_search_mobile(api: Api) -> None:
    """number_type=mobile returns +316 numbers."""
    reply = await api.get(
        "/v1/phone-numbers/available", number_type="mobile", limit="50"
    )

    numbers = [d["phone_number"] for d in reply.body["data"]]
    assert len(numbers) == 50
    assert all(re.fullmatch(r"\+316\d{8}", n) for n in numbers)
    assert reply.body["meta"]["number_type"] == "mobile"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"number_type": "local"}, "number_type"),
        ({"number_type": "premium"}, "number_type"),
        ({"limit": "0"}, "limit"),
        ({"limit": "51"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"query": "abc"}, "query"),
    ],
)
async def test_search_rejects_bad_parameters(
    api: Api, params: dict[str, str], field: str
) -> None:
    """Local numbers, unknown types and out-of-range limits are 400s."""
    reply = await api.get("/v1/phone-numbers/available", **params)

    assert_error(reply, 400, "invalid_parameters", field)


async def test_search_query_matches_digits(api: Api) -> None:
    """query filters by a substring of the digits, ignoring the "+"."""
    first = (await api.get("/v1/phone-numbers/available", limit="1")).body
    number = first["data"][0]["phone_number"]

    reply = await api.get("/v1/phone-numbers/available", query=number)
    plain = await api.get("/v1/phone-numbers/available", query=number[1:])
    tail = await api.get("/v1/phone-numbers/available", query=number[-6:])

    assert [d["phone_number"] for d in reply.body["data"]] == [number]
    assert plain.body["data"] == reply.body["data"]
    assert all(number[-6:] in d["phone_number"] for d in tail.body["data"])
    assert number in [d["phone_number"] for d in tail.body["data"]]


async def test_inventory_is_deterministic_per_seed(make_api: MakeApi) -> None:
    """The same seed offers the same numbers in the same order."""
    one, two, other = (
        await make_api(seed=5),
        await make_api(seed=5),
        await make_api(seed=6),
    )

    def numbers(reply: Reply) -> list[str]:
        return [d["phone_number"] for d in reply.body["data"]]

    path = "/v1/phone-numbers/available"
    assert numbers(await one.get(path, limit="50")) == numbers(
        await two.get(path, limit="50")
    )
    assert numbers(await one.get(path)) != numbers(await other.get(path))


async def test_ordered_numbers_are_not_offered(api: Api) -> None:
    """A number with a live order disappears from searches."""
    number = api.sb.available_numbers(limit=1)[0]
    await api.order(number)

    reply = await api.get("/v1/phone-numbers/available", limit="50")

    assert number not in [d["phone_number"] for d in reply.body["data"]]


# -- ordering -----------------------------------------------------------------


async def test_order_lifecycle(make_api: MakeApi) -> None:
    """An order answers 201 pending, charges 10 credits, then succeeds."""
    api = await make_api(credits=100, order_completion_delay=0.3)
    number = api.sb.available_numbers(limit=1)[0]

    reply = await api.order(number)

    assert reply.status == 201
    assert reply.body["message"] == "Phone number ordered"
    data = reply.body["data"]
    assert data["phone_number"] == number
    assert data["number_type"] == "national"
    assert data["status"] == "pending"
    assert data["credits_used"] == 10
    assert data["remaining_credits"] == 90
    assert api.sb.credits == 90
    path = f"/v1/phone-number-orders/{data['order_id']}"
    first = await api.get(path)
    assert first.body["data"]["status"] == "pending"

    async def succeeded() -> bool:
        reply = await api.get(path)
        return bool(reply.body["data"]["status"] == "success")

    await eventually(succeeded)
    numbers = (await api.get("/v1/phone-numbers")).body["data"]
    assert [n["phone_number"] for n in numbers] == [number]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "phone_number"),
        ({"phone_number": 31851234567}, "phone_number"),
        ({"phone_number": "0851234567"}, "phone_number"),
        ({"phone_number": "+0851234567"}, "phone_number"),
        ({"phone_number": "+3185"}, "phone_number"),
        ({"phone_number": "+31851234567", "number_type": "x"}, "number_type"),
        (
            {"phone_number": "+31201234567", "number_type": "local"},
            "verification_group_id",
        ),
        (
            {"phone_number": "+31851234567", "verification_group_id": 5},
            "verification_group_id",
        ),
    ],
)
async def test_order_rejects_invalid_bodies(
    api: Api, body: dict[str, Any], field: str
) -> None:
    """Invalid numbers, types and missing groups are invalid_parameters."""
    reply = await api.post("/v1/phone-numbers", body)

    assert_error(reply, 400, "invalid_parameters", field)
    assert api.sb.credits == 1000


async def test_order_of_number_never_offered(api: Api) -> None:
    """A valid E.164 number outside the inventory is invalid_parameters."""
    offered = set(api.sb.available_numbers(limit=2000))
    number = next(
        f"+3185{n:07d}" for n in range(10**7) if f"+3185{n:07d}" not in offered
    )

    reply = await api.order(number)
    mobile_as_national = await api.order(
        api.sb.available_numbers("mobile", 1)[0]
    )

    assert_error(reply, 400, "invalid_parameters", "phone_number")
    assert_error(mobile_as_national, 400, "invalid_parameters")
    for elsewhere in ("+31991234567", "+318512345678", "+4930123456"):
        assert_error(
            await api.order(elsewhere),
            400,
            "invalid_parameters",
            "phone_number",
        )


async def test_empty_order_body_names_the_phone_number(api: Api) -> None:
    """An empty body counts as {} and so lacks phone_number."""
    reply = await api.call("POST", "/v1/phone-numbers", data=b"")

    assert_error(reply, 400, "invalid_parameters", "phone_number")


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"]
)
async def test_order_rejects_malformed_json(api: Api, raw: bytes) -> None:
    """A body that is not a JSON object is invalid_parameters."""
    reply = await api.call(
        "POST",
        "/v1/phone-numbers",
        data=raw,
        headers={**api.auth, "Content-Type": "application/json"},
    )

    assert_error(reply, 400, "invalid_parameters", "body")


async def test_order_of_taken_number_is_already_in_use(api: Api) -> None:
    """Ordering a number that has a live order answers already_in_use."""
    number = api.sb.available_numbers(limit=1)[0]
    await api.order(number)

    reply = await api.order(number)

    assert_error(reply, 400, "already_in_use")
    assert api.sb.order_counts() == {number: 1}
    assert api.sb.credits == 990


async def test_insufficient_credits(make_api: MakeApi) -> None:
    """Below 10 credits an order is a 402 and nothing is charged."""
    api = await make_api(credits=15)
    first, second = api.sb.available_numbers(limit=2)

    assert (await api.order(first)).status == 201
    reply = await api.order(second)

    assert_error(reply, 402, "insufficient_credits")
    assert api.sb.credits == 5
    assert api.sb.order_counts() == {first: 1}


async def test_order_ids_are_deterministic(make_api: MakeApi) -> None:
    """The same seed gives the same order ids, and they are uuid4s."""
    ids = []
    for _ in range(2):
        api = await make_api(seed=11)
        number = api.sb.available_numbers(limit=1)[0]
        ids.append((await api.order(number)).body["data"]["order_id"])

    assert ids[0] == ids[1]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        ids[0],
    )


async def test_failed_orders_release_the_number(make_api: MakeApi) -> None:
    """With failure rate 1 orders fail and their number is offered again."""
    api = await make_api(order_failure_rate=1.0)
    number = api.sb.available_numbers(limit=1)[0]
    order_id = (await api.order(number)).body["data"]["order_id"]

    order = (await api.get(f"/v1/phone-number-orders/{order_id}")).body

    assert order["data"]["status"] == "failed"
    assert order["data"]["requirements_met"] is False
    assert api.sb.available_numbers(limit=1) == [number]
    assert (await api.order(number)).status == 201
    assert [o["status"] for o in api.sb.orders_for(number)] == [
        "failed",
        "failed",
    ]
    assert api.sb.credits == 980


# -- listing orders -----------------------------------------------------------


async def test_list_orders_newest_first_with_meta(api: Api) -> None:
    """Orders list newest first; limit and offset page through them."""
    numbers = api.sb.available_numbers(limit=5)
    ids = [(await api.order(n)).body["data"]["order_id"] for n in numbers]

    pages = [
        await api.get("/v1/phone-number-orders", limit="2", offset=str(o))
        for o in (0, 2, 4, 6)
    ]
    default = await api.get("/v1/phone-number-orders")

    listed = [o["id"] for p in pages for o in p.body["data"]]
    assert listed == ids[::-1]
    assert [p.body["meta"] for p in pages] == [
        {"total": 5, "limit": 2, "offset": o} for o in (0, 2, 4, 6)
    ]
    assert default.body["meta"] == {"total": 5, "limit": 20, "offset": 0}
    item = default.body["data"][0]
    assert item["verification_group"] is None
    assert item["requirements_met"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["ordered_at"])


async def test_list_orders_filters(make_api: MakeApi) -> None:
    """status, number_type and verification_group_id filter the list."""
    api = await make_api(order_completion_delay=60)
    national = api.sb.available_numbers(limit=2)
    mobile = api.sb.available_numbers("mobile", 1)[0]
    for number in national:
        await api.order(number)
    await api.order(mobile, number_type="mobile")
    group_id = await api.group()
    local = api.sb.available_numbers("local", 1, locality="Amsterdam")[0]
    await api.post(
        f"/v1/verification-groups/{group_id}/order-number",
        {"phone_number": local},
    )

    async def listed(**params: str) -> list[str]:
        reply = await api.get("/v1/phone-number-orders", **params)
        assert reply.body["meta"]["total"] == len(reply.body["data"])
        return [o["phone_number"] for o in reply.body["data"]]

    assert await listed(number_type="mobile") == [mobile]
    assert await listed(number_type="national") == national[::-1]
    assert await listed(verification_group_id=group_id) == [local]
    assert await listed(verification_group_id="nope") == []
    assert len(await listed(status="pending")) == 4
    assert await listed(status="success") == []
    paged = await api.get(
        "/v1/phone-number-orders", status="pending", limit="1", offset="1"
    )
    assert paged.body["meta"] == {"total": 4, "limit": 1, "offset": 1}
    assert [o["phone_number"] for o in paged.body["data"]] == [mobile]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"number_type": "premium"}, "number_type"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
    ],
)
async def test_list_orders_rejects_bad_parameters(
    api: Api, params: dict[str, str], field: str
) -> None:
    """Unknown enum values and out-of-range paging are 400s."""
    reply = await api.get("/v1/phone-number-orders", **params)

    assert_error(reply, 400, "invalid_parameters", field)


async def test_get_unknown_order_is_404(api: Api) -> None:
    """An unknown order id is not_found."""
    reply = await api.get("/v1/phone-number-orders/no-such-order")

    assert_error(reply, 404, "not_found")


# -- verification groups ------------------------------------------------------


async def test_group_lifecycle(make_api: MakeApi) -> None:
    """A group is created pending and approved after the configured delay."""
    api = await make_api(group_approval_delay=0.3)

    reply = await api.post("/v1/verification-groups", GROUP)

    assert reply.status == 201
    assert reply.body["message"] == "Verification group created"
    group_id = reply.body["data"]["requirement_group_id"]
    path = f"/v1/verification-groups/{group_id}"
    first = (await api.get(path)).body["data"]
    assert first["status"] == "pending"
    assert first["documents"][0]["status"] == "pending"
    not_yet = await api.get(f"{path}/available-phone-numbers")
    assert_error(not_yet, 400, "invalid_status")

    async def approved() -> Any:
        data = (await api.get(path)).body["data"]
        return data if data["status"] == "approved" else None

    data = await eventually(approved)
    assert data["locality"] == "Amsterdam"
    assert data["name"] == "Amsterdam Office"
    assert data["business_name"] == "Example BV"
    assert data["phone_number_type"] == "local"
    assert data["documents"] == [
        {
            "id": data["documents"][0]["id"],
            "type": "proof_of_address",
            "status": "approved",
        }
    ]
    assert data["documents"][0]["id"].startswith("doc_")
    assert data["phone_numbers"] == []


@pytest.mark.parametrize("field", sorted(GROUP))
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "is required"),
        ("", "must not be empty"),
        (5, "must be a string"),
        (1.5, "must be a string"),
    ],
)
async def test_group_requires_every_field(
    api: Api, field: str, value: Any, problem: str
) -> None:
    """Each required group field that is missing, empty or not a string
    is named, with what is wrong with it."""
    body = dict(GROUP)
    if value is None:
        del body[field]
    else:
        body[field] = value

    reply = await api.post("/v1/verification-groups", body)

    assert_error(reply, 400, "invalid_parameters", field)
    assert reply.body["error"]["message"] == f"{field} {problem}"


async def test_group_fields_follow_the_documented_min_length(
    api: Api,
) -> None:
    """The schema asks only minLength 1: whitespace is a value (§4.8)."""
    body = {**GROUP, "name": " ", "house_number": "  "}

    reply = await api.post("/v1/verification-groups", body)

    assert reply.status == 201


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"phone_number_type": "premium"}, "phone_number_type"),
        ({"description": 5}, "description"),
    ],
)
async def test_group_rejects_bad_values(
    api: Api, extra: dict[str, Any], field: str
) -> None:
    """A bad number type or a non-string description is rejected."""
    reply = await api.post("/v1/verification-groups", {**GROUP, **extra})

    assert_error(reply, 400, "invalid_parameters", field)


async def test_group_named_for_rejection_is_rejected(
    make_api: MakeApi,
) -> None:
    """reject_groups_named makes matching groups end rejected."""
    api = await make_api(reject_groups_named="reject")
    bad = await api.group(name="Rejected office", description="test")
    good = await api.group(name="Good office")

    bad_data = (await api.get(f"/v1/verification-groups/{bad}")).body
    good_data = (await api.get(f"/v1/verification-groups/{good}")).body

    assert bad_data["data"]["status"] == "rejected"
    assert good_data["data"]["status"] == "approved"
    number = api.sb.available_numbers("local", 1, locality="Amsterdam")[0]
    reply = await api.post(
        f"/v1/verification-groups/{bad}/order-number",
        {"phone_number": number},
    )
    assert_error(reply, 400, "invalid_status")


async def test_groups_can_be_decided_by_hand(make_api: MakeApi) -> None:
    """approve_group and reject_group override the delay either way."""
    api = await make_api(group_approval_delay=60)
    group_id = await api.group()
    path = f"/v1/verification-groups/{group_id}"

    api.sb.approve_group(group_id)
    approved = (await api.get(path)).body["data"]["status"]
    api.sb.reject_group(group_id)
    rejected = (await api.get(path)).body["data"]["status"]

    assert (approved, rejected) == ("approved", "rejected")
    with pytest.raises(KeyError):
        api.sb.approve_group("nope")


async def test_list_groups_filters_and_pages(api: Api) -> None:
    """Groups list newest first with status and type filters."""
    first = await api.group(name="one")
    second = await api.group(name="two", phone_number_type="national")
    api.sb.reject_group(first)

    everything = await api.get("/v1/verification-groups")
    page = await api.get("/v1/verification-groups", limit="1", offset="1")
    rejected = await api.get("/v1/verification-groups", status="rejected")
    national = await api.get(
        "/v1/verification-groups", phone_number_type="national"
    )

    assert [g["id"] for g in everything.body["data"]] == [second, first]
    assert everything.body["meta"] == {"total": 2, "limit": 20, "offset": 0}
    assert [g["id"] for g in page.body["data"]] == [first]
    assert [g["id"] for g in rejected.body["data"]] == [first]
    assert [g["id"] for g in national.body["data"]] == [second]
    for params in ({"status": "x"}, {"phone_number_type": "x"}):
        bad = await api.get("/v1/verification-groups", **params)
        assert_error(bad, 400, "invalid_parameters")


async def test_unknown_group_is_404_everywhere(api: Api) -> None:
    """Every group endpoint answers not_found for an unknown group."""
    replies = [
        await api.get("/v1/verification-groups/nope"),
        await api.get("/v1/verification-groups/nope/available-phone-numbers"),
        await api.post(
            "/v1/verification-groups/nope/order-number",
            {"phone_number": "+31201234567"},
        ),
        await api.order(
            "+31201234567", number_type="local", verification_group_id="nope"
        ),
    ]

    for reply in replies:
        assert_error(reply, 404, "not_found")


async def test_local_numbers_through_a_group(api: Api) -> None:
    """An approved group offers and orders local numbers of its city."""
    group_id = await api.group(city="den haag")
    path = f"/v1/verification-groups/{group_id}"

    search = await api.get(f"{path}/available-phone-numbers", limit="3")

    assert search.status == 200
    data = search.body["data"]
    assert len(data) == 3
    assert all(re.fullmatch(r"\+3170\d{7}", d["phone_number"]) for d in data)
    assert {d["locality"] for d in data} == {"Den Haag"}
    assert {d["number_type"] for d in data} == {"local"}
    assert search.body["meta"] == {
        "total_results": 3,
        "number_type": "local",
        "requires_verification": True,
    }
    first, second, third = (d["phone_number"] for d in data)

    via_group = await api.post(f"{path}/order-number", {"phone_number": first})
    via_numbers = await api.order(
        second, number_type="local", verification_group_id=group_id
    )

    assert via_group.status == 201
    assert via_group.body["data"]["verification_group"] == {
        "id": group_id,
        "name": "Amsterdam Office",
    }
    assert via_group.body["data"]["number_type"] == "local"
    assert via_numbers.status == 201
    order_id = via_group.body["data"]["order_id"]
    order = (await api.get(f"/v1/phone-number-orders/{order_id}")).body
    assert order["data"]["verification_group"] == {
        "id": group_id,
        "name": "Amsterdam Office",
        "status": "approved",
        "locality": "Den Haag",
        "phone_number_type": "local",
    }
    detail = (await api.get(path)).body["data"]
    assert {n["phone_number"] for n in detail["phone_numbers"]} == {
        first,
        second,
    }
    assert {n["status"] for n in detail["phone_numbers"]} == {"active"}
    amsterdam = api.sb.available_numbers("local", 1, locality="Amsterdam")
    wrong_city = await api.post(
        f"{path}/order-number", {"phone_number": amsterdam[0]}
    )
    assert_error(wrong_city, 400, "invalid_parameters", "phone_number")
    bad = await api.post(f"{path}/order-number", {"phone_number": "0201"})
    assert_error(bad, 400, "invalid_parameters", "phone_number")
    national = await api.order(
        third, number_type="national", verification_group_id=group_id
    )
    assert_error(national, 400, "invalid_parameters", "verification_group_id")


async def test_non_local_group_offers_its_type(api: Api) -> None:
    """A national group searches and orders national numbers."""
    group_id = await api.group(phone_number_type="national")
    path = f"/v1/verification-groups/{group_id}"

    search = await api.get(f"{path}/available-phone-numbers", limit="1")
    number = search.body["data"][0]["phone_number"]
    order = await api.post(f"{path}/order-number", {"phone_number": number})

    assert search.body["meta"]["requires_verification"] is False
    assert search.body["data"][0]["locality"] is None
    assert number.startswith("+3185")
    assert order.body["data"]["number_type"] == "national"


async def test_unknown_city_has_no_local_numbers(api: Api) -> None:
    """A group in a city without a local pool finds no numbers."""
    group_id = await api.group(city="Zwolle")

    reply = await api.get(
        f"/v1/verification-groups/{group_id}/available-phone-numbers"
    )

    assert reply.body["data"] == []
    assert reply.body["meta"]["total_results"] == 0


# -- owned numbers and assistants ---------------------------------------------


async def test_list_numbers_and_shared_numbers(api: Api) -> None:
    """Owned numbers list newest first; shared ones only on request."""
    numbers = api.sb.available_numbers(limit=3)
    for number in numbers:
        await api.order(number)

    plain = await api.get("/v1/phone-numbers")
    shared = await api.get("/v1/phone-numbers", include_default="true")
    page = await api.get("/v1/phone-numbers", limit="1", offset="2")

    assert [n["phone_number"] for n in plain.body["data"]] == numbers[::-1]
    assert plain.body["shared_numbers"] == []
    assert plain.body["meta"] == {"total": 3, "limit": 50, "offset": 0}
    assert len(shared.body["shared_numbers"]) == 2
    assert set(shared.body["shared_numbers"][0]) == {
        "id",
        "phone_number",
        "locality",
        "number_type",
    }
    assert [n["phone_number"] for n in page.body["data"]] == [numbers[0]]
    item = plain.body["data"][0]
    assert item["available"] is True
    assert item["linked_assistant"] is None
    for params in (
        {"include_default": "True"},
        {"include_default": "1"},
        {"limit": "101"},
        {"offset": "-2"},
    ):
        bad = await api.get("/v1/phone-numbers", **params)
        assert_error(bad, 400, "invalid_parameters", next(iter(params)))


async def _owned_number_ids(api: Api, count: int) -> list[str]:
    for number in api.sb.available_numbers(limit=count):
        await api.order(number)
    reply = await api.get("/v1/phone-numbers")
    return [n["id"] for n in reversed(reply.body["data"])]


async def test_assistant_linking(api: Api) -> None:
    """Link, relink, and unlink numbers with the documented answers."""
    first_id, second_id = await _owned_number_ids(api, 2)
    one, two, _ = api.sb.assistant_ids
    path = f"/v1/assistants/{one}/phone-number"

    empty = await api.get(path)
    linked = await api.post(path, {"phone_number_id": first_id})
    shown = await api.get(path)
    relinked = await api.post(path, {"phone_number_id": second_id})

    assert empty.body["data"] == {
        "assistant_id": one,
        "assistant_name": "Customer Support Agent",
        "phone_number": None,
    }
    assert linked.status == 200
    assert linked.body["message"] == "Phone number linked successfully"
    assert linked.body["data"]["previous_phone_number_id"] is None
    assert linked.body["data"]["released_assistants"] == 0
    assert set(linked.body["data"]["phone_number"]) == {
        "id",
        "number",
        "type",
        "locality",
    }
    assert shown.body["data"]["phone_number"]["id"] == first_id
    assert shown.body["data"]["phone_number"]["origin"] == "custom"
    assert relinked.body["data"]["previous_phone_number_id"] == first_id
    listed = (await api.get("/v1/phone-numbers")).body["data"]
    by_id = {n["id"]: n for n in listed}
    assert by_id[second_id]["available"] is False
    assert by_id[second_id]["linked_assistant"] == {
        "id": one,
        "name": "Customer Support Agent",
    }
    assert by_id[first_id]["available"] is True

    again = await api.post(path, {"phone_number_id": second_id})
    assert_error(again, 400, "already_linked")
    elsewhere = await api.post(
        f"/v1/assistants/{two}/phone-number", {"phone_number_id": second_id}
    )
    assert_error(elsewhere, 400, "already_in_use")

    unlinked = await api.call("DELETE", path)
    assert unlinked.body == {
        "message": "Phone number unlinked successfully",
        "data": {
            "assistant_id": one,
            "unlinked_phone_number": {
                "id": second_id,
                "number": by_id[second_id]["phone_number"],
            },
        },
    }
    assert_error(await api.call("DELETE", path), 400, "no_phone_number")


async def test_assistant_errors(api: Api) -> None:
    """Unknown assistants and numbers are 404; a missing id is a 400."""
    one = api.sb.assistant_ids[0]
    path = f"/v1/assistants/{one}/phone-number"

    assert_error(
        await api.get("/v1/assistants/nope/phone-number"), 404, "not_found"
    )
    assert_error(
        await api.call("DELETE", "/v1/assistants/nope/phone-number"),
        404,
        "not_found",
    )
    assert_error(
        await api.post(path, {"phone_number_id": "nope"}), 404, "not_found"
    )
    assert_error(
        await api.post(path, {}), 400, "invalid_parameters", "phone_number_id"
    )


async def test_shared_number_releases_other_assistants(api: Api) -> None:
    """Linking a default number releases assistants on default numbers."""
    reply = await api.get("/v1/phone-numbers", include_default="true")
    shared_a, shared_b = (n["id"] for n in reply.body["shared_numbers"])
    one, two, three = api.sb.assistant_ids

    await api.post(
        f"/v1/assistants/{one}/phone-number", {"phone_number_id": shared_a}
    )
    await api.post(
        f"/v1/assistants/{two}/phone-number", {"phone_number_id": shared_b}
    )
    third = await api.post(
        f"/v1/assistants/{three}/phone-number", {"phone_number_id": shared_a}
    )
    first = await api.get(f"/v1/assistants/{one}/phone-number")

    assert third.body["data"]["released_assistants"] == 1
    assert first.body["data"]["phone_number"] is None
    view = (await api.get(f"/v1/assistants/{three}/phone-number")).body
    assert view["data"]["phone_number"]["origin"] == "default"


# -- rate limiting ------------------------------------------------------------


async def test_rate_limit_headers_and_429(make_api: MakeApi) -> None:
    """X-RateLimit-* on every answer; over the limit a 429 + Retry-After."""
    api = await make_api(rate_limit=3, rate_window=60)
    before = time.time()

    replies = [await api.get("/v1/phone-numbers") for _ in range(4)]

    remaining = [r.headers["X-RateLimit-Remaining"] for r in replies]
    assert remaining == ["2", "1", "0", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in replies} == {"3"}
    reset = int(replies[0].headers["X-RateLimit-Reset"])
    # Windows are aligned to the clock, like a per-minute counter.
    assert before < reset <= time.time() + 60
    assert 0 == reset % 60
    assert [r.status for r in replies] == [200, 200, 200, 429]
    retry_after = int(replies[3].headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert replies[3].body == {
        "error": {
            "code": "rate_limit_exceeded",
            "message": (
                f"Too many requests. Please retry after {retry_after} seconds."
            ),
        }
    }
    assert "Retry-After" not in replies[0].headers


async def test_rate_limit_window_resets(make_api: MakeApi) -> None:
    """After the window ends, requests are allowed again."""
    api = await make_api(rate_limit=1, rate_window=1.0)
    assert (await api.get("/v1/phone-numbers")).status == 200
    limited = await api.get("/v1/phone-numbers")
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "1"

    async def allowed() -> bool:
        return (await api.get("/v1/phone-numbers")).status == 200

    await eventually(allowed)


RATE_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)


def assert_rate_headers(reply: Reply, limit: int, remaining: int) -> None:
    """The three X-RateLimit-* headers, whole numbers, reset a Unix time
    at most a window (a minute) away."""
    assert all(reply.headers[name].isdigit() for name in RATE_HEADERS)
    assert int(reply.headers["X-RateLimit-Limit"]) == limit
    assert int(reply.headers["X-RateLimit-Remaining"]) == remaining
    reset = int(reply.headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61


async def test_rate_limit_headers_by_default(api: Api) -> None:
    """Rate limiting is on by default at DEFAULT_RATE_LIMIT a minute, so
    every answer, errors included, carries X-RateLimit-* (spec §6.2)."""
    ok = await api.get("/v1/phone-numbers")
    refused = await api.get("/v1/phone-numbers", limit="0")
    missing = await api.get("/v1/nope")

    assert DEFAULT_RATE_LIMIT == api.sb.config.rate_limit == 1_000_000
    assert_rate_headers(ok, DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT - 1)
    assert_rate_headers(refused, DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT - 2)
    assert_rate_headers(missing, DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT - 3)
    assert "Retry-After" not in ok.headers


async def test_rate_limit_off(make_api: MakeApi) -> None:
    """rate_limit=None turns the limit and its headers off."""
    api = await make_api(rate_limit=None)

    replies = [await api.get("/v1/phone-numbers") for _ in range(3)]

    assert {r.status for r in replies} == {200}
    for reply in replies:
        assert not [
            h for h in reply.headers if h.lower().startswith("x-ratel")
        ]


async def clear_of_the_minute_end() -> None:
    """Wait for the next minute when this one ends within 3 s: windows
    are aligned to the clock, and a burst must fit in one."""
    left = 60 - time.time() % 60
    if left < 3:
        await asyncio.sleep(left + 0.05)


async def test_the_real_limit(make_api: MakeApi) -> None:
    """FLIREO_RATE_LIMIT is the documented 100 requests a minute."""
    api = await make_api(rate_limit=FLIREO_RATE_LIMIT)
    await clear_of_the_minute_end()

    replies = [await api.get("/v1/phone-numbers") for _ in range(101)]

    assert [r.status for r in replies] == [200] * 100 + [429]
    assert_rate_headers(replies[99], 100, 0)
    assert 1 <= int(replies[100].headers["Retry-After"]) <= 60


async def test_unauthorized_requests_are_not_counted(
    make_api: MakeApi,
) -> None:
    """A 401 reports the window without using the budget."""
    api = await make_api(rate_limit=1)

    unauthorized = await api.call("GET", "/v1/phone-numbers", headers={})
    allowed = await api.get("/v1/phone-numbers")

    assert unauthorized.status == 401
    assert_rate_headers(unauthorized, 1, 1)
    assert allowed.status == 200
    assert_rate_headers(allowed, 1, 0)


@pytest.mark.parametrize(
    "faults",
    [
        Faults(error_rate=1.0),
        Faults(html_error_rate=1.0),
        Faults(rate_limit_burst_rate=1.0, burst_retry_after=7),
    ],
)
async def test_injected_answers_carry_rate_headers(
    make_api: MakeApi, faults: Faults
) -> None:
    """Injected 5xx, proxy pages and 429 bursts carry X-RateLimit-* too;
    a burst says nothing is left until its Retry-After has passed."""
    api = await make_api(rate_limit=50, faults=faults)

    reply = await api.call("GET", "/v1/phone-numbers")

    if faults.rate_limit_burst_rate:
        assert reply.status == 429
        assert reply.headers["Retry-After"] == "7"
        assert_rate_headers(reply, 50, 0)
        reset = int(reply.headers["X-RateLimit-Reset"])
        assert reset == pytest.approx(time.time() + 7, abs=1.5)
    else:
        # Not counted: the window is untouched.
        assert_rate_headers(reply, 50, 50)


# -- fault injection ----------------------------------------------------------


async def test_error_fault_answers_5xx_before_processing(
    make_api: MakeApi,
) -> None:
    """error_rate=1 answers 500/502/503 server_error and orders nothing."""
    api = await make_api(faults=Faults(error_rate=1.0))
    number = api.sb.available_numbers(limit=1)[0]

    replies = [await api.order(number) for _ in range(12)]

    assert {r.status for r in replies} <= {500, 502, 503}
    assert len({r.status for r in replies}) > 1
    for reply in replies:
        assert_error(reply, reply.status, "server_error")
    assert api.sb.order_counts() == {}
    assert api.sb.credits == 1000
    faults = {r.fault for r in api.sb.request_log}
    assert faults <= {"error_500", "error_502", "error_503"}


async def test_html_error_fault(make_api: MakeApi) -> None:
    """html_error_rate=1 answers a proxy's HTML 502 page."""
    api = await make_api(faults=Faults(html_error_rate=1.0))

    reply = await api.get("/v1/phone-numbers")

    assert reply.status == 502
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in reply.body


async def test_rate_limit_burst_fault(make_api: MakeApi) -> None:
    """rate_limit_burst_rate=1 answers 429 with Retry-After, not processed."""
    api = await make_api(
        faults=Faults(rate_limit_burst_rate=1.0, burst_retry_after=2)
    )
    number = api.sb.available_numbers(limit=1)[0]

    reply = await api.order(number)

    assert reply.status == 429
    assert reply.headers["Retry-After"] == "2"
    assert reply.body["error"]["code"] == "rate_limit_exceeded"
    assert api.sb.order_counts() == {}


async def test_drop_before_commit(make_api: MakeApi) -> None:
    """The connection closes without an answer and nothing is ordered."""
    api = await make_api(faults=Faults(drop_before_commit_rate=1.0))
    number = api.sb.available_numbers(limit=1)[0]

    with pytest.raises(aiohttp.ClientConnectionError):
        await api.order(number)

    assert api.sb.order_counts() == {}
    assert api.sb.credits == 1000
    assert (await api.get("/v1/phone-numbers")).status == 200
    log = api.sb.request_log
    assert (log[0].status, log[0].fault) == (None, "drop_before_commit")
    assert (log[1].status, log[1].fault) == (200, None)


async def test_drop_after_commit(make_api: MakeApi) -> None:
    """The order is placed and charged, but the client sees a disconnect."""
    api = await make_api(faults=Faults(drop_after_commit_rate=1.0))
    number = api.sb.available_numbers(limit=1)[0]

    with pytest.raises(aiohttp.ClientConnectionError):
        await api.order(number)

    assert api.sb.order_counts() == {number: 1}
    assert api.sb.credits == 990
    orders = await api.get("/v1/phone-number-orders")
    assert [o["phone_number"] for o in orders.body["data"]] == [number]
    log = api.sb.request_log
    assert (log[0].status, log[0].fault) == (None, "drop_after_commit")


async def test_slow_fault_outlasts_a_client_timeout(make_api: MakeApi) -> None:
    """A slow answer times the client out, but the order is committed."""
    api = await make_api(faults=Faults(slow_rate=1.0, slow_seconds=0.5))
    number = api.sb.available_numbers(limit=1)[0]

    with pytest.raises(asyncio.TimeoutError):
        await api.call(
            "POST",
            "/v1/phone-numbers",
            json={"phone_number": number},
            timeout=0.1,
        )

    assert api.sb.order_counts() == {number: 1}


async def test_slow_fault_answers_after_the_delay(make_api: MakeApi) -> None:
    """A patient client gets the normal answer after slow_seconds."""
    api = await make_api(faults=Faults(slow_rate=1.0, slow_seconds=0.05))
    start = time.monotonic()

    reply = await api.get("/v1/phone-numbers")

    assert reply.status == 200
    assert time.monotonic() - start >= 0.05
    assert api.sb.request_log[0].fault == "slow"


async def test_latency_is_drawn_from_the_range(make_api: MakeApi) -> None:
    """Injected latency lies within the configured range."""
    api = await make_api(faults=Faults(latency=(0.01, 0.03)))

    for _ in range(5):
        await api.get("/v1/phone-numbers")

    latencies = [r.latency for r in api.sb.request_log]
    assert all(0.01 <= latency <= 0.03 for latency in latencies)
    assert len(set(latencies)) == 5


async def test_apply_to_limits_faults_to_routes(make_api: MakeApi) -> None:
    """apply_to="orders" leaves every other route alone."""
    api = await make_api(faults=Faults(error_rate=1.0, apply_to="orders"))
    number = api.sb.available_numbers(limit=1)[0]

    read = await api.get("/v1/phone-numbers")
    order = await api.order(number)

    assert read.status == 200
    assert order.status in (500, 502, 503)


async def test_drops_only_hit_order_posts(make_api: MakeApi) -> None:
    """A drop rolled for a read means no fault."""
    api = await make_api(faults=Faults(drop_after_commit_rate=1.0))

    reply = await api.get("/v1/phone-number-orders")

    assert reply.status == 200
    assert api.sb.request_log[0].fault is None


async def _fault_sequence(make_api: MakeApi, seed: int) -> list[Any]:
    faults = Faults(
        error_rate=0.2,
        html_error_rate=0.1,
        rate_limit_burst_rate=0.1,
        drop_before_commit_rate=0.1,
        drop_after_commit_rate=0.1,
        latency=(0.0, 0.002),
    )
    api = await make_api(seed=seed, faults=faults, credits=10_000)
    numbers = api.sb.available_numbers(limit=40)
    for i, number in enumerate(numbers):
        try:
            if i % 2:
                await api.order(number)
            else:
                await api.get("/v1/phone-numbers")
        except aiohttp.ClientConnectionError:
            pass
    return [
        (r.seq, r.route, r.status, r.fault, r.latency)
        for r in api.sb.request_log
    ]


async def test_same_seed_same_fault_sequence(make_api: MakeApi) -> None:
    """Same seed and request order reproduce the faults exactly."""
    first = await _fault_sequence(make_api, 3)
    second = await _fault_sequence(make_api, 3)
    other = await _fault_sequence(make_api, 4)

    assert first == second
    assert first != other
    kinds = {f for *_, f, _ in first}
    assert {None, "html_error", "rate_limit_burst"} <= kinds


async def test_inspection_api_never_sees_faults(make_api: MakeApi) -> None:
    """/_sandbox routes ignore faults, auth and rate limits."""
    api = await make_api(
        faults=Faults(error_rate=1.0), rate_limit=1, rate_window=60
    )

    replies = [
        await api.call("GET", "/_sandbox/state", headers={}) for _ in range(3)
    ]

    assert {r.status for r in replies} == {200}
    assert api.sb.request_log == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"error_rate": 0.6, "slow_rate": 0.5},
        {"error_rate": 1.5},
        {"latency": (0.2, 0.1)},
        {"apply_to": "everything"},
        {"slow_seconds": -1},
    ],
)
def test_faults_validate(kwargs: dict[str, Any]) -> None:
    """Impossible fault settings are refused at construction."""
    with pytest.raises(ValueError):
        Faults(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"credits": -1},
        {"inventory_size": 0},
        {"rate_limit": 0},
        {"rate_window": 0},
        {"order_failure_rate": 2},
    ],
)
def test_config_validates(kwargs: dict[str, Any]) -> None:
    """Out-of-range configuration values are refused."""
    with pytest.raises(ValueError):
        SandboxConfig(**kwargs)


# -- inspection ---------------------------------------------------------------


async def test_inspection_http_api(make_api: MakeApi) -> None:
    """The /_sandbox HTTP API reports and changes the sandbox state."""
    api = await make_api(group_approval_delay=60)
    number = api.sb.available_numbers(limit=1)[0]
    await api.order(number)
    group_id = await api.group()
    no_auth: dict[str, str] = {}

    async def inspect(method: str, path: str, **kw: Any) -> Reply:
        return await api.call(
            method, f"/_sandbox/{path}", headers=no_auth, **kw
        )

    reply = await inspect("GET", "state")
    assert reply.headers["X-Request-Id"] == "sandbox_000001"
    state = reply.body
    assert state["requests"] == 2
    assert state["credits"] == 990
    assert state["orders"] == {
        "total": 1,
        "pending": 0,
        "success": 1,
        "failed": 0,
    }
    assert state["phone_numbers"] == 1
    assert state["verification_groups"]["pending"] == 1
    assert state["assistant_ids"] == list(api.sb.assistant_ids)
    orders = await inspect("GET", "orders", params={"phone_number": number})
    assert [o["phone_number"] for o in orders.body["data"]] == [number]
    everything = await inspect("GET", "orders")
    assert len(everything.body["data"]) == 1
    counts = await inspect("GET", "order-counts")
    assert counts.body == {"data": {number: 1}}
    log = (await inspect("GET", "requests")).body["data"]
    assert [entry["route"] for entry in log] == [
        "order_number",
        "create_group",
    ]
    assert set(log[0]) == {
        "seq",
        "request_id",
        "method",
        "path",
        "query",
        "route",
        "status",
        "fault",
        "latency",
    }
    peek = await inspect(
        "GET",
        "available-numbers",
        params={"number_type": "local", "locality": "Utrecht", "limit": "2"},
    )
    assert all(n.startswith("+3130") for n in peek.body["data"])
    assert len(peek.body["data"]) == 2
    bad_peek = await inspect(
        "GET", "available-numbers", params={"number_type": "x"}
    )
    assert_error(bad_peek, 400, "invalid_parameters")

    approved = await inspect("POST", f"verification-groups/{group_id}/approve")
    assert approved.body["data"]["status"] == "approved"
    rejected = await inspect("POST", f"verification-groups/{group_id}/reject")
    assert rejected.body["data"]["status"] == "rejected"
    missing = await inspect("POST", "verification-groups/nope/approve")
    assert_error(missing, 404, "not_found")

    credits = await inspect("POST", "credits", json={"credits": 5})
    assert credits.body == {"credits": 5}
    assert api.sb.credits == 5
    for bad in ({"credits": -1}, {"credits": "5"}, {"credits": True}, {}):
        reply = await inspect("POST", "credits", json=bad)
        assert_error(reply, 400, "invalid_parameters", "credits")

    reset = await inspect("POST", "reset")
    assert reset.body == {"message": "Sandbox reset"}
    assert api.sb.credits == 1000
    assert api.sb.order_counts() == {}
    assert_error(await inspect("GET", "nothing"), 404, "not_found")


async def test_python_accessors(api: Api) -> None:
    """The Sandbox object exposes credits, orders, log and inventory."""
    sb = api.sb
    first, second = sb.available_numbers(limit=2)
    await api.order(first)
    await api.get("/v1/phone-numbers")

    assert sb.credits == 990
    sb.set_credits(50)
    assert sb.credits == 50
    with pytest.raises(ValueError, match="credits"):
        sb.set_credits(-1)
    assert [o["phone_number"] for o in sb.orders_for(first)] == [first]
    assert sb.orders_for(second) == []
    assert sb.order_counts() == {first: 1}
    assert [(r.method, r.route, r.status) for r in sb.request_log] == [
        ("POST", "order_number", 201),
        ("GET", "list_numbers", 200),
    ]
    assert sb.available_numbers(limit=1) == [second]
    assert len(sb.available_numbers("mobile", 3)) == 3
    with pytest.raises(ValueError, match="number_type"):
        sb.available_numbers("premium")
    assert len(sb.assistant_ids) == 3
    assert sb.summary()["orders"]["total"] == 1
    assert sb.base_url == f"http://127.0.0.1:{sb.port}"
    assert repr(sb) == f"<Sandbox {sb.base_url}>"

    sb.reset()

    assert sb.credits == 1000
    assert sb.request_log == []
    assert sb.available_numbers(limit=1) == [first]


async def test_request_log_is_bounded(make_api: MakeApi) -> None:
    """The request log keeps only the most recent request_log_limit entries."""
    api = await make_api(request_log_limit=2)

    for _ in range(4):
        await api.get("/v1/phone-numbers")

    assert [r.seq for r in api.sb.request_log] == [3, 4]


# -- lifecycle ----------------------------------------------------------------


async def test_lifecycle_errors_and_idempotent_stop() -> None:
    """start twice raises; stop is idempotent; port needs a running sandbox."""
    sandbox = Sandbox()
    assert repr(sandbox) == "<Sandbox not started>"
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.port

    async with sandbox:
        with pytest.raises(RuntimeError, match="already running"):
            await sandbox.start()
    await sandbox.stop()

    with pytest.raises(RuntimeError):
        _ = sandbox.base_url


async def test_bind_failure_is_reported() -> None:
    """A port already in use raises OSError from start."""
    async with Sandbox() as first:
        second = Sandbox(port=first.port)
        with pytest.raises(OSError):
            await second.start()


async def test_stop_does_not_wait_for_slow_faults(make_api: MakeApi) -> None:
    """Stopping with a slow request in flight finishes promptly."""
    api = await make_api(faults=Faults(slow_rate=1.0, slow_seconds=30))
    request = asyncio.ensure_future(api.get("/v1/phone-numbers"))

    async def arrived() -> bool:
        return api.sb.summary()["requests"] == 1

    await eventually(arrived)
    start = time.monotonic()
    await api.sb.stop()

    assert time.monotonic() - start < 5
    with pytest.raises(aiohttp.ClientError):
        await request


async def test_ipv6_base_url_brackets_the_host() -> None:
    """An IPv6 literal host is bracketed in base_url."""
    sandbox = Sandbox(host="::1")
    try:
        await sandbox.start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert sandbox.base_url == f"http://[::1]:{sandbox.port}"
    finally:
        await sandbox.stop()


# -- pytest plugin ------------------------------------------------------------


async def test_fixture_serves_a_sandbox(
    flireo_sandbox: Sandbox,  # noqa: F811 - the imported fixture
) -> None:
    """The flireo_sandbox fixture yields a running default sandbox."""
    headers = {"Authorization": f"Bearer {flireo_sandbox.api_key}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            flireo_sandbox.base_url + "/v1/phone-numbers", headers=headers
        ) as response,
    ):
        assert response.status == 200
    assert flireo_sandbox.config == SandboxConfig()


def test_plugin_marker_and_config_override(tmp_path: Path) -> None:
    """As a plugin: config fixture override plus the marker's fields."""
    (tmp_path / "test_it.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from flireo_async.testing.sandbox import SandboxConfig

            @pytest.fixture
            def flireo_sandbox_config():
                return SandboxConfig(seed=9, credits=40)

            async def test_config(flireo_sandbox):
                assert flireo_sandbox.config.seed == 9
                assert flireo_sandbox.credits == 40

            @pytest.mark.flireo_sandbox(credits=5)
            async def test_marker(flireo_sandbox):
                assert flireo_sandbox.credits == 5
                assert flireo_sandbox.config.seed == 9
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Installed, the package registers the plugin through its entry point;
    # loading it twice would be an error, so -p only when it is not.
    installed = any(
        ep.value == "flireo_async.testing.pytest_plugin"
        for ep in entry_points(group="pytest11")
    )
    load = [] if installed else ["-p", "flireo_async.testing.pytest_plugin"]

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *load,
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "-W",
            "error",
            "--strict-markers",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


# -- command line -------------------------------------------------------------


def test_parser_builds_the_config() -> None:
    """Every command-line flag lands in the SandboxConfig."""
    args = build_parser().parse_args(
        [
            "--port=0",
            "--api-key=k",
            "--credits=7",
            "--seed=4",
            "--group-approval-delay=0.5",
            "--reject-groups-named=bad",
            "--order-completion-delay=0.25",
            "--order-failure-rate=0.1",
            "--inventory-size=10",
            "--rate-limit=5",
            "--rate-window=2",
            "--request-log-limit=9",
            "--latency",
            "0.1",
            "0.2",
            "--error-rate=0.1",
            "--html-error-rate=0.1",
            "--rate-limit-burst-rate=0.1",
            "--burst-retry-after=3",
            "--slow-rate=0.1",
            "--slow-seconds=2",
            "--drop-before-commit-rate=0.1",
            "--drop-after-commit-rate=0.1",
            "--apply-to=orders",
            "--apply-to=get_order",
        ]
    )

    assert config_from_args(args) == SandboxConfig(
        api_key="k",
        credits=7,
        seed=4,
        group_approval_delay=0.5,
        reject_groups_named="bad",
        order_completion_delay=0.25,
        order_failure_rate=0.1,
        inventory_size=10,
        rate_limit=5,
        rate_window=2,
        request_log_limit=9,
        faults=Faults(
            latency=(0.1, 0.2),
            error_rate=0.1,
            html_error_rate=0.1,
            rate_limit_burst_rate=0.1,
            burst_retry_after=3,
            slow_rate=0.1,
            slow_seconds=2,
            drop_before_commit_rate=0.1,
            drop_after_commit_rate=0.1,
            apply_to=frozenset({"orders", "get_order"}),
        ),
    )


async def test_serve_prints_the_address_and_stops(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """serve() prints the listening line and returns when stopped."""
    stop = asyncio.Event()
    task = asyncio.ensure_future(serve(SandboxConfig(api_key="k"), stop))

    async def printed() -> str:
        await asyncio.sleep(0)
        return capsys.readouterr().out

    line = await eventually(printed)
    stop.set()
    await asyncio.wait_for(task, 5)

    assert re.fullmatch(
        r"Flireo sandbox listening on http://127\.0\.0\.1:\d+ "
        r"\(api key: k\)\n",
        line,
    )


def test_main_rejects_bad_values(capsys: pytest.CaptureFixture[str]) -> None:
    """Out-of-range values exit with status 2 and a message."""
    with pytest.raises(SystemExit) as excinfo:
        main(["--error-rate", "3"])

    assert excinfo.value.code == 2
    assert "error_rate" in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_python_m_entry_point(signum: signal.Signals) -> None:
    """`python -m ...sandbox --port 0` serves, then exits 0 on a signal."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "flireo_async.testing.sandbox",
        "--port",
        "0",
        "--api-key",
        "fl_test_cli",
        "--credits",
        "20",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        match = re.fullmatch(
            r"Flireo sandbox listening on (http://127\.0\.0\.1:(\d+)) "
            r"\(api key: fl_test_cli\)\n",
            line,
        )
        assert match, line
        assert int(match[2]) > 0
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                match[1] + "/v1/phone-numbers/available",
                headers={"Authorization": "Bearer fl_test_cli"},
            ) as response,
        ):
            assert response.status == 200
            assert len((await response.json())["data"]) == 20

        process.send_signal(signum)
        code = await asyncio.wait_for(process.wait(), 10)
        assert process.stderr is not None
        stderr = await process.stderr.read()
        assert code == 0, stderr
        assert stderr == b""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_python_m_reports_a_busy_port() -> None:
    """A port in use exits 1 with a one-line error."""
    async with Sandbox() as busy:
        port = busy.port
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "flireo_async.testing.sandbox",
            "--port",
            str(port),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)

    assert process.returncode == 1
    assert stdout == b""
    assert stderr.decode() == (
        f"error: port {port} on 127.0.0.1 is already in use; choose "
        "another with --port, or --port 0 for a free one\n"
    )
