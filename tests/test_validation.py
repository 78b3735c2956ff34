"""Bad arguments are refused before anything is sent; client configuration."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import orjson
import pytest

from flireo_async import (
    DEFAULT_BASE_URL,
    ConfigurationError,
    FlireoClient,
    Request,
    Response,
    ValidationError,
)
from flireo_async.testing import MockTransport


BASE = "http://127.0.0.1:9/api"
E164 = "+31851234567"
GROUP = "550e8400-e29b-41d4-a716-446655440000"

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
REQUIRED_TEXT_FIELDS = [f for f in GROUP_FIELDS if f != "phone_number_type"]


def _refuse(request: Request) -> Response:
    pytest.fail(f"a request left: {request.method} {request.url}")


@pytest.fixture
async def offline() -> AsyncIterator[tuple[FlireoClient, MockTransport]]:
    """A client whose transport fails the test if anything is sent."""
    transport = MockTransport(_refuse)
    async with FlireoClient(
        "fl_test_key", base_url=BASE, transport=transport
    ) as client:
        yield client, transport


async def _refused(
    call: Awaitable[Any], transport: MockTransport, field: str
) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        await call
    assert field == info.value.field
    assert [] == transport.requests
    return info.value


# -- phone_numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "0851234567",
        "31851234567",
        "+31 85 123 4567",
        "+31-85-1234567",
        "+031851234567",
        "+3185123456789012",
        "+318",
        "",
        " +31851234567",
        "+31851234567\n",
        None,
        31851234567,
    ],
)
async def test_order_rejects_non_e164_numbers(
    offline: tuple[FlireoClient, MockTransport], number: Any
) -> None:
    """Only E.164 numbers can be ordered; nothing is charged for a typo."""
    client, transport = offline
    error = await _refused(
        client.phone_numbers.order(number), transport, "phone_number"
    )
    assert "E.164" in str(error)


@pytest.mark.parametrize("number_type", ["geographic", "LOCAL", "", None, 1])
async def test_order_rejects_unknown_number_type(
    offline: tuple[FlireoClient, MockTransport], number_type: Any
) -> None:
    """An unknown number_type is refused, naming the allowed values."""
    client, transport = offline
    error = await _refused(
        client.phone_numbers.order(E164, number_type=number_type),
        transport,
        "number_type",
    )
    assert "national" in str(error)


async def test_local_order_needs_a_verification_group(
    offline: tuple[FlireoClient, MockTransport],
) -> None:
    """A local order without verification_group_id is refused."""
    client, transport = offline
    await _refused(
        client.phone_numbers.order("+31201234567", number_type="local"),
        transport,
        "verification_group_id",
    )


@pytest.mark.parametrize("group_id", ["", "   ", 42])
async def test_order_rejects_blank_verification_group_id(
    offline: tuple[FlireoClient, MockTransport], group_id: Any
) -> None:
    """A blank verification_group_id is refused."""
    client, transport = offline
    await _refused(
        client.phone_numbers.order(
            "+31201234567", number_type="local", verification_group_id=group_id
        ),
        transport,
        "verification_group_id",
    )


async def test_search_refuses_local_numbers(
    offline: tuple[FlireoClient, MockTransport],
) -> None:
    """Local numbers are searched through a verification group instead."""
    client, transport = offline
    error = await _refused(
        client.phone_numbers.search(number_type="local"),
        transport,
        "number_type",
    )
    assert "verification_groups.search_numbers" in str(error)


@pytest.mark.parametrize("number_type", ["geographic", "", None])
async def test_search_rejects_unknown_number_type(
    offline: tuple[FlireoClient, MockTransport], number_type: Any
) -> None:
    """search() accepts only national and mobile."""
    client, transport = offline
    await _refused(
        client.phone_numbers.search(number_type=number_type),
        transport,
        "number_type",
    )


@pytest.mark.parametrize("limit", [0, -1, 51, 1000, True, "20", 20.0, None])
async def test_search_limit_range(
    offline: tuple[FlireoClient, MockTransport], limit: Any
) -> None:
    """search() takes a limit of 1-50, as an int."""
    client, transport = offline
    await _refused(
        client.phone_numbers.search(limit=limit), transport, "limit"
    )


@pytest.mark.parametrize("page_size", [0, 101, -5, True, "50"])
def test_phone_numbers_list_page_size_range(
    page_size: Any,
) -> None:
    """list() takes a page_size of 1-100, checked at once."""
    client = FlireoClient(
        "fl_test_key", base_url=BASE, transport=MockTransport(_refuse)
    )
    with pytest.raises(ValidationError) as info:
        client.phone_numbers.list(page_size=page_size)
    assert "page_size" == info.value.field


@pytest.mark.parametrize("include_default", ["true", "false", 1, 0, None])
def test_phone_numbers_list_rejects_non_bool_include_default(
    include_default: Any,
) -> None:
    """include_default must be True or False (the SDK writes the string)."""
    client = FlireoClient(
        "fl_test_key", base_url=BASE, transport=MockTransport(_refuse)
    )
    with pytest.raises(ValidationError) as info:
        client.phone_numbers.list(include_default=include_default)
    assert "include_default" == info.value.field


# -- orders ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "done"}, "status"),
        ({"status": "PENDING"}, "status"),
        ({"status": ""}, "status"),
        ({"number_type": "toll_free"}, "number_type"),
        ({"verification_group_id": ""}, "verification_group_id"),
        ({"verification_group_id": "  "}, "verification_group_id"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
    ],
)
def test_orders_list_rejects_bad_filters(
    kwargs: dict[str, Any], field: str
) -> None:
    """orders.list() validates its filters before the first page."""
    client = FlireoClient(
        "fl_test_key", base_url=BASE, transport=MockTransport(_refuse)
    )
    with pytest.raises(ValidationError) as info:
        client.orders.list(**kwargs)
    assert field == info.value.field


@pytest.mark.parametrize("order_id", ["", "   ", None, 7])
async def test_orders_get_rejects_blank_ids(
    offline: tuple[FlireoClient, MockTransport], order_id: Any
) -> None:
    """A blank order id is refused instead of hitting the list URL."""
    client, transport = offline
    await _refused(client.orders.get(order_id), transport, "order_id")


async def test_orders_wait_rejects_blank_ids(
    offline: tuple[FlireoClient, MockTransport],
) -> None:
    """wait() checks the id before polling."""
    client, transport = offline
    await _refused(client.orders.wait(""), transport, "order_id")


# -- verification groups ---------------------------------------------------


@pytest.mark.parametrize("field", REQUIRED_TEXT_FIELDS)
@pytest.mark.parametrize("value", ["", "   ", None])
async def test_group_create_rejects_empty_required_fields(
    offline: tuple[FlireoClient, MockTransport], field: str, value: Any
) -> None:
    """Every required group field must be a non-empty string."""
    client, transport = offline
    fields: dict[str, Any] = {**GROUP_FIELDS, field: value}
    await _refused(
        client.verification_groups.create(**fields), transport, field
    )


@pytest.mark.parametrize("number_type", ["geographic", "", None])
async def test_group_create_rejects_unknown_phone_number_type(
    offline: tuple[FlireoClient, MockTransport], number_type: Any
) -> None:
    """The group's number type must be local, mobile or national."""
    client, transport = offline
    fields: dict[str, Any] = {
        **GROUP_FIELDS,
        "phone_number_type": number_type,
    }
    await _refused(
        client.verification_groups.create(**fields),
        transport,
        "phone_number_type",
    )


