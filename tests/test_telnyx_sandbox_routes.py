"""
The Telnyx sandbox's per-number routes, the account's numbers, group
edits and the command line's Telnyx options, over raw HTTP.

What the official SDK makes of these answers is in
``tests/contract/test_telnyx_sdk_contract.py``; this module checks what
they say.
"""

from __future__ import annotations

import asyncio
import base64
import re
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from flireo_async.testing.sandbox import SandboxConfig, TelnyxSandbox
from flireo_async.testing.sandbox.__main__ import (
    _describe,
    build_parser,
    config_from_args,
    main,
    serve,
)
from flireo_async.testing.sandbox.telnyx import _state as _telnyx_state


ADDRESS = "4c5f1c8e-2b7a-4f0e-9a3d-7f1e2a9b6c01"


class Api:
    """Raw JSON calls against one Telnyx sandbox."""

    def __init__(self, sb: TelnyxSandbox, session: aiohttp.ClientSession):
        self.sb = sb
        self.session = session

    async def __call__(
        self, method: str, path: str, json: Any = None, **params: str
    ) -> tuple[int, Any]:
        async with self.session.request(
            method,
            self.sb.base_url + path,
            json=json,
            params=params or None,
            headers={"Authorization": f"Bearer {self.sb.api_key}"},
        ) as response:
            return response.status, await response.json()

    async def order(self, *numbers: str, **fields: Any) -> dict[str, Any]:
        status, body = await self(
            "POST",
            "/number_orders",
            {
                "phone_numbers": [{"phone_number": n} for n in numbers],
                **fields,
            },
        )
        assert status == 200, body
        return body["data"]  # type: ignore[no-any-return]

    async def search(self, count: int, **filters: str) -> list[str]:
        params = {"filter[country_code]": "NL", "filter[limit]": str(count)}
        params.update({f"filter[{k}]": v for k, v in filters.items()})
        status, body = await self("GET", "/available_phone_numbers", **params)
        assert status == 200
        return [n["phone_number"] for n in body["data"]]

    async def group(self, **fields: Any) -> dict[str, Any]:
        body = {
            "country_code": "NL",
            "phone_number_type": "local",
            "action": "ordering",
            **fields,
        }
        status, group = await self("POST", "/requirement_groups", body)
        assert status == 200, group
        return group  # type: ignore[no-any-return]


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with (
        TelnyxSandbox(order_completion_delay=60, group_approval_delay=0) as sb,
        aiohttp.ClientSession() as session,
    ):
        yield Api(sb, session)


def values(number: dict[str, Any]) -> list[str | None]:
    return [r["field_value"] for r in number["regulatory_requirements"]]


# -- per-number view ----------------------------------------------------------


async def test_per_number_routes(api: Api) -> None:
    """List (newest order first, by country), get, supply values."""
    first = await api.order(*await api.search(1))
    second = await api.order(
        *await api.search(1, phone_number_type="local", locality="Utrecht")
    )
    number = second["phone_numbers"][0]

    _, listed = await api("GET", "/number_order_phone_numbers")
    _, dutch = await api(
        "GET", "/number_order_phone_numbers", **{"filter[country_code]": "US"}
    )
    _, got = await api("GET", f"/number_order_phone_numbers/{number['id']}")
    missing, _ = await api(
        "PATCH", f"/number_order_phone_numbers/{number['id']}", {}
    )
    status, supplied = await api(
        "PATCH",
        f"/number_order_phone_numbers/{number['id']}",
        {
            "regulatory_requirements": [
                {"requirement_id": ADDRESS, "field_value": "addr"}
            ]
        },
    )
    again, refused = await api(
        "PATCH",
        f"/number_order_phone_numbers/{number['id']}",
        {
            "regulatory_requirements": [
                {"requirement_id": ADDRESS, "field_value": "other"}
            ]
        },
    )

    assert [n["id"] for n in listed["data"]] == [
        number["id"],
        first["phone_numbers"][0]["id"],
    ]
    assert dutch["data"] == []
    assert got["data"] == number
    assert missing == 422
    assert status == 200
    assert supplied["data"]["requirements_met"] is True
    assert supplied["data"]["deadline"] is None
    assert (again, refused["errors"][0]["code"]) == (422, "85003")


