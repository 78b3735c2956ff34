"""
The Telnyx sandbox, judged by someone else's models: the official
``telnyx`` SDK (pinned to 4.176.0 in the test extra; never 4.87.1/4.87.2)
with ``_strict_response_validation=True`` drives every call of
``spec/telnyx.md`` that the sandbox serves, errors included.

Strict mode validates every answer against the SDK's pydantic models, so
a field of the wrong type or an enum value the SDK does not know fails
here, not in a user's test.  Two documented values are outside the SDK's
enums (spec §1.10): ``cancelled`` (order, sub-order and number statuses)
and the group status ``no-longer-eligible``.  The sandbox answers them
as the API does; the tests below show the SDK rejecting exactly those
values in strict mode and reading them in its default mode.

Errors must arrive as the SDK's typed errors with the HTTP statuses of
spec §2.2 (checked against `SPEC_STATUSES` for every error seen).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pydantic
import pytest
from aiohttp import web

from flireo_async.testing.sandbox import (
    TELNYX_ROUTES,
    Faults,
    TelnyxSandbox,
)


telnyx = pytest.importorskip("telnyx")
if telnyx.__version__ in ("4.87.1", "4.87.2"):  # pragma: no cover
    pytest.fail("telnyx 4.87.1 and 4.87.2 were malicious releases")

from telnyx.types import (  # noqa: E402 - after the version check
    NumberOrderStatusUpdateWebhookEvent,
)


ADDRESS = "4c5f1c8e-2b7a-4f0e-9a3d-7f1e2a9b6c01"
SUB_ORDER_WRITES = {
    "update_sub_number_order",
    "sub_number_order_requirement_group",
    "cancel_sub_number_order",
}

#: The HTTP statuses spec §2.2 allows for each error code.
SPEC_STATUSES: dict[str, set[int]] = {
    "10004": {400, 422},
    "10005": {404},
    "10007": {500, 501, 502, 503},
    "10009": {401},
    "10011": {429},
    "10015": {400},
    "10016": {400, 422},
    "10031": {400},
    "10032": {422},
    "10033": {422},
    "85000": {422},
    "85001": {422},
    "85003": {422},
}

#: The SDK's exception for each status (its `_make_status_error`).
SDK_ERRORS = {
    400: "BadRequestError",
    401: "AuthenticationError",
    404: "NotFoundError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
    500: "InternalServerError",
    501: "InternalServerError",
    502: "InternalServerError",
    503: "InternalServerError",
}


class Rig:
    """A Telnyx sandbox and strict official clients for it."""

    def __init__(self, sb: TelnyxSandbox) -> None:
        self.sb = sb
        self.sdk = self.client()
        self.errors: list[tuple[int, str]] = []

    def client(self, *, strict: bool = True, **kw: Any) -> Any:
        kw.setdefault("api_key", self.sb.api_key)
        kw.setdefault("max_retries", 0)
        return telnyx.AsyncTelnyx(
            base_url=self.sb.base_url,
            _strict_response_validation=strict,
            **kw,
        )

    async def refused(self, call: Any, status: int, code: str) -> Any:
        """Await *call*; it must raise the SDK's typed error for *status*
        with *code* first in its ``errors[]``."""
        with pytest.raises(telnyx.APIStatusError) as info:
            await call
        error = info.value
        assert type(error).__name__ == SDK_ERRORS[status], error
        assert error.status_code == status
        assert error.body["errors"][0]["code"] == code
        for entry in error.body["errors"]:
            self.errors.append((status, entry["code"]))
        return error

    async def search(self, count: int = 1, **filters: Any) -> list[str]:
        filters = {"country_code": "NL", "limit": count, **filters}
        found = await self.sdk.available_phone_numbers.list(filter=filters)
        return [n.phone_number for n in found.data]


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with TelnyxSandbox(
        order_completion_delay=60, group_approval_delay=0
    ) as sb:
        made = Rig(sb)
        yield made
        await made.sdk.close()
        for status, code in made.errors:
            assert status in SPEC_STATUSES[code], (status, code)


def routes_seen(sb: TelnyxSandbox) -> set[str]:
    return {r.route for r in sb.request_log}


async def test_every_served_route_parses_in_strict_mode(rig: Rig) -> None:
    """One pass over the ordering flow touches every served route, and
    the strict SDK accepts every answer."""
    sdk, sb = rig.sdk, rig.sb
    local = await rig.search(
        2, phone_number_type="local", locality="Amsterdam"
    )
    national = await rig.search(
        1, phone_number_type="national", features=["voice"]
    )
    bare = await sdk.requirement_groups.create(
        country_code="NL", phone_number_type="local", action="ordering"
    )
    group = await sdk.requirement_groups.create(
        country_code="NL",
        phone_number_type="local",
        action="ordering",
        customer_reference="kyc-1",
        regulatory_requirements=[
            {"requirement_id": ADDRESS, "field_value": "addr-1"}
        ],
    )
    edited = await sdk.requirement_groups.update(
        group.id, customer_reference="kyc-2"
    )
    submitted = await sdk.requirement_groups.submit_for_approval(group.id)
    fetched = await sdk.requirement_groups.retrieve(group.id)
    listed = await sdk.requirement_groups.list(
        filter={"country_code": "NL", "status": "approved"}
    )
    deleted = await sdk.requirement_groups.delete(bare.id)

    order = await sdk.number_orders.create(
        phone_numbers=[{"phone_number": n} for n in [*local, *national]],
        customer_reference="ref-1",
    )
    got = await sdk.number_orders.retrieve(order.data.id)
    patched = await sdk.number_orders.update(
        order.data.id, customer_reference="ref-2"
    )
    orders = [
        o
        async for o in sdk.number_orders.list(
            filter={"customer_reference": "ref-2"}, page_size=1
        )
    ]
    subs = await sdk.sub_number_orders.list(
        filter={
            "order_request_id": order.data.id,
            "include_phone_numbers": True,
        }
    )
    local_sub = next(s.id for s in subs.data if s.phone_number_type == "local")
    sub = await sdk.sub_number_orders.retrieve(
        local_sub, filter={"include_phone_numbers": True}
    )
    first, second = (
        n for n in got.data.phone_numbers if n.phone_number in local
    )
    per_number = await sdk.number_order_phone_numbers.list(
        filter={"country_code": "NL"}
    )
    one = await sdk.number_order_phone_numbers.retrieve(first.id)
    supplied = await sdk.number_order_phone_numbers.update_requirements(
        first.id,
        regulatory_requirements=[
            {"requirement_id": ADDRESS, "field_value": "addr-2"}
        ],
    )
    attached = await sdk.number_order_phone_numbers.update_requirement_group(
        second.id, requirement_group_id=group.id
    )
    account = [n async for n in sdk.phone_numbers.list()]
    owned = await sdk.phone_numbers.retrieve(account[0].id)

    assert bare.status == "unapproved"
    assert [r.status for r in bare.regulatory_requirements] == ["unapproved"]
    assert edited.customer_reference == "kyc-2"
    assert submitted.status == "pending-approval"
    assert [r.status for r in submitted.regulatory_requirements] == [
        "pending-approval"
    ]
    assert (fetched.status, listed[0].id) == ("approved", group.id)
    assert deleted.id == bare.id
    assert got.data.phone_numbers_count == 3
    assert patched.data.customer_reference == "ref-2"
    assert [o.id for o in orders] == [order.data.id]
    assert len(subs.data) == 2
    assert subs.meta.page_size == 20
    assert sub.data.phone_numbers
    assert sub.data.requirements_met is False
    assert {n.id for n in per_number.data} >= {first.id, second.id}
    assert one.data.requirements_status == "requirement-info-pending"
    assert supplied.data.requirements_met is True
    assert attached.data.requirements_met is True
    assert attached.data.regulatory_requirements[0].field_value == "addr-1"
    assert {n.phone_number for n in account} == {*local, *national}
    assert owned.data.phone_number == account[0].phone_number
    # The sub-order writes have a test of their own (below).
    assert TELNYX_ROUTES - SUB_ORDER_WRITES - {"unknown"} <= routes_seen(sb)


async def test_sub_order_requirement_routes_parse(rig: Rig) -> None:
    """PATCH a sub-order's values, attach a group to another sub-order."""
    sdk = rig.sdk
    group = await sdk.requirement_groups.create(
        country_code="NL",
        phone_number_type="local",
        action="ordering",
        regulatory_requirements=[
            {"requirement_id": ADDRESS, "field_value": "addr-3"}
        ],
    )
    ids = []
    for number in await rig.search(
        2, phone_number_type="local", locality="Rotterdam"
    ):
        order = await sdk.number_orders.create(
            phone_numbers=[{"phone_number": number}]
        )
        ids.append(order.data.sub_number_orders_ids[0])

    updated = await sdk.sub_number_orders.update(
        ids[0],
        regulatory_requirements=[
            {"requirement_id": ADDRESS, "field_value": "addr-4"}
        ],
    )
    attached = await sdk.sub_number_orders.update_requirement_group(
        ids[1], requirement_group_id=group.id
    )

    assert updated.data.requirements_met is True
    assert attached.data.requirements_met is True
    assert (
        attached.data.phone_numbers[0].regulatory_requirements[0].field_value
        == "addr-3"
    )
    assert {
        "update_sub_number_order",
        "sub_number_order_requirement_group",
    } <= routes_seen(rig.sb)


