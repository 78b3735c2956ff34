"""The exactly-once rule for order POSTs (API.md §5)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

import flireo_async as flireo
from flireo_async import _ordering
from flireo_async.testing import MockTransport


ORDER = "660e8400-e29b-41d4-a716-446655440000"
GROUP = "550e8400-e29b-41d4-a716-446655440000"
NUMBER = "+31851234567"

# The recorded orders were placed at 2025-01-15T10:30:00Z; replaying them
# means the call must have started just before that.
RECORDED_CALL_START = datetime(2025, 1, 15, 10, 29, 58, tzinfo=UTC)


@pytest.fixture(name="recorded_clock")
def _recorded_clock(monkeypatch):
    """Reconciliation only trusts orders placed after the call started; pin
    that start to the recording's time so recorded orders count."""
    monkeypatch.setattr(
        _ordering, "_now", lambda: RECORDED_CALL_START.timestamp()
    )


def spy_on(transport):
    """A MockTransport that forwards to *transport* and keeps .requests."""
    return MockTransport(transport.send)


def methods(spy):
    return [request.method for request in spy.requests]


def keys(spy):
    return [
        r.headers["Idempotency-Key"]
        for r in spy.requests
        if r.method == "POST"
    ]


def answer(status, payload, headers=None):
    return flireo.Response(
        status=status,
        headers={"content-type": "application/json", **(headers or {})},
        body=json.dumps(payload).encode(),
    )


def query_of(request):
    return {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}


def stamp(delta=timedelta()):
    return (datetime.now(UTC) + delta).isoformat().replace("+00:00", "Z")


def order_item(order_id, phone_number, ordered_at):
    return {
        "id": order_id,
        "phone_number": phone_number,
        "status": "pending",
        "number_type": "national",
        "requirements_met": True,
        "ordered_at": ordered_at,
        "verification_group": None,
    }


ORDERED = {
    "message": "Phone number ordered",
    "data": {
        "order_id": ORDER,
        "phone_number": NUMBER,
        "number_type": "national",
        "status": "pending",
        "credits_used": 10,
        "remaining_credits": 90,
    },
}

RECONCILED = flireo.OrderReceipt(
    order_id=ORDER,
    phone_number=NUMBER,
    number_type=flireo.NumberType.NATIONAL,
    status=flireo.OrderStatus.PENDING,
    verification_group=None,
    credits_used=None,
    remaining_credits=None,
    reconciled=True,
)


class PagedOrders:
    """A fake order list served page by page (meta.limit = 2)."""

    def __init__(self, items):
        self.items = items
        self.offsets = []
        self.posts = 0

    def __call__(self, request):
        if request.method == "POST":
            self.posts += 1
            if self.posts == 1:
                raise flireo.TransportError("connection reset by peer")
            return answer(201, ORDERED)
        offset = int(query_of(request)["offset"])
        self.offsets.append(offset)
        return answer(
            200,
            {
                "data": self.items[offset : offset + 2],
                "meta": {
                    "total": len(self.items),
                    "limit": 2,
                    "offset": offset,
                },
            },
        )


async def test_dropped_post_reconciled_from_order_list(
    recording, client_for, recorded_clock
):
    """A POST whose connection dropped is found in the order list and
    returned reconciled, with exactly one POST sent."""
    spy = spy_on(recording("phone_numbers_order__dropped_then_reconciled"))
    client = client_for(spy)

    receipt = await client.phone_numbers.order(NUMBER)

    assert RECONCILED == receipt
    assert ["POST", "GET"] == methods(spy)
    assert {"limit": "100", "number_type": "national", "offset": "0"} == (
        query_of(spy.requests[1])
    )


async def test_dropped_post_absent_from_list_is_resent_once(
    recording, client_for
):
    """When the list proves the order absent the POST is re-sent once, with
    the same Idempotency-Key, and its answer returned."""
    spy = spy_on(recording("phone_numbers_order__dropped_not_placed"))
    client = client_for(spy)

    receipt = await client.phone_numbers.order(NUMBER)

    assert (False, 10, 90) == (
        receipt.reconciled,
        receipt.credits_used,
        receipt.remaining_credits,
    )
    assert ["POST", "GET", "POST"] == methods(spy)
    first, second = keys(spy)
    assert first == second
    assert first


async def test_bad_gateway_on_post_reconciles_instead_of_resending(
    recording, client_for, recorded_clock
):
    """A 502 answer to an order POST is ambiguous: the list is consulted and
    the order is not sent again."""
    spy = spy_on(recording("phone_numbers_order__bad_gateway_then_reconciled"))
    client = client_for(spy)

    receipt = await client.phone_numbers.order(NUMBER)

    assert RECONCILED == receipt
    assert ["POST", "GET"] == methods(spy)


