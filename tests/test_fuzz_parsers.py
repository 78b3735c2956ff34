"""
The parsers on their own, fed generated input: answer decoding, rate-limit
headers, every model through the converter, webhook bodies and headers
(Flireo and Telnyx, signed and not), and the aiohttp event router.  Each
ends in a sane value or a ``FlireoError``; nothing else escapes.
"""

from __future__ import annotations

import asyncio
import base64
import math
from functools import partial
from typing import Any
from unittest import mock

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_support import (
    HEADERS,
    JSON_VALUES,
    ODD_TEXT,
    STATUSES,
    bodies,
    dumps,
    json_or_none,
    mutated,
    recorded_answers,
    typed_outcome,
)

import flireo_async as flireo
from flireo_async import Response, events, telnyx
from flireo_async import _models as flireo_models
from flireo_async._core import _sansio
from flireo_async._core._converter import structure
from flireo_async._core._sansio import RateLimitInfo, parse_retry_after
from flireo_async._wire import FLIREO, flireo_error_fields
from flireo_async.events.aiohttp import EventRouter
from flireo_async.telnyx import _models as telnyx_models
from flireo_async.telnyx._sansio import TELNYX, telnyx_error_fields


decipher = partial(_sansio.decipher, dialect=FLIREO)
telnyx_decipher = partial(_sansio.decipher, dialect=TELNYX)


pytestmark = pytest.mark.fuzz

NOW = 1_726_218_741.0
URL = "https://api.example.test/v1/x"
SECRET = "whsec_fuzz"

ALL_RECORDED = recorded_answers("")


def _models(module: Any) -> list[type]:
    return [
        value
        for name in module.__all__
        if isinstance(value := getattr(module, name), type)
        and hasattr(value, "__attrs_attrs__")
    ]


MODELS = _models(flireo_models) + _models(telnyx_models)


