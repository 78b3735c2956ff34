"""
The Flireo sandbox's answers, validated against JSON Schema seeded from
``spec/flireo-api.md``.

``flireo_v1.schema.json`` (next to this file) holds one schema per
documented answer, written from the spec's JSON examples and field
tables: every key the docs show is required, no other key is allowed, and
types, enums, id and timestamp formats and nullability are the documented
ones.  The spec's own examples are validated first, so the schemas are
the docs' and not fitted to the sandbox; then every answer of a flow that
touches each endpoint is validated, with the rate-limit headers that
spec §6.2 puts on every response.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
from multidict import CIMultiDictProxy

from flireo_async.testing.sandbox import Faults, Sandbox


SCHEMAS = json.loads(
    (Path(__file__).parent / "flireo_v1.schema.json").read_text()
)


def validator(name: str) -> jsonschema.Draft202012Validator:
    """The validator of one answer's schema (a ``$defs`` entry)."""
    schema = {**SCHEMAS, "$ref": f"#/$defs/{name}"}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def valid(name: str, instance: Any) -> None:
    """Assert *instance* is valid, naming every problem when it is not."""
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
        for e in validator(name).iter_errors(instance)
    ]
    assert not problems, "\n".join(problems)


# -- the spec's examples ------------------------------------------------------

