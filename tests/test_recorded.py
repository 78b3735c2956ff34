"""RecordedTransport (cassette replay and recording) and MockTransport."""

from __future__ import annotations

import asyncio
import json

import pytest

import flireo_async as flireo
from flireo_async.testing import (
    CassetteMismatchError,
    MockTransport,
    RecordedTransport,
)


ORDER = "660e8400-e29b-41d4-a716-446655440000"
SECRET = "fl_live_9Qm2TzX4sEcReT"


def interaction(method, path, *, query=None, body=None, status=200, data=None):
    return {
        "request": {
            "method": method,
            "path": path,
            "query": query or {},
            "json": body,
        },
        "response": {
            "status": status,
            "headers": {"content-type": "application/json"},
            "json": {"data": data},
        },
    }


@pytest.fixture(name="cassette")
def _cassette(tmp_path):
    """``cassette(*interactions)`` writes a cassette file, returns its path."""

    def write(*interactions):
        path = tmp_path / "cassette.json"
        path.write_text(json.dumps({"interactions": list(interactions)}))
        return path

    return write


def request(method, url, body=b""):
    return flireo.Request(method=method, url=url, body=body)


def data_of(response):
    return json.loads(response.body)["data"]


def order_detail(external_id):
    return {
        "id": ORDER,
        "phone_number": "+31201234567",
        "status": "success",
        "number_type": "local",
        "ordered_at": "2025-01-15T10:30:00Z",
        "external_order_id": external_id,
    }


async def test_query_matches_in_any_order(cassette):
    """A recorded query matches whatever order the parameters are sent in."""
    transport = RecordedTransport(
        cassette(
            interaction(
                "GET",
                "/v1/phone-number-orders",
                query={
                    "status": ["pending"],
                    "limit": ["20"],
                    "offset": ["0"],
                },
                data="listed",
            )
        )
    )

    response = await transport.send(
        request(
            "GET",
            "https://api.example.test/v1/phone-number-orders"
            "?offset=0&limit=20&status=pending",
        )
    )

    assert "listed" == data_of(response)
    transport.assert_all_played()


async def test_json_body_matches_regardless_of_key_order(cassette):
    """A recorded JSON body matches the same JSON with keys in any order."""
    transport = RecordedTransport(
        cassette(
            interaction(
                "POST",
                "/v1/phone-numbers",
                body={
                    "phone_number": "+31851234567",
                    "number_type": "national",
                    "extra": {"b": 2, "a": 1},
                },
                data="ordered",
            )
        )
    )
    body = (
        b'{"extra":{"a":1,"b":2},"number_type":"national",'
        b'"phone_number":"+31851234567"}'
    )

    response = await transport.send(
        request("POST", "https://api.example.test/v1/phone-numbers", body)
    )

    assert "ordered" == data_of(response)


@pytest.mark.parametrize(
    "sent",
    [
        request("POST", "https://api.example.test/v1/phone-number-orders"),
        request("GET", "https://api.example.test/v1/phone-numbers"),
        request(
            "GET", "https://api.example.test/v1/phone-number-orders?limit=5"
        ),
        request(
            "GET",
            "https://api.example.test/v1/phone-number-orders",
            b'{"unexpected": true}',
        ),
    ],
    ids=["method", "path", "query", "body"],
)
async def test_any_difference_is_a_mismatch(cassette, sent):
    """Method, path, query and body all take part in matching."""
    transport = RecordedTransport(
        cassette(interaction("GET", "/v1/phone-number-orders", data="x"))
    )

    with pytest.raises(CassetteMismatchError):
        await transport.send(sent)


async def test_identical_requests_replay_in_recorded_order(cassette):
    """Repeated identical requests get the recorded answers in order."""
    transport = RecordedTransport(
        cassette(
            *(
                interaction("GET", f"/v1/phone-number-orders/{ORDER}", data=n)
                for n in ("first", "second", "third")
            )
        )
    )
    url = f"https://api.example.test/v1/phone-number-orders/{ORDER}"

    answers = [
        data_of(await transport.send(request("GET", url))) for _ in "123"
    ]

    assert ["first", "second", "third"] == answers
    transport.assert_all_played()