async def test_group_create_rejects_blank_description(
    offline: tuple[FlireoClient, MockTransport],
) -> None:
    """An optional description, when given, must not be blank."""
    client, transport = offline
    await _refused(
        client.verification_groups.create(**GROUP_FIELDS, description=" "),
        transport,
        "description",
    )


async def test_group_create_sends_a_valid_group() -> None:
    """A complete group passes validation and is sent once, as given."""

    def created(request: Request) -> Response:
        body = {
            "message": "Verification group created",
            "data": {"requirement_group_id": GROUP},
        }
        return Response(status=201, body=orjson.dumps(body))

    transport = MockTransport(created)
    async with FlireoClient(
        "fl_test_key", base_url=BASE, transport=transport
    ) as client:
        group_id = await client.verification_groups.create(**GROUP_FIELDS)
    assert GROUP == group_id
    assert 1 == len(transport.requests)
    assert GROUP_FIELDS == orjson.loads(transport.requests[0].body)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "approved_ish"}, "status"),
        ({"status": "Approved"}, "status"),
        ({"phone_number_type": "toll_free"}, "phone_number_type"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
    ],
)
def test_groups_list_rejects_bad_filters(
    kwargs: dict[str, Any], field: str
) -> None:
    """verification_groups.list() validates its filters at once."""
    client = FlireoClient(
        "fl_test_key", base_url=BASE, transport=MockTransport(_refuse)
    )
    with pytest.raises(ValidationError) as info:
        client.verification_groups.list(**kwargs)
    assert field == info.value.field