#: (schema, example) for every JSON answer the spec prints, verbatim.
SPEC_EXAMPLES: list[tuple[str, Any]] = [
    (  # §4.2
        "available",
        {
            "data": [
                {
                    "phone_number": "+31851234567",
                    "number_type": "national",
                    "locality": None,
                    "features": ["voice", "sms"],
                    "cost": {
                        "monthly": "2.00",
                        "currency": "EUR",
                        "credits": 10,
                    },
                    "reservable": True,
                },
                {
                    "phone_number": "+31851234568",
                    "number_type": "national",
                    "locality": None,
                    "features": ["voice"],
                    "cost": {
                        "monthly": "2.00",
                        "currency": "EUR",
                        "credits": 10,
                    },
                    "reservable": True,
                },
            ],
            "meta": {
                "total_results": 2,
                "number_type": "national",
                "requires_verification": False,
            },
        },
    ),
    (  # §4.4
        "numbers",
        {
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
        },
    ),
    (  # §4.5
        "ordered",
        {
            "message": "Phone number ordered",
            "data": {
                "order_id": "660e8400-e29b-41d4-a716-446655440000",
                "phone_number": "+31851234567",
                "number_type": "national",
                "status": "pending",
                "credits_used": 10,
                "remaining_credits": 90,
            },
        },
    ),
    (  # §4.6
        "orders",
        {
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
        },
    ),
    (  # §4.7
        "order",
        {
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
        },
    ),
    (  # §4.8
        "group_created",
        {
            "message": "Verification group created",
            "data": {
                "requirement_group_id": "550e8400-e29b-41d4-a716-446655440000"
            },
        },
    ),
    (  # §4.9
        "groups",
        {
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
        },
    ),
    (  # §4.10
        "group",
        {
            "data": {
                "id": "550e8400-e29b-41d4-a716-446655440000",
                "name": "Amsterdam Office",
                "phone_number_type": "local",
                "status": "approved",
                "locality": "Amsterdam",
                "business_name": "Example BV",
                "created_at": "2025-01-10T08:00:00Z",
                "documents": [
                    {
                        "id": "doc_123",
                        "type": "proof_of_address",
                        "status": "approved",
                    }
                ],
                "phone_numbers": [
                    {
                        "id": "660e8400-e29b-41d4-a716-446655440000",
                        "phone_number": "+31201234567",
                        "status": "active",
                    }
                ],
            }
        },
    ),
    (  # §4.11
        "group_ordered",
        {
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
        },
    ),
    (  # §4.12
        "assistant_number",
        {
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
        },
    ),
    (
        "linked",
        {
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
        },
    ),
    (
        "unlinked",
        {
            "message": "Phone number unlinked successfully",
            "data": {
                "assistant_id": "660e8400-e29b-41d4-a716-446655440000",
                "unlinked_phone_number": {
                    "id": "550e8400-e29b-41d4-a716-446655440000",
                    "number": "+31201234567",
                },
            },
        },
    ),
    (  # §3.1
        "error",
        {
            "error": {
                "code": "error_code",
                "message": "Human-readable error message",
                "details": {},
            }
        },
    ),
    (  # §6.2
        "rate_limited",
        {
            "error": {
                "code": "rate_limit_exceeded",
                "message": "Too many requests. Please retry after 45 seconds.",
            }
        },
    ),
    (  # §6.3
        "unauthorized",
        {"error": "Unauthorized", "message": "Invalid or missing API key"},
    ),
    (  # §6.2
        "rate_limit_headers",
        {
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "1702479600",
            "Retry-After": "45",
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "example"),
    SPEC_EXAMPLES,
    ids=[name for name, _ in SPEC_EXAMPLES],
)
def test_the_spec_examples_fit_the_schemas(name: str, example: Any) -> None:
    """The schemas are the docs': each printed example validates."""
    valid(name, example)


def test_the_schemas_are_strict() -> None:
    """An extra key, a missing key, a wrong type or an unknown enum value
    is refused (so a passing answer means something)."""
    example = dict(SPEC_EXAMPLES[2][1]["data"])
    for broken in (
        {**example, "extra": 1},
        {k: v for k, v in example.items() if k != "status"},
        {**example, "credits_used": "10"},
        {**example, "status": "done"},
        {**example, "order_id": "not-a-uuid"},
    ):
        body = {"message": "Phone number ordered", "data": broken}
        assert not validator("ordered").is_valid(body), broken


# -- the sandbox's answers ----------------------------------------------------

GROUP_BODY = {
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
    "description": "Head office",
}


class Client:
    """Raw JSON calls against one sandbox; every answer's rate-limit
    headers are validated on the way."""

    def __init__(self, sandbox: Sandbox, session: aiohttp.ClientSession):
        self.sandbox = sandbox
        self.session = session
        self.headers = {"Authorization": f"Bearer {sandbox.api_key}"}

    async def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, CIMultiDictProxy[str]]:
        async with self.session.request(
            method,
            self.sandbox.base_url + path,
            json=json,
            headers=self.headers if headers is None else headers,
        ) as response:
            body = await response.json()
            rate = {
                name: response.headers[name]
                for name in (
                    "X-RateLimit-Limit",
                    "X-RateLimit-Remaining",
                    "X-RateLimit-Reset",
                    "Retry-After",
                )
                if name in response.headers
            }
            valid("rate_limit_headers", rate)
            return response.status, body, response.headers


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    """A sandbox whose orders and groups settle at once."""
    async with (
        Sandbox(order_completion_delay=0, group_approval_delay=0) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        yield Client(sandbox, session)


async def _populate(client: Client) -> dict[str, Any]:
    """Create a group, order through it and directly."""
    facts: dict[str, Any] = {}
    _, facts["group_created"], _ = await client.call(
        "POST", "/v1/verification-groups", GROUP_BODY
    )
    group_id = facts["group_created"]["data"]["requirement_group_id"]
    _, facts["group_search"], _ = await client.call(
        "GET", f"/v1/verification-groups/{group_id}/available-phone-numbers"
    )
    local = facts["group_search"]["data"][0]["phone_number"]
    _, facts["group_ordered"], _ = await client.call(
        "POST",
        f"/v1/verification-groups/{group_id}/order-number",
        {"phone_number": local},
    )
    _, facts["search"], _ = await client.call(
        "GET", "/v1/phone-numbers/available?number_type=mobile"
    )
    national = client.sandbox.available_numbers(limit=1)[0]
    _, facts["ordered"], _ = await client.call(
        "POST", "/v1/phone-numbers", {"phone_number": national}
    )
    facts["group_id"] = group_id
    facts["local_order"] = facts["group_ordered"]["data"]["order_id"]
    facts["national_order"] = facts["ordered"]["data"]["order_id"]
    return facts


async def test_search_and_order_answers(client: Client) -> None:
    """Available numbers (§4.2, §4.3), group creation (§4.8) and both
    order answers (§4.5, §4.11)."""
    facts = await _populate(client)

    valid("available", facts["search"])
    valid("available", facts["group_search"])
    valid("group_created", facts["group_created"])
    valid("ordered", facts["ordered"])
    valid("group_ordered", facts["group_ordered"])
    assert facts["search"]["data"]
    assert facts["group_search"]["meta"]["requires_verification"] is True


async def test_order_reads(client: Client) -> None:
    """Order list (§4.6) and detail (§4.7), with and without a group."""
    facts = await _populate(client)

    _, orders, _ = await client.call("GET", "/v1/phone-number-orders")
    details = [
        (await client.call("GET", f"/v1/phone-number-orders/{order_id}"))[1]
        for order_id in (facts["local_order"], facts["national_order"])
    ]

    valid("orders", orders)
    assert len(orders["data"]) == 2
    for order in details:
        valid("order", order)
    assert details[1]["data"]["verification_group"] is None


async def test_group_reads(client: Client) -> None:
    """Group list (§4.9) and detail (§4.10) with documents and numbers."""
    facts = await _populate(client)

    _, groups, _ = await client.call("GET", "/v1/verification-groups")
    _, group, _ = await client.call(
        "GET", f"/v1/verification-groups/{facts['group_id']}"
    )

    valid("groups", groups)
    valid("group", group)
    assert group["data"]["documents"]
    assert group["data"]["phone_numbers"]


async def test_numbers_and_linking(client: Client) -> None:
    """Number list (§4.4) and the three linking answers (§4.12)."""
    await _populate(client)
    _, listed, _ = await client.call(
        "GET", "/v1/phone-numbers?include_default=true"
    )
    number_id = listed["data"][0]["id"]
    assistant = client.sandbox.assistant_ids[0]
    path = f"/v1/assistants/{assistant}/phone-number"

    _, empty, _ = await client.call("GET", path)
    _, linked, _ = await client.call(
        "POST", path, {"phone_number_id": number_id}
    )
    _, shown, _ = await client.call("GET", path)
    _, relisted, _ = await client.call(
        "GET", "/v1/phone-numbers?include_default=true"
    )
    _, unlinked, _ = await client.call("DELETE", path)

    for name, body in (
        ("numbers", listed),
        ("numbers", relisted),
        ("assistant_number", empty),
        ("assistant_number", shown),
        ("linked", linked),
        ("unlinked", unlinked),
    ):
        valid(name, body)
    assert empty["data"]["phone_number"] is None
    assert shown["data"]["phone_number"] is not None
    assert {n["available"] for n in relisted["data"]} == {True, False}
    assert relisted["shared_numbers"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/v1/phone-numbers?limit=0", None, 400, "invalid_parameters"),
        (
            "POST",
            "/v1/phone-numbers",
            {"phone_number": "x"},
            400,
            "invalid_parameters",
        ),
        (
            "POST",
            "/v1/verification-groups",
            {**GROUP_BODY, "house_number": 1},
            400,
            "invalid_parameters",
        ),
        ("GET", "/v1/phone-number-orders/nope", None, 404, "not_found"),
        ("GET", "/v1/verification-groups/nope", None, 404, "not_found"),
        ("DELETE", "/v1/assistants/nope/phone-number", None, 404, "not_found"),
        ("GET", "/v1/nope", None, 404, "not_found"),
    ],
)
async def test_errors(
    client: Client,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str,
) -> None:
    """Error answers have the nested body of §3.1."""
    got, error, _ = await client.call(method, path, body)

    assert (got, error["error"]["code"]) == (status, code)
    valid("error", error)