async def test_concurrent_identical_requests_get_distinct_answers(
    cassette, client_for
):
    """Concurrent identical requests never share an answer; all are played."""
    count = 25
    recorded = RecordedTransport(
        cassette(
            *(
                interaction(
                    "GET",
                    f"/v1/phone-number-orders/{ORDER}",
                    data=order_detail(f"telnyx_order_{n}"),
                )
                for n in range(count)
            )
        )
    )

    async def interleaved(req):
        await asyncio.sleep(0)  # let every task reach the transport first
        return await recorded.send(req)

    client = client_for(MockTransport(interleaved))

    orders = await asyncio.gather(
        *(client.orders.get(ORDER) for _ in range(count))
    )

    assert {f"telnyx_order_{n}" for n in range(count)} == {
        o.external_order_id for o in orders
    }
    recorded.assert_all_played()


async def test_unmatched_request_names_closest_recorded(cassette, client_for):
    """An unmatched request fails loudly, naming the closest recording, and
    the client does not swallow it as an API error."""
    transport = RecordedTransport(
        cassette(
            interaction(
                "GET",
                "/v1/phone-number-orders",
                query={"limit": ["50"], "offset": ["0"]},
            ),
            interaction("GET", "/v1/verification-groups/abc"),
        )
    )
    client = client_for(transport)

    with pytest.raises(CassetteMismatchError) as caught:
        await client.orders.list().collect()

    message = str(caught.value)
    assert message.startswith(
        "no recorded answer for GET /v1/phone-number-orders?limit=20&offset=0"
    )
    assert message.endswith(
        "closest recorded request is "
        "GET /v1/phone-number-orders?limit=50&offset=0"
    )
    assert isinstance(caught.value, AssertionError)


async def test_exhausted_request_says_already_played(cassette):
    """Asking once more than recorded says the answers were already played."""
    transport = RecordedTransport(
        cassette(interaction("GET", "/v1/phone-numbers", data=[]))
    )
    sent = request("GET", "https://api.example.test/v1/phone-numbers")
    await transport.send(sent)

    with pytest.raises(CassetteMismatchError, match="already played"):
        await transport.send(sent)


async def test_assert_all_played_lists_unrequested(cassette):
    """assert_all_played() fails listing every recorded request never made."""
    transport = RecordedTransport(
        cassette(
            interaction("GET", "/v1/phone-numbers", data=[]),
            interaction(
                "POST",
                "/v1/phone-numbers",
                body={"phone_number": "+31851234567"},
            ),
            interaction(
                "DELETE",
                f"/v1/assistants/{ORDER}/phone-number",
            ),
        )
    )
    await transport.send(
        request("GET", "https://api.example.test/v1/phone-numbers")
    )

    with pytest.raises(AssertionError) as caught:
        transport.assert_all_played()

    message = str(caught.value)
    assert message.startswith("2 recorded request(s) never made")
    assert 'POST /v1/phone-numbers {"phone_number":"+31851234567"}' in message
    assert f"DELETE /v1/assistants/{ORDER}/phone-number" in message
    assert "GET /v1/phone-numbers" not in message


@pytest.mark.parametrize(
    ("recorded_path", "base_url"),
    [
        (f"/v1/phone-number-orders/{ORDER}", "http://127.0.0.1:8080/api"),
        (f"/api/v1/phone-number-orders/{ORDER}", "https://api.example.test"),
        (f"/api/v1/phone-number-orders/{ORDER}", "https://other.test/x/y"),
    ],
)
async def test_replays_across_base_urls(
    cassette, client_for, recorded_path, base_url
):
    """A cassette replays whatever host or prefix the client's base URL
    has: matching starts at the /v1 segment."""
    transport = RecordedTransport(
        cassette(
            interaction("GET", recorded_path, data=order_detail("telnyx_1"))
        )
    )
    client = client_for(transport, base_url=base_url)

    order = await client.orders.get(ORDER)

    assert "telnyx_1" == order.external_order_id
    transport.assert_all_played()