async def test_completed_orders_parse(rig: Rig) -> None:
    """Orders that settle (success and failure) read back strictly, as
    does their number_order.complete webhook."""
    events: list[bytes] = []

    async def receive(request: web.Request) -> web.Response:
        events.append(await request.read())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with TelnyxSandbox(
            order_completion_delay=0,
            order_failure_rate=0.5,
            seed=3,
            webhook_url=f"http://127.0.0.1:{port}/hook",
        ) as sb:
            strict = Rig(sb)
            numbers = await strict.search(4, phone_number_type="national")
            orders = [
                await strict.sdk.number_orders.create(
                    phone_numbers=[{"phone_number": n}]
                )
                for n in numbers
            ]
            for _ in range(500):  # up to 10 s on a loaded machine
                if len(events) == len(orders):
                    break
                await asyncio.sleep(0.02)
            done = [
                await strict.sdk.number_orders.retrieve(o.data.id)
                for o in orders
            ]
            account = [n async for n in strict.sdk.phone_numbers.list()]
            await strict.sdk.close()
    finally:
        await runner.cleanup()

    assert {o.data.status for o in done} == {"success", "failure"}
    assert len(events) == len(orders)
    for raw in events:
        event = NumberOrderStatusUpdateWebhookEvent.model_validate(
            json.loads(raw)
        )
        assert event.data.event_type == "number_order.complete"
    succeeded = {
        o.data.phone_numbers[0].phone_number
        for o in done
        if o.data.status == "success"
    }
    assert {n.phone_number for n in account} == succeeded
    assert {n.status for n in account} == {"active"}