async def test_timeout_on_post_reconciles(
    recording, client_for, recorded_clock
):
    """A timeout after sending an order is resolved from the order list."""
    spy = spy_on(recording("phone_numbers_order__timeout_then_reconciled"))
    client = client_for(spy)

    receipt = await client.phone_numbers.order(NUMBER)

    assert RECONCILED == receipt
    assert ["POST", "GET"] == methods(spy)


async def test_connect_error_is_retried_without_lookup(recording, client_for):
    """A POST that never connected is simply retried (same key), with no
    order-list lookup."""
    spy = spy_on(recording("phone_numbers_order__connect_error_then_ok"))
    client = client_for(spy)

    receipt = await client.phone_numbers.order(NUMBER)

    assert (ORDER, False) == (receipt.order_id, receipt.reconciled)
    assert ["POST", "POST"] == methods(spy)
    assert 1 == len(set(keys(spy)))


async def test_rate_limited_post_retried_after_retry_after(client_for):
    """A 429 on an order POST is retried after exactly Retry-After, with the
    same key and no lookup (429 is answered before processing)."""
    loop = asyncio.get_running_loop()
    sent_at = []

    def handler(request):
        sent_at.append(loop.time())
        if len(sent_at) == 1:
            return answer(
                429,
                {
                    "error": {
                        "code": "rate_limit_exceeded",
                        "message": "Too many requests.",
                        "details": {},
                    }
                },
                {"retry-after": "0.05"},
            )
        return answer(201, ORDERED)

    mock = MockTransport(handler)
    client = client_for(mock)

    receipt = await client.phone_numbers.order(NUMBER)

    assert (ORDER, False) == (receipt.order_id, receipt.reconciled)
    assert ["POST", "POST"] == methods(mock)
    assert 1 == len(set(keys(mock)))
    assert sent_at[1] - sent_at[0] >= 0.05 - 0.001


async def test_in_use_after_resend_reconciled_when_listed(
    recording, client_for, recorded_clock
):
    """already_in_use in answer to a re-send means the first attempt may
    have landed: the list is checked again and the order returned."""
    spy = spy_on(
        recording("phone_numbers_order__in_use_after_resend_reconciled")
    )
    client = client_for(spy)

    receipt = await client.phone_numbers.order(NUMBER)

    assert RECONCILED == receipt
    assert ["POST", "GET", "POST", "GET"] == methods(spy)
    assert 1 == len(set(keys(spy)))


async def test_in_use_after_resend_unknown_when_not_listed(
    recording, client_for
):
    """already_in_use to a re-send with the number still not listed raises
    OrderOutcomeUnknownError instead of guessing."""
    spy = spy_on(recording("phone_numbers_order__in_use_after_resend_unknown"))
    client = client_for(spy)

    with pytest.raises(flireo.OrderOutcomeUnknownError) as caught:
        await client.phone_numbers.order(NUMBER)

    assert (NUMBER, keys(spy)[0]) == (
        caught.value.phone_number,
        caught.value.idempotency_key,
    )
    assert isinstance(caught.value.__cause__, flireo.AlreadyInUseError)


async def test_lookup_failure_raises_outcome_unknown(recording, client_for):
    """If the order list cannot be read (500s until retries run out) the
    outcome is unknown; the error names the number and the key sent."""
    spy = spy_on(recording("phone_numbers_order__lookup_fails"))
    client = client_for(spy)

    with pytest.raises(flireo.OrderOutcomeUnknownError) as caught:
        await client.phone_numbers.order(NUMBER)

    assert (NUMBER, spy.requests[0].headers["Idempotency-Key"]) == (
        caught.value.phone_number,
        caught.value.idempotency_key,
    )
    assert ["POST", "GET", "GET", "GET"] == methods(spy)
    assert isinstance(caught.value.__cause__, flireo.ServerError)
    assert "test-key" not in str(caught.value)


async def test_already_in_use_on_first_attempt_raises(recording, client_for):
    """already_in_use to a first, unambiguous attempt is the plain answer:
    AlreadyInUseError, no lookup."""
    spy = spy_on(recording("phone_numbers_order__already_in_use"))
    client = client_for(spy)

    with pytest.raises(flireo.AlreadyInUseError):
        await client.phone_numbers.order(NUMBER)

    assert ["POST"] == methods(spy)


