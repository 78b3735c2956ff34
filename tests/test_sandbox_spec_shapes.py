"""
The sandbox's answers have the JSON shapes documented in the spec.

Each ``EXAMPLE_*`` below is copied from ``spec/flireo-api.md`` (the section
is named next to it).  A live answer must have exactly the example's keys,
recursively, and values of the example's types; fields the spec calls
nullable may also be ``null``.  Ids, timestamps, numbers and enums are
checked against the documented formats.  The examples are the docs, not
the sandbox's output, so the sandbox cannot drift from them unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from flireo_async.testing.sandbox import Sandbox


# §4.2 GET /v1/phone-numbers/available
EXAMPLE_AVAILABLE = {
    "data": [
        {
            "phone_number": "+31851234567",
            "number_type": "national",
            "locality": None,
            "features": ["voice", "sms"],
            "cost": {"monthly": "2.00", "currency": "EUR", "credits": 10},
            "reservable": True,
        }
    ],
    "meta": {
        "total_results": 2,
        "number_type": "national",
        "requires_verification": False,
    },
}

# §4.4 GET /v1/phone-numbers
EXAMPLE_NUMBERS = {
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
EXAMPLE_ORDERED = {
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
EXAMPLE_ORDERS = {
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
EXAMPLE_ORDER = {
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

# §4.8 POST /v1/verification-groups
EXAMPLE_GROUP_CREATED = {
    "message": "Verification group created",
    "data": {"requirement_group_id": "550e8400-e29b-41d4-a716-446655440000"},
}

# §4.9 GET /v1/verification-groups
EXAMPLE_GROUPS = {
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
EXAMPLE_GROUP = {
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
EXAMPLE_GROUP_ORDERED = {
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

# §4.12 GET, POST and DELETE /v1/assistants/{id}/phone-number
EXAMPLE_ASSISTANT_NUMBER = {
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
EXAMPLE_LINKED = {
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
EXAMPLE_UNLINKED = {
    "message": "Phone number unlinked successfully",
    "data": {
        "assistant_id": "660e8400-e29b-41d4-a716-446655440000",
        "unlinked_phone_number": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "number": "+31201234567",
        },
    },
}

# §3.1 error body
EXAMPLE_ERROR = {
    "error": {
        "code": "error_code",
        "message": "Human-readable error message",
        "details": {},
    }
}
# §6.2 429 body
EXAMPLE_RATE_LIMITED = {
    "error": {
        "code": "rate_limit_exceeded",
        "message": "Too many requests. Please retry after 45 seconds.",
    }
}
# §6.3 401 body (flat)
EXAMPLE_UNAUTHORIZED = {
    "error": "Unauthorized",
    "message": "Invalid or missing API key",
}

# Fields the spec's tables call nullable (or, for the verification group
# of a national order, infer to be null), with their non-null type when
# the example only shows null.
NULLABLE: dict[str, type | None] = {
    "locality": str,
    "number_type": None,
    "linked_assistant": None,
    "verification_group": None,
    "name": None,
    "business_name": None,
    "previous_phone_number_id": str,
}

# Objects whose keys the spec leaves open ("The shape of `details` ... is
# not documented", §3.1).
FREE_FORM = {"details"}

UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
E164 = re.compile(r"\+[1-9]\d{6,14}")
ENUMS = {
    "number_type": {"local", "mobile", "national"},
    "phone_number_type": {"local", "mobile", "national"},
    "type": {"local", "mobile", "national", "proof_of_address"},
}
FORMATS = {
    "id": UUID,
    "order_id": UUID,
    "requirement_group_id": UUID,
    "assistant_id": UUID,
    "previous_phone_number_id": UUID,
    "created_at": TIMESTAMP,
    "ordered_at": TIMESTAMP,
    "phone_number": E164,
    "number": E164,
}
STATUSES = {
    "pending",
    "success",
    "failed",
    "approved",
    "rejected",
    "deleted",
    "active",
}


def conforms(actual: Any, examples: list[Any], path: str = "$") -> None:
    """Assert *actual* has the shape of one of *examples*."""
    key = path.rsplit(".", 1)[-1].removesuffix("[]")
    if actual is None:
        assert None in examples or key in NULLABLE, f"{path} is null"
        return
    shown = [e for e in examples if e is not None]
    if not shown:
        expected = NULLABLE.get(key)
        assert expected is not None, f"{path}: the example only shows null"
        assert isinstance(actual, expected), f"{path}: {actual!r}"
        return
    if isinstance(shown[0], dict):
        assert isinstance(actual, dict), f"{path}: {actual!r}"
        if key in FREE_FORM:
            return
        assert set(actual) == set(shown[0]), f"{path} keys {set(actual)}"
        for name, value in actual.items():
            conforms(value, [e[name] for e in shown], f"{path}.{name}")
        return
    if isinstance(shown[0], list):
        assert isinstance(actual, list), f"{path}: {actual!r}"
        items = [item for e in shown for item in e]
        for item in actual:
            if items:
                conforms(item, items, f"{path}[]")
        return
    assert type(actual) in {type(e) for e in shown}, f"{path}: {actual!r}"
    _check_format(key, actual, path)


def _check_format(key: str, value: Any, path: str) -> None:
    if key in FORMATS and not (key == "id" and value.startswith("doc_")):
        assert FORMATS[key].fullmatch(value), f"{path}: {value!r}"
    if key in ENUMS:
        assert value in ENUMS[key], f"{path}: {value!r}"
    if key == "status":
        assert value in STATUSES, f"{path}: {value!r}"


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
    """Raw JSON calls against one sandbox."""

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
    ) -> tuple[int, Any, Any]:
        async with self.session.request(
            method,
            self.sandbox.base_url + path,
            json=json,
            headers=self.headers if headers is None else headers,
        ) as response:
            return response.status, await response.json(), response.headers


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    """A sandbox with one settled local order and one national order."""
    async with (
        Sandbox(order_completion_delay=0, group_approval_delay=0) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        yield Client(sandbox, session)


async def _populate(client: Client) -> dict[str, Any]:
    """Create a group, order through it and directly, link one number."""
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


async def test_search_and_order_answers_match_the_spec(client: Client) -> None:
    """Available numbers (§4.2, §4.3) and order answers (§4.5, §4.11)."""
    facts = await _populate(client)

    conforms(facts["search"], [EXAMPLE_AVAILABLE])
    conforms(facts["group_search"], [EXAMPLE_AVAILABLE])
    conforms(facts["ordered"], [EXAMPLE_ORDERED])
    conforms(facts["group_ordered"], [EXAMPLE_GROUP_ORDERED])
    conforms(facts["group_created"], [EXAMPLE_GROUP_CREATED])


async def test_order_reads_match_the_spec(client: Client) -> None:
    """Order list (§4.6) and detail (§4.7), with and without a group."""
    facts = await _populate(client)

    _, orders, _ = await client.call("GET", "/v1/phone-number-orders")
    conforms(orders, [EXAMPLE_ORDERS])
    assert len(orders["data"]) == 2
    for order_id in (facts["local_order"], facts["national_order"]):
        _, order, _ = await client.call(
            "GET", f"/v1/phone-number-orders/{order_id}"
        )
        conforms(order, [EXAMPLE_ORDER])


async def test_group_reads_match_the_spec(client: Client) -> None:
    """Group list (§4.9) and detail (§4.10) with documents and numbers."""
    facts = await _populate(client)

    _, groups, _ = await client.call("GET", "/v1/verification-groups")
    _, group, _ = await client.call(
        "GET", f"/v1/verification-groups/{facts['group_id']}"
    )

    conforms(groups, [EXAMPLE_GROUPS])
    conforms(group, [EXAMPLE_GROUP])
    assert group["data"]["documents"]
    assert group["data"]["phone_numbers"]


async def test_numbers_and_linking_match_the_spec(client: Client) -> None:
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
    _, listed, _ = await client.call(
        "GET", "/v1/phone-numbers?include_default=true"
    )
    _, unlinked, _ = await client.call("DELETE", path)

    conforms(listed, [EXAMPLE_NUMBERS])
    assert {n["available"] for n in listed["data"]} == {True, False}
    # "When no number is linked, data.phone_number is null" (§4.12).
    unlinked_view = {**EXAMPLE_ASSISTANT_NUMBER["data"], "phone_number": None}
    conforms(empty, [{"data": unlinked_view}])
    conforms(shown, [EXAMPLE_ASSISTANT_NUMBER])
    conforms(linked, [EXAMPLE_LINKED])
    conforms(unlinked, [EXAMPLE_UNLINKED])


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/v1/phone-numbers?limit=0", None, 400),
        ("POST", "/v1/phone-numbers", {"phone_number": "x"}, 400),
        ("GET", "/v1/phone-number-orders/nope", None, 404),
        ("GET", "/v1/verification-groups/nope", None, 404),
        ("DELETE", "/v1/assistants/nope/phone-number", None, 404),
        ("GET", "/v1/nope", None, 404),
    ],
)
async def test_errors_match_the_spec(
    client: Client, method: str, path: str, body: Any, status: int
) -> None:
    """Error answers have the nested body of §3.1."""
    got, error, _ = await client.call(method, path, body)

    assert got == status
    conforms(error, [EXAMPLE_ERROR])


async def test_insufficient_credits_matches_the_spec(client: Client) -> None:
    """A 402 is insufficient_credits in the §3.1 body."""
    client.sandbox.set_credits(9)
    number = client.sandbox.available_numbers(limit=1)[0]

    status, error, _ = await client.call(
        "POST", "/v1/phone-numbers", {"phone_number": number}
    )

    assert status == 402
    conforms(error, [EXAMPLE_ERROR])
    assert error["error"]["code"] == "insufficient_credits"


async def test_unauthorized_matches_the_spec(client: Client) -> None:
    """A 401 has the flat body of §6.3."""
    status, body, _ = await client.call("GET", "/v1/phone-numbers", headers={})

    assert status == 401
    assert body == EXAMPLE_UNAUTHORIZED


async def test_rate_limit_matches_the_spec() -> None:
    """A 429 has the §6.2 body, Retry-After and X-RateLimit-* headers."""
    async with (
        Sandbox(rate_limit=1) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        client = Client(sandbox, session)
        await client.call("GET", "/v1/phone-numbers")
        status, body, headers = await client.call("GET", "/v1/phone-numbers")

    assert status == 429
    conforms(body, [EXAMPLE_RATE_LIMITED])
    assert re.fullmatch(
        r"Too many requests\. Please retry after \d+ seconds\.",
        body["error"]["message"],
    )
    for name in (
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    ):
        assert headers[name].isdigit(), name