async def test_cancelled_is_outside_the_sdk_enums(rig: Rig) -> None:
    """spec §1.10: ``cancelled`` is a documented status the SDK's strict
    models reject; nothing else in the answer is refused, and the SDK's
    default mode reads it."""
    sdk = rig.sdk
    (number,) = await rig.search(1, phone_number_type="national")
    order = await sdk.number_orders.create(
        phone_numbers=[{"phone_number": number}]
    )
    sub_id = order.data.sub_number_orders_ids[0]

    with pytest.raises(telnyx.APIResponseValidationError) as info:
        await sdk.sub_number_orders.cancel(sub_id)
    lenient = rig.client(strict=False)
    cancelled = await lenient.sub_number_orders.retrieve(sub_id)
    await lenient.close()

    assert_only_rejected(info.value, "cancelled")
    assert cancelled.data.status == "cancelled"
    assert "cancel_sub_number_order" in routes_seen(rig.sb)


async def test_no_longer_eligible_is_outside_the_sdk_enum(rig: Rig) -> None:
    """spec §1.10: the group status ``no-longer-eligible`` is refused by
    the strict SDK alone; its requirements read ``unapproved``."""
    group = await rig.sdk.requirement_groups.create(
        country_code="NL", phone_number_type="local", action="ordering"
    )
    rig.sb.set_requirement_group_status(group.id, "no-longer-eligible")

    with pytest.raises(telnyx.APIResponseValidationError) as info:
        await rig.sdk.requirement_groups.retrieve(group.id)

    assert_only_rejected(info.value, "no-longer-eligible")