GroupCall = Callable[[FlireoClient], Awaitable[Any]]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.verification_groups.get(""), "group_id"),
        (lambda c: c.verification_groups.get("  "), "group_id"),
        (lambda c: c.verification_groups.wait(""), "group_id"),
        (lambda c: c.verification_groups.search_numbers(""), "group_id"),
        (lambda c: c.verification_groups.order_number("", E164), "group_id"),
        (
            lambda c: c.verification_groups.search_numbers(GROUP, limit=0),
            "limit",
        ),
        (
            lambda c: c.verification_groups.search_numbers(GROUP, limit=51),
            "limit",
        ),
        (
            lambda c: c.verification_groups.order_number(GROUP, "0201234567"),
            "phone_number",
        ),
        (
            lambda c: c.verification_groups.order_number(GROUP, ""),
            "phone_number",
        ),
    ],
    ids=[
        "get-empty",
        "get-blank",
        "wait-empty",
        "search-empty",
        "order-empty-group",
        "search-limit-0",
        "search-limit-51",
        "order-not-e164",
        "order-empty-number",
    ],
)
async def test_group_calls_reject_bad_arguments(
    offline: tuple[FlireoClient, MockTransport],
    call: GroupCall,
    field: str,
) -> None:
    """Group calls refuse blank ids, bad numbers and bad limits."""
    client, transport = offline
    await _refused(call(client), transport, field)


# -- assistants ------------------------------------------------------------

NUMBER_ID = "phone_number_id"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.assistants.get_phone_number(""), "assistant_id"),
        (lambda c: c.assistants.get_phone_number("  "), "assistant_id"),
        (lambda c: c.assistants.link_phone_number("", "p-1"), "assistant_id"),
        (lambda c: c.assistants.link_phone_number("a-1", ""), NUMBER_ID),
        (lambda c: c.assistants.link_phone_number("a-1", None), NUMBER_ID),
        (lambda c: c.assistants.unlink_phone_number(""), "assistant_id"),
    ],
    ids=["get-empty", "get-blank", "link-assistant", "link-number-empty",
         "link-number-none", "unlink"],
)  # fmt: skip
async def test_assistant_calls_reject_blank_ids(
    offline: tuple[FlireoClient, MockTransport],
    call: GroupCall,
    field: str,
) -> None:
    """Assistant calls refuse blank ids before sending."""
    client, transport = offline
    await _refused(call(client), transport, field)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.orders.get(".."), "order_id"),
        (lambda c: c.orders.get("."), "order_id"),
        (lambda c: c.assistants.unlink_phone_number(".."), "assistant_id"),
    ],
    ids=["order-dotdot", "order-dot", "unlink-dotdot"],
)
async def test_dot_segment_ids_are_refused(
    offline: tuple[FlireoClient, MockTransport],
    call: GroupCall,
    field: str,
) -> None:
    """An id of '.' or '..' cannot redirect a call to another path."""
    # HTTP clients collapse dot segments: GET .../phone-number-orders/..
    # becomes GET /api/v1/, and DELETE /v1/assistants/../phone-number
    # becomes DELETE /api/v1/phone-number.
    client, transport = offline
    await _refused(call(client), transport, field)