async def test_attaching_a_group_fills_only_missing_values(api: Api) -> None:
    """POST .../requirement_group copies the group's values onto the
    requirements that have none; a group that cannot apply is a 400."""
    group = await api.group(
        regulatory_requirements=[
            {"requirement_id": ADDRESS, "field_value": "from-group"}
        ]
    )
    national = await api.group(phone_number_type="national")
    local = await api.search(2, phone_number_type="local", locality="Utrecht")
    order = await api.order(*local)
    one, two = (n["id"] for n in order["phone_numbers"])
    await api(
        "PATCH",
        f"/number_order_phone_numbers/{one}",
        {
            "regulatory_requirements": [
                {"requirement_id": ADDRESS, "field_value": "own"}
            ]
        },
    )

    refusals = [
        await api(
            "POST",
            f"/number_order_phone_numbers/{two}/requirement_group",
            {"requirement_group_id": group_id},
        )
        for group_id in (None, 5, "missing", national["id"])
    ]
    sub_id = order["sub_number_orders_ids"][0]
    status, sub = await api(
        "POST",
        f"/sub_number_orders/{sub_id}/requirement_group",
        {"requirement_group_id": group["id"]},
    )

    for code, body in refusals:
        assert (code, body["errors"][0]["code"]) == (400, "10015")
    assert status == 200
    assert [values(n) for n in sub["data"]["phone_numbers"]] == [
        ["own"],
        ["from-group"],
    ]
    assert [
        n["requirement_group_id"] for n in sub["data"]["phone_numbers"]
    ] == [
        group["id"],
        group["id"],
    ]
    assert sub["data"]["requirements_met"] is True


# -- the account's numbers ----------------------------------------------------


async def test_account_numbers_follow_their_orders(api: Api) -> None:
    """Ordered numbers are the account's until their order is cancelled;
    their status follows the requirements and the sub-order."""
    national = await api.order(*await api.search(1), customer_reference="n")
    local = await api.order(
        *await api.search(1, phone_number_type="local", locality="Utrecht"),
        billing_group_id="bg-1",
    )
    cancelled = await api.order(
        *await api.search(1, phone_number_type="mobile")
    )
    await api(
        "PATCH",
        f"/sub_number_orders/{cancelled['sub_number_orders_ids'][0]}/cancel",
    )

    _, listed = await api("GET", "/phone_numbers")
    by_number = {n["phone_number"]: n for n in listed["data"]}
    (local_number,) = local["phone_numbers"]
    _, one = await api(
        "GET",
        f"/phone_numbers/{by_number[local_number['phone_number']]['id']}",
    )
    gone = cancelled["phone_numbers"][0]["phone_number"]

    assert [n["phone_number"] for n in listed["data"]] == [
        local_number["phone_number"],
        national["phone_numbers"][0]["phone_number"],
    ]
    assert gone not in by_number
    assert {n["status"] for n in listed["data"]} == {
        "purchase-pending",
        "requirement-info-pending",
    }
    assert one["data"]["status"] == "requirement-info-pending"
    assert one["data"]["billing_group_id"] == "bg-1"
    assert re.fullmatch(r"[1-9][0-9]{18}", one["data"]["id"])
    assert listed["meta"] == {
        "total_pages": 1,
        "total_results": 2,
        "page_number": 1,
        "page_size": 20,
    }


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"filter[phone_number]": "+3185"}, ["national"]),
        ({"filter[phone_number]": "85x"}, []),
        ({"filter[status]": "requirement-info-pending"}, ["local"]),
        ({"filter[status]": "active"}, []),
        ({"filter[number_type][eq]": "national"}, ["national"]),
        ({"filter[country_iso_alpha2]": "US,NL"}, ["local", "national"]),
        ({"filter[country_iso_alpha2]": "US"}, []),
        ({"filter[customer_reference]": "n"}, ["national"]),
        ({"filter[billing_group_id]": "null"}, ["national"]),
        ({"filter[billing_group_id]": "bg-1"}, ["local"]),
        ({"filter[source]": "ported"}, []),
        ({"filter[source]": "purchased"}, ["local", "national"]),
        ({"sort": "purchased_at"}, ["national", "local"]),
        ({"sort": "connection_name"}, ["local", "national"]),
        ({"page[size]": "1", "page[number]": "2"}, ["national"]),
    ],
)
async def test_account_number_filters(
    api: Api, params: dict[str, str], found: list[str]
) -> None:
    orders = {
        "national": await api.order(
            *await api.search(1), customer_reference="n"
        ),
        "local": await api.order(
            *await api.search(
                1, phone_number_type="local", locality="Utrecht"
            ),
            billing_group_id="bg-1",
        ),
    }
    numbers = {
        o["phone_numbers"][0]["phone_number"]: kind
        for kind, o in orders.items()
    }

    status, listed = await api("GET", "/phone_numbers", **params)

    assert status == 200
    assert [numbers[n["phone_number"]] for n in listed["data"]] == found