async def test_reconcile_walks_pages_newest_first(client_for):
    """Reconciliation reads further pages of the order list until it finds
    the number."""
    orders = PagedOrders(
        [
            order_item("o-1", "+31851110001", stamp()),
            order_item("o-2", "+31851110002", stamp(-timedelta(seconds=1))),
            order_item(ORDER, NUMBER, stamp(-timedelta(seconds=2))),
            order_item("o-4", "+31851110004", stamp(-timedelta(days=1))),
        ]
    )
    mock = MockTransport(orders)
    client = client_for(mock)

    receipt = await client.phone_numbers.order(NUMBER)

    assert (ORDER, True) == (receipt.order_id, receipt.reconciled)
    assert [0, 2] == orders.offsets
    assert ["POST", "GET", "GET"] == methods(mock)


async def test_reconcile_stops_at_page_older_than_call(client_for):
    """A page of orders all placed well before the call ends the search
    (later pages are older still); an old order of the same number does
    not count, so the POST is re-sent."""
    orders = PagedOrders(
        [
            order_item("o-1", "+31851110001", stamp()),
            order_item("o-2", "+31851110002", stamp(-timedelta(minutes=1))),
            order_item("o-3", "+31851110003", stamp(-timedelta(days=2))),
            order_item("o-4", "+31851110004", stamp(-timedelta(days=2))),
            order_item("o-5", NUMBER, stamp(-timedelta(days=3))),
        ]
    )
    mock = MockTransport(orders)
    client = client_for(mock)

    receipt = await client.phone_numbers.order(NUMBER)

    assert (ORDER, False) == (receipt.order_id, receipt.reconciled)
    assert [0, 2] == orders.offsets
    assert ["POST", "GET", "GET", "POST"] == methods(mock)


async def test_earlier_order_of_same_number_is_not_ours(client_for):
    """An order of the same number placed before the call (beyond clock
    skew) is not taken for this one."""
    orders = PagedOrders(
        [order_item("old", NUMBER, stamp(-timedelta(minutes=30)))]
    )
    mock = MockTransport(orders)
    client = client_for(mock)

    receipt = await client.phone_numbers.order(NUMBER)

    assert (ORDER, False) == (receipt.order_id, receipt.reconciled)
    assert ["POST", "GET", "POST"] == methods(mock)


async def test_resends_bounded_by_max_attempts(client_for):
    """An order that keeps failing ambiguously and is never listed is sent
    at most max_attempts times, then the error says it was not ordered."""

    def handler(request):
        if request.method == "POST":
            raise flireo.TransportError("connection reset by peer")
        return answer(
            200, {"data": [], "meta": {"total": 0, "limit": 100, "offset": 0}}
        )

    mock = MockTransport(handler)
    client = client_for(mock)

    with pytest.raises(flireo.TransportError) as caught:
        await client.phone_numbers.order(NUMBER)

    assert ["POST", "GET"] * 3 == methods(mock)
    assert 1 == len(set(keys(mock)))
    assert any(NUMBER in note for note in caught.value.__notes__)


async def test_group_order_dropped_reconciled(
    recording, client_for, recorded_clock
):
    """order_number() follows the same rule, looking the number up among
    the group's local orders."""
    spy = spy_on(
        recording("verification_groups_order_number__dropped_then_reconciled")
    )
    client = client_for(spy)

    receipt = await client.verification_groups.order_number(
        GROUP, "+31201234567"
    )

    assert (
        flireo.OrderReceipt(
            order_id=ORDER,
            phone_number="+31201234567",
            number_type=flireo.NumberType.LOCAL,
            status=flireo.OrderStatus.PENDING,
            verification_group=flireo.VerificationGroupRef(
                id=GROUP, name="Amsterdam Office", locality="Amsterdam"
            ),
            reconciled=True,
        )
        == receipt
    )
    assert ["POST", "GET"] == methods(spy)
    assert {
        "limit": "100",
        "number_type": "local",
        "offset": "0",
        "verification_group_id": GROUP,
    } == query_of(spy.requests[1])


async def test_group_order_bad_gateway_absent_resent(recording, client_for):
    """order_number() re-sends (same key) only after the list shows the
    order absent."""
    spy = spy_on(
        recording("verification_groups_order_number__bad_gateway_not_placed")
    )
    client = client_for(spy)

    receipt = await client.verification_groups.order_number(
        GROUP, "+31201234567"
    )

    assert (ORDER, False, 10) == (
        receipt.order_id,
        receipt.reconciled,
        receipt.credits_used,
    )
    assert ["POST", "GET", "POST"] == methods(spy)
    assert 1 == len(set(keys(spy)))