# -- client configuration --------------------------------------------------


def test_no_api_key_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a key (argument or FLIREO_API_KEY) the client is refused."""
    monkeypatch.delenv("FLIREO_API_KEY", raising=False)
    with pytest.raises(ConfigurationError) as info:
        FlireoClient()
    assert "FLIREO_API_KEY" in str(info.value)


def test_empty_api_key_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An empty key (e.g. an unset variable expanded) is refused."""
    monkeypatch.setenv("FLIREO_API_KEY", "")
    with pytest.raises(ConfigurationError):
        FlireoClient("")


async def test_api_key_falls_back_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FLIREO_API_KEY is sent as the bearer token when no key is passed."""
    monkeypatch.setenv("FLIREO_API_KEY", "fl_env_key")
    transport = MockTransport(
        lambda request: Response(status=200, body=b'{"data": []}')
    )
    async with FlireoClient(base_url=BASE, transport=transport) as client:
        await client.phone_numbers.search()
    headers = transport.requests[0].headers
    assert "Bearer fl_env_key" == headers["Authorization"]


async def test_explicit_api_key_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An api_key argument overrides FLIREO_API_KEY."""
    monkeypatch.setenv("FLIREO_API_KEY", "fl_env_key")
    transport = MockTransport(
        lambda request: Response(status=200, body=b'{"data": []}')
    )
    async with FlireoClient(
        "fl_arg_key", base_url=BASE, transport=transport
    ) as client:
        await client.phone_numbers.search()
    headers = transport.requests[0].headers
    assert "Bearer fl_arg_key" == headers["Authorization"]


async def test_base_url_falls_back_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FLIREO_BASE_URL is where requests go when no base_url is passed."""
    monkeypatch.setenv("FLIREO_BASE_URL", "http://127.0.0.1:8123/api/")
    transport = MockTransport(
        lambda request: Response(status=200, body=b'{"data": []}')
    )
    async with FlireoClient("fl_test_key", transport=transport) as client:
        assert "http://127.0.0.1:8123/api" == client.base_url
        await client.phone_numbers.search(limit=5)
    assert (
        "http://127.0.0.1:8123/api/v1/phone-numbers/available"
        "?limit=5&number_type=national"
    ) == transport.requests[0].url


def test_explicit_base_url_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A base_url argument overrides FLIREO_BASE_URL."""
    monkeypatch.setenv("FLIREO_BASE_URL", "http://127.0.0.1:8123/api")
    client = FlireoClient("fl_test_key", base_url=BASE)
    assert BASE == client.base_url


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without argument or variable the vendor's production host is used."""
    monkeypatch.delenv("FLIREO_BASE_URL", raising=False)
    client = FlireoClient("fl_test_key")
    assert "https://api.hmsovereign.com/api" == client.base_url
    assert DEFAULT_BASE_URL == client.base_url


@pytest.mark.parametrize(
    "base_url", ["api.hmsovereign.com/api", "ftp://127.0.0.1/api"]
)
def test_base_url_without_http_scheme_is_refused(base_url: str) -> None:
    """A base URL that is not http(s) is a configuration error."""
    with pytest.raises(ConfigurationError):
        FlireoClient("fl_test_key", base_url=base_url)


async def test_transport_and_session_together_are_refused() -> None:
    """transport= and session= are exclusive."""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ConfigurationError):
            FlireoClient(
                "fl_test_key",
                base_url=BASE,
                transport=MockTransport(_refuse),
                session=session,
            )
        assert not session.closed