def _objects(value: Any) -> list[Any]:
    # Every object nested in a recorded answer: candidates for a model.
    found: list[Any] = []
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found.extend(_objects(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_objects(item))
    return found


OBJECTS = [
    found
    for answer in ALL_RECORDED
    for found in _objects(json_or_none(answer.body))
]


def _raises_only_typed(call: Any) -> Any:
    try:
        return call()
    except flireo.FlireoError as exc:
        return exc


# -- answers and headers ----------------------------------------------------


@given(
    status=STATUSES,
    headers=HEADERS,
    body=bodies(ALL_RECORDED),
    telnyx_envelope=st.booleans(),
)
def test_decipher_gives_json_or_a_typed_error(
    status: int, headers: dict[str, str], body: bytes, telnyx_envelope: bool
) -> None:
    read = telnyx_decipher if telnyx_envelope else decipher
    response = Response(status=status, headers=headers, body=body)
    outcome = _raises_only_typed(
        lambda: read(response, method="GET", url=URL, now=NOW)
    )
    if 200 <= status < 300:
        assert not isinstance(outcome, flireo.APIError)
    else:
        assert isinstance(outcome, flireo.APIError)
        retry_after = getattr(outcome, "retry_after", None)
        assert retry_after is None or 0 <= retry_after < math.inf


@given(value=st.one_of(ODD_TEXT, st.text(max_size=40)))
def test_retry_after_is_none_or_finite_and_not_negative(value: str) -> None:
    seconds = parse_retry_after(value, now=NOW)
    assert seconds is None or 0.0 <= seconds < math.inf


@given(
    headers=st.dictionaries(
        st.sampled_from(
            [
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
                "x-ratelimit-reset",
            ]
        ),
        st.one_of(ODD_TEXT, st.text(max_size=12), st.from_regex(r"\d{1,12}")),
    )
)
def test_rate_limit_info_is_none_or_sane(headers: dict[str, str]) -> None:
    info = RateLimitInfo.from_headers(headers, now=NOW)
    if info is not None:
        assert info.remaining >= 0
        assert math.isfinite(info.reset)
        assert info.limit is None or info.limit >= 0


@given(payload=JSON_VALUES)
def test_error_envelopes_are_read_without_raising(payload: Any) -> None:
    for read in (flireo_error_fields, telnyx_error_fields):
        code, message, _ = read(payload)
        assert code is None or isinstance(code, str)
        assert message is None or isinstance(message, str)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_every_model_structures_or_raises_a_decode_error(
    model: type, data: st.DataObject
) -> None:
    value = data.draw(
        st.one_of(st.sampled_from(OBJECTS).flatmap(mutated), JSON_VALUES)
    )
    outcome = _raises_only_typed(lambda: structure(value, model))
    assert isinstance(outcome, model | flireo.ResponseDecodeError)


def _cattrs_only(model: type) -> Any:
    # cattrs' own function for *model*, the reference the generated fast
    # path must agree with (nested models still go through the converter).
    from cattrs.gen import make_dict_structure_fn, override

    from flireo_async._core._converter import _not_on_wire, get_converter

    omitted = {name: override(omit=True) for name in _not_on_wire(model)}
    fn = make_dict_structure_fn(model, get_converter(), **omitted)
    return lambda value: fn(value, model)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_fast_path_agrees_with_cattrs(
    model: type, data: st.DataObject
) -> None:
    """Whatever the generated function accepts, cattrs reads the same; what
    it declines still decodes (or fails) exactly as cattrs says."""
    value = data.draw(
        st.one_of(st.sampled_from(OBJECTS).flatmap(mutated), JSON_VALUES)
    )
    reference = _cattrs_only(model)
    try:
        expected: Any = reference(value)
    except Exception:  # cattrs refuses: so must we
        expected = flireo.ResponseDecodeError
    try:
        got: Any = structure(value, model)
    except flireo.ResponseDecodeError:
        got = flireo.ResponseDecodeError
    assert got == expected


@given(
    group=st.one_of(st.sampled_from(OBJECTS).flatmap(mutated), JSON_VALUES),
    copies=st.integers(1, 4),
)
def test_a_page_decodes_like_its_items_one_by_one(
    group: Any, copies: int
) -> None:
    """Sharing repeated nested groups changes nothing: a page of orders
    with the same (possibly bad) group decodes as its items do alone."""
    items = [
        {
            "id": f"o{i}",
            "phone_number": "+31850000000",
            "status": "pending",
            "verification_group": group,
        }
        for i in range(copies)
    ]

    def one(value: Any) -> Any:
        try:
            return structure(value, flireo.Order)
        except flireo.ResponseDecodeError:
            return flireo.ResponseDecodeError

    try:
        page: Any = structure(items, tuple[flireo.Order, ...])
    except flireo.ResponseDecodeError:
        page = flireo.ResponseDecodeError
    alone = [one(item) for item in items]
    if page is flireo.ResponseDecodeError:
        assert flireo.ResponseDecodeError in alone
    else:
        assert list(page) == alone


# -- Flireo webhooks --------------------------------------------------------

EVENT_SEEDS: list[Any] = [
    {
        "eventType": "assistant-request",
        "fromCaller": "+31601234567",
        "toAssistant": "+31850123456",
    },
    {
        "eventTime": 1756278882619,
        "callId": "875573b5",
        "eventType": "tool-calls",
        "tasksInitiated": [
            {"taskId": "t1", "taskName": "send_task", "taskPayload": "{}"}
        ],
    },
    {
        "eventTimestamp": 1756294820944,
        "eventType": "end-of-call-report",
        "callLengthSeconds": 12,
        "transcriptText": "AI: Hallo\nGebruiker: Hoi",
        "recordings": {"mono": "https://x.test/a.mp3"},
    },
    {"eventType": "status-update", "callSession": "c-1", "status": "ended"},
    {
        "message": {
            "type": "tool-calls",
            "timestamp": "2025-12-13T12:00:00Z",
            "call": {"id": "c-1", "type": "inboundPhoneCall"},
            "toolCallList": [
                {
                    "id": "t1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": {"q": 1}},
                }
            ],
        }
    },
    {
        "message": {
            "type": "end-of-call-report",
            "startedAt": "2025-12-13T12:00:00Z",
            "endedAt": 1756294820944,
            "messages": [{"role": "bot", "message": "Hallo"}],
            "analysis": {"summary": "x"},
        }
    },
    {
        "message": {
            "type": "status-update",
            "status": "ended",
            "call": {"id": "c-1", "status": "ended"},
            "error": {"code": 1},
        }
    },
]

EVENT_HEADERS = st.dictionaries(
    st.sampled_from(
        [
            "X-Webhook-Event",
            "X-Webhook-Timestamp",
            "X-Webhook-Signature",
            "x-webhook-timestamp",
        ]
    ),
    st.one_of(ODD_TEXT, st.text(max_size=12)),
    max_size=3,
)

EVENT_BODIES = st.one_of(
    st.sampled_from(EVENT_SEEDS).flatmap(mutated).map(dumps),
    st.sampled_from(EVENT_SEEDS).map(dumps),
    JSON_VALUES.map(dumps),
    st.binary(max_size=64),
)


@given(body=EVENT_BODIES, headers=st.one_of(st.none(), EVENT_HEADERS))
def test_parse_event_gives_an_event_or_a_parse_error(
    body: bytes, headers: dict[str, str] | None
) -> None:
    outcome = _raises_only_typed(lambda: events.parse_event(body, headers))
    assert isinstance(
        outcome,
        events.EventParseError
        | events.AssistantRequestEvent
        | events.ToolCallsEvent
        | events.EndOfCallReportEvent
        | events.StatusUpdateEvent
        | events.UnknownEvent,
    )