def assert_only_rejected(error: Exception, value: str) -> None:
    cause = error.__cause__
    assert isinstance(cause, pydantic.ValidationError)
    problems = cause.errors()
    assert problems
    assert {p["input"] for p in problems} == {value}
    assert {p["loc"][-1] for p in problems} == {"status"}


# -- errors -------------------------------------------------------------------


async def test_bad_requests_are_400(rig: Rig) -> None:
    """10015 and 10031 (malformed) answer 400 (spec §2.2)."""
    sdk = rig.sdk
    (number,) = await rig.search(1, phone_number_type="national")
    await rig.search(1, phone_number_type="local", locality="Amsterdam")

    await rig.refused(sdk.number_orders.create(phone_numbers=[]), 400, "10015")
    await rig.refused(
        sdk.number_orders.create(
            phone_numbers=[{"phone_number": number}],
            extra_body={"customer_reference": 5},
        ),
        400,
        "10015",
    )
    await rig.refused(
        sdk.number_orders.create(
            phone_numbers=[
                {"phone_number": number, "requirement_group_id": "nope"}
            ]
        ),
        400,
        "10015",
    )
    await rig.refused(
        sdk.number_orders.list(filter={"requirements_met": "maybe"}),  # type: ignore[typeddict-item]
        400,
        "10015",
    )


async def test_sub_order_update_errors_are_400(rig: Rig) -> None:
    """Malformed or foreign requirement values are 400; cancelling twice
    is 400; a PATCH without values is 422 10004."""
    sdk = rig.sdk
    (number,) = await rig.search(
        1, phone_number_type="local", locality="Amsterdam"
    )
    order = await sdk.number_orders.create(
        phone_numbers=[{"phone_number": number}]
    )
    sub_id = order.data.sub_number_orders_ids[0]

    await rig.refused(
        sdk.sub_number_orders.update(
            sub_id,
            regulatory_requirements=[
                {"requirement_id": "other", "field_value": "x"}
            ],
        ),
        400,
        "10015",
    )
    await rig.refused(
        sdk.sub_number_orders.update(
            sub_id, extra_body={"regulatory_requirements": {}}
        ),
        400,
        "10015",
    )
    await rig.refused(sdk.sub_number_orders.update(sub_id), 422, "10004")
    await rig.refused(
        sdk.sub_number_orders.update_requirement_group(
            sub_id, requirement_group_id="nope"
        ),
        400,
        "10015",
    )


async def test_refusals_are_422(rig: Rig) -> None:
    """Well-formed requests the API refuses: 85000, 85001, 85003, 10032,
    10033, 10004 (a group submitted without its values)."""
    sdk = rig.sdk
    unsearched = rig.sb.available_numbers(phone_number_type="mobile")[0]
    (taken,) = await rig.search(1, phone_number_type="national")
    order = await sdk.number_orders.create(
        phone_numbers=[{"phone_number": taken}]
    )
    empty = await sdk.requirement_groups.create(
        country_code="NL", phone_number_type="local", action="ordering"
    )

    await rig.refused(
        sdk.number_orders.create(phone_numbers=[{"phone_number": unsearched}]),
        422,
        "85000",
    )
    await rig.refused(
        sdk.number_orders.create(phone_numbers=[{"phone_number": taken}]),
        422,
        "85001",
    )
    await rig.refused(
        sdk.number_orders.update(
            order.data.id,
            regulatory_requirements=[
                {"requirement_id": ADDRESS, "field_value": "x"}
            ],
        ),
        422,
        "85003",
    )
    await rig.refused(
        sdk.sub_number_orders.list(filter={"status": "unknown"}),  # type: ignore[typeddict-item]
        422,
        "10032",
    )
    await rig.refused(
        sdk.available_phone_numbers.list(
            filter={"country_code": "NL", "limit": 5000}
        ),
        422,
        "10033",
    )
    error = await rig.refused(
        sdk.requirement_groups.submit_for_approval(empty.id), 422, "10004"
    )
    assert ADDRESS in error.body["errors"][0]["detail"]
    still = await sdk.requirement_groups.retrieve(empty.id)
    assert still.status == "unapproved"