async def test_account_number_sort_by_number(api: Api) -> None:
    for number in await api.search(3):
        await api.order(number)

    _, listed = await api("GET", "/phone_numbers", sort="phone_number")

    shown = [n["phone_number"] for n in listed["data"]]
    assert shown == sorted(shown)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"filter[phone_number]": "85"}, 400, "10015"),
        ({"filter[status]": "sleeping"}, 422, "10032"),
        ({"sort": "size"}, 422, "10032"),
        ({"page[size]": "251"}, 422, "10033"),
    ],
)
async def test_account_number_refusals(
    api: Api, params: dict[str, str], status: int, code: str
) -> None:
    got, body = await api("GET", "/phone_numbers", **params)

    assert (got, body["errors"][0]["code"]) == (status, code)


async def test_unknown_account_number(api: Api) -> None:
    status, body = await api("GET", "/phone_numbers/1234567890123456789")

    assert (status, body["errors"][0]["source"]) == (404, {"parameter": "id"})


# -- sub-order lists ----------------------------------------------------------


async def test_sub_order_lists_are_paginated(api: Api) -> None:
    """meta.page_size is the page size, not the number of results."""
    for number in await api.search(3):
        await api.order(number)

    _, first = await api("GET", "/sub_number_orders", **{"page[size]": "2"})
    _, second = await api(
        "GET", "/sub_number_orders", **{"page[size]": "2", "page[number]": "2"}
    )
    _, default = await api("GET", "/sub_number_orders")

    assert [len(first["data"]), len(second["data"])] == [2, 1]
    assert first["meta"] == {
        "total_pages": 2,
        "total_results": 3,
        "page_number": 1,
        "page_size": 2,
    }
    assert default["meta"]["page_size"] == 20


# -- requirement groups -------------------------------------------------------


async def test_group_edits(api: Api) -> None:
    """PATCH: a changed value needs a new review; a reference alone does
    not.  DELETE removes the group; its orders keep their values."""
    group = await api.group(
        regulatory_requirements=[
            {"requirement_id": ADDRESS, "field_value": "one"}
        ]
    )
    path = f"/requirement_groups/{group['id']}"
    await api("POST", path + "/submit_for_approval")
    _, approved = await api("GET", path)
    _, renamed = await api("PATCH", path, {"customer_reference": "kyc"})
    _, same = await api(
        "PATCH",
        path,
        {
            "regulatory_requirements": [
                {"requirement_id": ADDRESS, "field_value": "one"}
            ]
        },
    )
    _, changed = await api(
        "PATCH",
        path,
        {
            "regulatory_requirements": [
                {"requirement_id": ADDRESS, "field_value": "two"}
            ]
        },
    )
    foreign, refused = await api(
        "PATCH",
        path,
        {
            "regulatory_requirements": [
                {"requirement_id": "x", "field_value": "y"}
            ]
        },
    )
    deleted_status, deleted = await api("DELETE", path)
    gone, _ = await api("GET", path)
    _, listed = await api("GET", "/requirement_groups")

    assert approved["status"] == "approved"
    assert (renamed["status"], renamed["customer_reference"]) == (
        "approved",
        "kyc",
    )
    assert same["status"] == "approved"
    assert changed["status"] == "unapproved"
    assert changed["regulatory_requirements"][0] == {
        **changed["regulatory_requirements"][0],
        "field_value": "two",
        "status": "unapproved",
    }
    assert (foreign, refused["errors"][0]["code"]) == (400, "10015")
    assert (deleted_status, deleted["id"]) == (200, group["id"])
    assert gone == 404
    assert listed == []


class _Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