@given(
    body=EVENT_BODIES,
    headers=EVENT_HEADERS,
    signed_at=st.one_of(
        st.none(), st.integers(min_value=0, max_value=10**12 - 1)
    ),
)
def test_verify_signature_passes_or_raises_a_signature_error(
    body: bytes, headers: dict[str, str], signed_at: int | None
) -> None:
    if signed_at is not None:
        headers = {
            **headers,
            **events.signature_headers(
                body, secret=SECRET, timestamp=signed_at
            ),
        }
    outcome = _raises_only_typed(
        lambda: events.verify_signature(body, headers, secret=SECRET, now=NOW)
    )
    assert outcome is None or isinstance(outcome, flireo.SignatureError)
    if outcome is None:
        assert signed_at is not None
        assert abs(NOW - signed_at) <= 300


# -- Telnyx webhooks ----------------------------------------------------------

TELNYX_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
TELNYX_PUBLIC = base64.b64encode(
    TELNYX_KEY.public_key().public_bytes_raw()
).decode()
TELNYX_EVENT: Any = {
    "data": {
        "event_type": "number_order.complete",
        "id": "da5ddb44",
        "occurred_at": "2024-09-13T09:12:21.140324Z",
        "record_type": "event",
        "payload": {
            "id": "e3dcb7d4",
            "status": "success",
            "phone_numbers": [
                {"phone_number": "+31851234567", "status": "success"}
            ],
        },
    },
    "meta": {"attempt": 1},
}
TELNYX_BODIES = st.one_of(
    st.just(TELNYX_EVENT).flatmap(mutated).map(dumps),
    st.just(dumps(TELNYX_EVENT)),
    JSON_VALUES.map(dumps),
    st.binary(max_size=64),
)


@given(
    body=TELNYX_BODIES,
    stamp=st.one_of(
        ODD_TEXT, st.integers(0, 10**13).map(str), st.text(max_size=12)
    ),
    sign=st.booleans(),
    signature=st.one_of(ODD_TEXT, st.text(max_size=90)),
    drop=st.sampled_from(
        [None, "telnyx-timestamp", "telnyx-signature-ed25519"]
    ),
)
def test_telnyx_webhooks_verify_or_raise_a_signature_error(
    body: bytes, stamp: str, sign: bool, signature: str, drop: str | None
) -> None:
    if sign:
        signed = TELNYX_KEY.sign(
            stamp.encode("utf-8", "surrogatepass") + b"|" + body
        )
        signature = base64.b64encode(signed).decode()
    headers = {
        "telnyx-timestamp": stamp,
        "telnyx-signature-ed25519": signature,
    }
    if drop:
        del headers[drop]
    outcome = _raises_only_typed(
        lambda: telnyx.verify_webhook(
            body, headers, public_key=TELNYX_PUBLIC, now=NOW
        )
    )
    assert outcome is None or isinstance(outcome, flireo.SignatureError)
    if outcome is None:
        assert sign
        assert abs(NOW - int(stamp)) <= 300


@given(body=TELNYX_BODIES)
def test_telnyx_event_parses_or_raises_a_decode_error(body: bytes) -> None:
    outcome = _raises_only_typed(lambda: telnyx.parse_number_order_event(body))
    assert isinstance(
        outcome, telnyx.NumberOrderEvent | flireo.ResponseDecodeError
    )


# -- the aiohttp router -------------------------------------------------------


async def _deliver(
    router: EventRouter, body: bytes, headers: dict[str, str]
) -> int:
    protocol = mock.Mock(_reading_paused=False)
    payload = aiohttp.StreamReader(
        protocol, 2**16, loop=asyncio.get_running_loop()
    )
    payload.feed_data(body)
    payload.feed_eof()
    request = make_mocked_request(
        "POST", "/webhooks", headers=headers, payload=payload
    )
    response = await router.handle(request)
    return response.status


@given(
    body=EVENT_BODIES,
    headers=EVENT_HEADERS,
    signed=st.booleans(),
)
def test_router_answers_every_delivery_with_a_status(
    body: bytes, headers: dict[str, str], signed: bool
) -> None:
    router = EventRouter(secret=SECRET if signed else None)

    @router.on_tool_call()
    async def echo(call: events.ToolCall, event: events.ToolCallsEvent) -> str:
        return "ok"

    # Header values travel as latin-1 on the wire; others cannot arrive.
    wire_headers = {
        k: v.encode("utf-8", "surrogatepass").decode("latin-1")
        for k, v in headers.items()
    }
    status = typed_outcome(lambda: _deliver(router, body, wire_headers))
    assert status in {200, 400, 401}