async def test_record_then_replay_redacts_key(tmp_path, client_for):
    """Record mode writes a cassette that replays the same exchanges, with
    no Authorization header and the key redacted everywhere."""
    path = tmp_path / "recorded.json"
    drops = iter([True])

    def server(req):
        if req.method == "GET" and next(drops, False):
            raise flireo.TransportError("connection reset by peer")
        echo = {"echo": req.headers["Authorization"]}
        headers = {
            "content-type": "application/json",
            "x-request-id": "req_1",
            "x-echo": f"key={SECRET}",
        }
        if req.method == "GET":
            payload = {"data": order_detail("telnyx_order_123"), **echo}
            return flireo.Response(
                status=200, headers=headers, body=json.dumps(payload).encode()
            )
        payload = {
            "message": "Phone number ordered",
            "data": {
                "order_id": ORDER,
                "phone_number": "+31851234567",
                "number_type": "national",
                "status": "pending",
                "credits_used": 10,
                "remaining_credits": 90,
            },
            **echo,
        }
        return flireo.Response(
            status=201, headers=headers, body=json.dumps(payload).encode()
        )

    inner = MockTransport(server)
    recorder = RecordedTransport(path, mode="record", inner=inner)
    client = client_for(
        recorder, api_key=SECRET, base_url="http://127.0.0.1:9/api"
    )
    live_order = await client.orders.get(ORDER)
    live_receipt = await client.phone_numbers.order("+31851234567")
    await recorder.aclose()

    text = path.read_text()
    assert SECRET not in text
    assert "authorization" not in text.lower()
    assert "Bearer <redacted>" in text
    assert "key=<redacted>" in text
    assert inner.closed
    recorded = json.loads(text)["interactions"]
    assert [
        ("GET", f"/api/v1/phone-number-orders/{ORDER}", "disconnect"),
        ("GET", f"/api/v1/phone-number-orders/{ORDER}", None),
        ("POST", "/api/v1/phone-numbers", None),
    ] == [
        (i["request"]["method"], i["request"]["path"], i.get("error"))
        for i in recorded
    ]
    assert {
        "phone_number": "+31851234567",
        "number_type": "national",
    } == recorded[2]["request"]["json"]

    replay = RecordedTransport(path)
    replay_client = client_for(replay)
    assert live_order == await replay_client.orders.get(ORDER)
    assert live_receipt == await replay_client.phone_numbers.order(
        "+31851234567"
    )
    replay.assert_all_played()


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("disconnect", flireo.TransportError),
        ("timeout", flireo.RequestTimeoutError),
        ("connect", flireo.ConnectError),
    ],
)
async def test_recorded_failures_reraise(cassette, error, expected):
    """A recorded network failure replays as the matching TransportError."""
    transport = RecordedTransport(
        cassette(
            {
                "request": {
                    "method": "GET",
                    "path": "/v1/phone-numbers",
                    "query": {},
                    "json": None,
                },
                "error": error,
            }
        )
    )

    with pytest.raises(flireo.TransportError) as caught:
        await transport.send(
            request("GET", "https://api.example.test/v1/phone-numbers")
        )

    assert expected is type(caught.value)
    transport.assert_all_played()


async def test_recorded_text_body_replays(tmp_path):
    """A recorded non-JSON body replays byte for byte with its headers."""
    path = tmp_path / "html.json"
    path.write_text(
        json.dumps(
            {
                "interactions": [
                    {
                        "request": {"method": "GET", "path": "/v1/x"},
                        "response": {
                            "status": 502,
                            "headers": {"Content-Type": "text/html"},
                            "body": "<h1>502 Bad Gateway</h1>",
                        },
                    }
                ]
            }
        )
    )
    transport = RecordedTransport(path)

    response = await transport.send(request("GET", "https://h.test/v1/x"))

    assert (502, b"<h1>502 Bad Gateway</h1>", "text/html") == (
        response.status,
        response.body,
        response.headers["content-type"],
    )


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_mock_transport_handlers(client_for, kind):
    """MockTransport answers with a sync or an async handler and keeps every
    request it received."""
    answer = flireo.Response(
        status=200,
        headers={"content-type": "application/json"},
        body=json.dumps({"data": order_detail("telnyx_order_9")}).encode(),
    )

    def sync_handler(req):
        return answer

    async def async_handler(req):
        await asyncio.sleep(0)
        return answer

    mock = MockTransport(sync_handler if kind == "sync" else async_handler)
    client = client_for(mock)

    order = await client.orders.get(ORDER)

    assert "telnyx_order_9" == order.external_order_id
    assert [f"https://api.example.test/v1/phone-number-orders/{ORDER}"] == [
        r.url for r in mock.requests
    ]
    assert "Bearer test-key" == mock.requests[0].headers["Authorization"]
    await mock.aclose()
    assert mock.closed


async def test_mock_transport_handler_errors_propagate(client_for):
    """A handler raising ConnectError simulates a refused connection; the
    client retries it and finally raises it."""

    def refuse(req):
        raise flireo.ConnectError("connection refused")

    mock = MockTransport(refuse)
    client = client_for(mock)

    with pytest.raises(flireo.ConnectError):
        await client.orders.get(ORDER)

    assert 3 == len(mock.requests)