async def test_group_fields_are_typed_as_documented(client: Client) -> None:
    """A number where a string is documented is a type error; a blank
    string meets ``minLength: 1`` (§4.8)."""
    _, typed, _ = await client.call(
        "POST", "/v1/verification-groups", {**GROUP_BODY, "house_number": 1}
    )
    status, blank, _ = await client.call(
        "POST", "/v1/verification-groups", {**GROUP_BODY, "province": " "}
    )

    assert typed["error"]["message"] == "house_number must be a string"
    assert typed["error"]["details"] == {"field": "house_number"}
    assert status == 201
    valid("group_created", blank)


async def test_insufficient_credits(client: Client) -> None:
    """A 402 is insufficient_credits in the §3.1 body."""
    client.sandbox.set_credits(9)
    number = client.sandbox.available_numbers(limit=1)[0]

    status, error, _ = await client.call(
        "POST", "/v1/phone-numbers", {"phone_number": number}
    )

    assert (status, error["error"]["code"]) == (402, "insufficient_credits")
    valid("error", error)


async def test_unauthorized(client: Client) -> None:
    """A 401 has the flat body of §6.3, and rate-limit headers too."""
    status, body, headers = await client.call(
        "GET", "/v1/phone-numbers", headers={}
    )

    assert status == 401
    valid("unauthorized", body)
    assert "X-RateLimit-Reset" in headers


async def test_rate_limited() -> None:
    """At the real limit (100 a window) the 101st request is a 429 with
    the §6.2 body, Retry-After and whole-number X-RateLimit-*."""
    # A day's window: a loaded machine cannot make the 101 requests
    # straddle the window's end (a minute's could, whatever the start).
    async with (
        Sandbox(rate_limit=100, rate_window=86_400) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        client = Client(sandbox, session)
        answers = [
            await client.call("GET", "/v1/phone-numbers") for _ in range(101)
        ]

    _, body, headers = answers[-1]
    assert [a[0] for a in answers] == [200] * 100 + [429]
    valid("rate_limited", body)
    assert headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" in headers


@pytest.mark.parametrize(
    "faults",
    [
        Faults(error_rate=1.0),
        Faults(rate_limit_burst_rate=1.0, burst_retry_after=3),
    ],
    ids=["server_error", "burst"],
)
async def test_injected_answers(faults: Faults) -> None:
    """Injected 5xx and 429 bursts: documented bodies and headers."""
    async with (
        Sandbox(faults=faults) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        status, body, headers = await Client(sandbox, session).call(
            "GET", "/v1/phone-numbers"
        )

    if status == 429:
        valid("rate_limited", body)
        assert headers["Retry-After"] == "3"
    else:
        assert status in {500, 502, 503}
        valid("error", body)
        assert body["error"]["code"] == "server_error"
