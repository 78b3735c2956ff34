"""
A user's tests of ``provisioning.provision_number``, three ways.

* A cassette (``RecordedTransport``): recorded once against the sandbox,
  replayed with no server at all; it also checks every recorded request
  was made.
* A ``MockTransport``: a function answers, for a case that is hard to
  produce on purpose (a number taken between search and order).
* The ``flireo_sandbox`` fixture: a real local API per test, configured
  per test with the ``flireo_sandbox`` marker, including fault injection.

Run it with ``pytest examples/user_tests`` (needs pytest-asyncio).
"""

from pathlib import Path

import flireo_async as flireo
import orjson
import pytest
from flireo_async.testing import MockTransport, RecordedTransport
from flireo_async.testing.sandbox import Faults, Sandbox

from provisioning import ProvisioningError, provision_number


CASSETTES = Path(__file__).parent / "cassettes"


async def test_provisions_from_a_cassette() -> None:
    """Replays search, order and order status from the cassette."""
    transport = RecordedTransport(CASSETTES / "provision_number.json")
    async with flireo.FlireoClient(
        "test-key", base_url="https://api.example.test", transport=transport
    ) as client:
        number = await provision_number(client)
    assert number == "+31850006949"
    transport.assert_all_played()


def _json(status: int, body: object) -> flireo.Response:
    return flireo.Response(
        status=status,
        headers={"Content-Type": "application/json"},
        body=orjson.dumps(body),
    )


async def test_skips_a_number_taken_since_the_search() -> None:
    """Orders the next candidate when the first is already in use."""
    order = {
        "id": "order-2",
        "phone_number": "+31850000002",
        "status": "success",
        "number_type": "national",
    }

    def answer(request: flireo.Request) -> flireo.Response:
        if request.method == "GET" and "/available" in request.url:
            numbers = [
                {"phone_number": n, "number_type": "national"}
                for n in ("+31850000001", "+31850000002")
            ]
            return _json(200, {"data": numbers})
        if request.method == "POST" and b"+31850000001" in request.body:
            error = {"code": "already_in_use", "message": "Number taken"}
            return _json(400, {"error": error})
        if request.method == "POST":
            receipt = {
                "order_id": "order-2",
                "phone_number": "+31850000002",
                "number_type": "national",
                "status": "pending",
            }
            return _json(201, {"message": "ordered", "data": receipt})
        return _json(200, {"data": order})

    transport = MockTransport(answer)
    async with flireo.FlireoClient(
        "test-key", base_url="https://api.example.test", transport=transport
    ) as client:
        assert await provision_number(client) == "+31850000002"
    posts = [r for r in transport.requests if r.method == "POST"]
    assert len(posts) == 2


@pytest.mark.flireo_sandbox(order_completion_delay=0)
async def test_provisions_against_the_sandbox(
    client: flireo.FlireoClient, flireo_sandbox: Sandbox
) -> None:
    """Orders one number and charges 10 credits."""
    number = await provision_number(client, query="85")
    assert flireo_sandbox.order_counts() == {number: 1}
    assert flireo_sandbox.credits == 990


@pytest.mark.flireo_sandbox(
    order_completion_delay=0,
    faults=Faults(drop_after_commit_rate=1.0, apply_to="orders"),
)
async def test_orders_once_when_the_answer_is_lost(
    client: flireo.FlireoClient, flireo_sandbox: Sandbox
) -> None:
    """The server orders, then drops the connection: no second order."""
    number = await provision_number(client)
    assert flireo_sandbox.order_counts() == {number: 1}


@pytest.mark.flireo_sandbox(order_completion_delay=0, order_failure_rate=1.0)
async def test_reports_a_failed_order(client: flireo.FlireoClient) -> None:
    """An order that ends ``failed`` raises ProvisioningError."""
    with pytest.raises(ProvisioningError, match="ended failed"):
        await provision_number(client)


@pytest.mark.flireo_sandbox(credits=5)
async def test_lets_out_of_credits_through(
    client: flireo.FlireoClient,
) -> None:
    """Running out of credits is the caller's problem, with its type."""
    with pytest.raises(flireo.InsufficientCreditsError):
        await provision_number(client)