async def test_an_edit_during_review_restarts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An approval due for the old values does not approve the new ones."""
    clock = _Clock()
    # The account's own clock only: the event loop keeps the real one.
    monkeypatch.setattr(_telnyx_state, "time", clock)
    async with (
        TelnyxSandbox(group_approval_delay=10) as sb,
        aiohttp.ClientSession() as session,
    ):
        api = Api(sb, session)
        group = await api.group(
            regulatory_requirements=[
                {"requirement_id": ADDRESS, "field_value": "one"}
            ]
        )
        path = f"/requirement_groups/{group['id']}"
        await api("POST", path + "/submit_for_approval")  # due at +10
        await api(
            "PATCH",
            path,
            {
                "regulatory_requirements": [
                    {"requirement_id": ADDRESS, "field_value": "two"}
                ]
            },
        )
        clock.now += 5
        await api("POST", path + "/submit_for_approval")  # due at +15
        clock.now += 7
        _, halfway = await api("GET", path)
        clock.now += 4
        _, done = await api("GET", path)

    assert halfway["status"] == "pending-approval"
    assert done["status"] == "approved"


async def test_submitting_needs_every_value(api: Api) -> None:
    """A group without its values cannot be submitted; a group of a type
    without requirements can."""
    empty = await api.group()
    national = await api.group(phone_number_type="national")

    status, refused = await api(
        "POST", f"/requirement_groups/{empty['id']}/submit_for_approval"
    )
    ok, submitted = await api(
        "POST", f"/requirement_groups/{national['id']}/submit_for_approval"
    )

    assert status == 422
    assert [(e["code"], e["source"]) for e in refused["errors"]] == [
        ("10004", {"pointer": "/regulatory_requirements"})
    ]
    assert (ok, submitted["status"]) == (200, "pending-approval")


# -- the command line ---------------------------------------------------------


def test_help_explains_every_option() -> None:
    """Every option has help; those with a default show it; the usage
    names the command it was run as and both modes."""
    parser = build_parser("flireo sandbox")
    text = parser.format_help()

    assert text.startswith("usage: flireo sandbox ")
    assert "--telnyx" in text
    assert "Telnyx v2" in text
    for action in parser._actions:
        assert action.help, action.option_strings
    # The options part, one entry per option, wrapped lines joined.
    options = " ".join(text.split("\noptions:\n", 1)[1].split())
    for flag, default in (
        ("--group-approval-delay S", "1.0"),
        ("--rate-limit N", "1000000"),
        ("--seed N", "0"),
        ("--latency LOW HIGH", "(0.0, 0.0)"),
    ):
        entry = options.split(flag + " ", 1)[1].split(" --", 1)[0]
        assert f"(default: {default})" in entry, flag


def test_prog_follows_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["/venv/bin/flireo", "sandbox"])
    assert build_parser().prog == "flireo sandbox"
    monkeypatch.setattr(sys, "argv", ["/x/__main__.py"])
    assert build_parser().prog == "python -m flireo_async.testing.sandbox"


def test_telnyx_mode_defaults_its_own_key() -> None:
    """--telnyx serves KEY_telnyx_test_sandbox, as TelnyxSandbox() does."""
    telnyx = config_from_args(build_parser().parse_args(["--telnyx"]))
    flireo = config_from_args(build_parser().parse_args([]))
    named = config_from_args(
        build_parser().parse_args(["--telnyx", "--api-key", "KEY_x"])
    )

    assert telnyx.api_key == TelnyxSandbox().api_key
    assert flireo.api_key == "fl_test_sandbox"
    assert named.api_key == "KEY_x"


def test_rate_limit_zero_turns_it_off() -> None:
    off = config_from_args(build_parser().parse_args(["--rate-limit", "0"]))
    real = config_from_args(build_parser().parse_args(["--rate-limit", "100"]))

    assert (off.rate_limit, real.rate_limit) == (None, 100)
    assert SandboxConfig().rate_limit == 1_000_000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--webhook-url", "http://127.0.0.1:1/hook"], "needs --telnyx"),
        (["--telnyx", "--webhook-url", "ftp://host/hook"], "http(s) URL"),
    ],
)
def test_webhook_url_is_checked(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)

    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_webhook_url_needs_the_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)

    with pytest.raises(SystemExit):
        main(["--telnyx", "--webhook-url", "http://127.0.0.1:1/hook"])

    assert "flireo-async[telnyx]" in capsys.readouterr().err


def test_other_os_errors_are_shown_as_they_are() -> None:
    error = OSError(13, "Permission denied")

    assert _describe(error, SandboxConfig()) == "[Errno 13] Permission denied"


async def test_serve_sends_webhooks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """serve(telnyx=True, webhook_url=...) prints the key on a second
    line and delivers number_order.complete there, signed with it."""
    received: list[tuple[bytes, dict[str, str]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.read(), dict(request.headers)))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    stop = asyncio.Event()
    config = SandboxConfig(api_key="k", order_completion_delay=0)
    task = asyncio.ensure_future(
        serve(config, stop, telnyx=True, webhook_url=url)
    )
    try:
        out = ""
        while out.count("\n") < 2:
            await asyncio.sleep(0.01)
            out += capsys.readouterr().out
        base = re.search(r"listening on (\S+) ", out)
        key = re.search(r"public key (\S+)\n", out)
        assert base
        assert key
        async with aiohttp.ClientSession() as session:
            api = Api(_Shim(base[1], "k"), session)  # type: ignore[arg-type]
            await api.order(*await api.search(1))
            for _ in range(1000):  # up to 10 s on a loaded machine
                if received:
                    break
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await runner.cleanup()

    assert f"webhooks to {url}" in out
    body, headers = received[0]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PublicKey,
    )

    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key[1]))
    signed = headers["telnyx-timestamp"].encode() + b"|" + body
    public.verify(
        base64.b64decode(headers["telnyx-signature-ed25519"]), signed
    )


class _Shim:
    # What Api needs of a sandbox that runs inside serve().
    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url
        self.api_key = api_key