async def test_missing_resources_are_404(rig: Rig) -> None:
    """Every {id} route: an unknown id is NotFoundError 10005."""
    sdk = rig.sdk
    for call in (
        sdk.number_orders.retrieve("missing"),
        sdk.sub_number_orders.retrieve("missing"),
        sdk.number_order_phone_numbers.retrieve("missing"),
        sdk.phone_numbers.retrieve("missing"),
        sdk.requirement_groups.retrieve("missing"),
        sdk.requirement_groups.delete("missing"),
    ):
        error = await rig.refused(call, 404, "10005")
        assert error.body["errors"][0]["source"] == {"parameter": "id"}


async def test_unauthorized_is_401(rig: Rig) -> None:
    wrong = rig.client(api_key="KEY_wrong")
    try:
        await rig.refused(wrong.number_orders.list(), 401, "10009")
    finally:
        await wrong.close()


async def test_rate_limited_is_429() -> None:
    # A day's window: two requests never straddle its end.
    async with TelnyxSandbox(rate_limit=1, rate_window=86_400) as sb:
        rig = Rig(sb)
        await rig.sdk.requirement_groups.list()
        error = await rig.refused(
            rig.sdk.requirement_groups.list(), 429, "10011"
        )
        await rig.sdk.close()

    assert error.response.headers["x-ratelimit-remaining"] == "0"
    assert error.response.headers["x-ratelimit-reset"].isdigit()


@pytest.mark.parametrize("seed", [0, 1, 2])
async def test_server_errors_are_5xx(seed: int) -> None:
    """Injected failures are InternalServerError with 10007."""
    async with TelnyxSandbox(seed=seed, faults=Faults(error_rate=1.0)) as sb:
        rig = Rig(sb)
        with pytest.raises(telnyx.InternalServerError) as info:
            await rig.sdk.number_orders.list()
        await rig.sdk.close()

    assert info.value.status_code in {500, 502, 503}
    assert info.value.body["errors"][0]["code"] == "10007"


async def test_unserved_routes_are_501_and_not_retried(rig: Rig) -> None:
    """A route the sandbox does not model is a 501, never the 404 of a
    missing resource; it says so, and the SDK does not retry it."""
    retrying = rig.client(max_retries=2)
    try:
        error = await rig.refused(
            retrying.number_reservations.list(), 501, "10007"
        )
    finally:
        await retrying.close()

    assert (
        "does not serve GET /v2/number_reservations"
        in (error.body["errors"][0]["detail"])
    )
    assert error.response.headers["x-should-retry"] == "false"
    assert [r.route for r in rig.sb.request_log] == ["unknown"]


async def test_raw_unknown_path_is_distinct_from_missing_resource() -> None:
    """Without the SDK: same method, an unknown path and a missing id."""
    async with (
        TelnyxSandbox() as sb,
        aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {sb.api_key}"}
        ) as session,
    ):
        async with session.get(f"{sb.base_url}/number_order/x") as reply:
            route = (reply.status, await reply.json())
        async with session.get(f"{sb.base_url}/number_orders/x") as reply:
            resource = (reply.status, await reply.json())

    assert (route[0], resource[0]) == (501, 404)
    assert route[1]["errors"][0]["title"] == "Not served by the sandbox"
    assert resource[1]["errors"][0]["title"] == "Resource not found"
