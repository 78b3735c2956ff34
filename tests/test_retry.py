"""When requests are retried, how long the client waits, and rate limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import orjson
import pytest

from flireo_async import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    FlireoClient,
    FlireoError,
    NotFoundError,
    Order,
    OrderReceipt,
    RateLimitError,
    Request,
    RequestTimeoutError,
    Response,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
)
from flireo_async._core import _sansio
from flireo_async._wire import FLIREO
from flireo_async.testing import MockTransport


# The Flireo client's decipher: the core one with Flireo's dialect.
decipher = partial(_sansio.decipher, dialect=FLIREO)


BASE = "http://127.0.0.1:9/api"

ORDER = {
    "data": {
        "id": "o-1",
        "phone_number": "+31851234567",
        "status": "pending",
        "number_type": "national",
        "ordered_at": "2025-01-15T10:30:00Z",
    }
}
RECEIPT = {
    "message": "Phone number ordered",
    "data": {
        "order_id": "o-1",
        "phone_number": "+31851234567",
        "number_type": "national",
        "status": "pending",
        "credits_used": 10,
        "remaining_credits": 90,
    },
}
LINK = {
    "message": "Phone number linked successfully",
    "data": {
        "assistant_id": "a-1",
        "phone_number": {"id": "p-1", "number": "+31851234567"},
        "previous_phone_number_id": None,
        "released_assistants": 0,
    },
}

FAST = RetryPolicy(max_attempts=3, initial_delay=0.001, max_delay=0.002)


def ok(body: Any = ORDER, headers: dict[str, str] | None = None) -> Response:
    return Response(status=200, headers=headers or {}, body=orjson.dumps(body))


def fail(status: int, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": "x", "message": f"status {status}"}}
    return Response(
        status=status, headers=headers or {}, body=orjson.dumps(body)
    )


class Script:
    """Answers with the given outcomes in turn; the last one repeats."""

    def __init__(self, *outcomes: Response | Exception) -> None:
        self._outcomes = list(outcomes)
        self.sent_at: list[float] = []

    def __call__(self, request: Request) -> Response:
        self.sent_at.append(time.time())
        outcome = (
            self._outcomes.pop(0)
            if len(self._outcomes) > 1
            else self._outcomes[0]
        )
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def make_client(
    transport: MockTransport,
    retry: RetryPolicy = FAST,
    **kwargs: Any,
) -> FlireoClient:
    return FlireoClient(
        "fl_test_key",
        base_url=BASE,
        transport=transport,
        retry=retry,
        **kwargs,
    )


def api_error(status: int, headers: dict[str, str] | None = None) -> APIError:
    """An error exactly as the client would raise it for an answer."""
    try:
        decipher(
            fail(status, headers), method="GET", url=BASE, now=time.time()
        )
    except APIError as exc:
        return exc
    raise AssertionError(status)  # pragma: no cover


# -- RetryPolicy.delay_for -------------------------------------------------

POLICY = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=False)
BACKOFF = 0.5  # POLICY.backoff_delay(0) without jitter


def _delay_table() -> Iterator[Any]:
    both = (True, False)
    for repeatable in both:
        yield pytest.param(
            ConnectError("refused"),
            repeatable,
            BACKOFF,
            id=f"connect-repeatable={repeatable}",
        )
        yield pytest.param(
            RateLimitError("429", status=429),
            repeatable,
            BACKOFF,
            id=f"429-no-retry-after-repeatable={repeatable}",
        )
        yield pytest.param(
            RateLimitError("429", status=429, retry_after=7.0),
            repeatable,
            7.0,
            id=f"429-retry-after-repeatable={repeatable}",
        )
        yield pytest.param(
            api_error(429, {"Retry-After": "3"}),
            repeatable,
            3.0,
            id=f"429-deciphered-repeatable={repeatable}",
        )
        yield pytest.param(
            RateLimitError("429", status=429, retry_after=61.0),
            repeatable,
            None,
            id=f"429-too-long-repeatable={repeatable}",
        )
        for status in (400, 401, 403, 404, 409, 422):
            yield pytest.param(
                api_error(status),
                repeatable,
                None,
                id=f"{status}-repeatable={repeatable}",
            )
        yield pytest.param(
            ValidationError("limit", "bad"),
            repeatable,
            None,
            id=f"validation-repeatable={repeatable}",
        )
        yield pytest.param(
            api_error(501),
            repeatable,
            None,
            id=f"501-not-in-retry-statuses-repeatable={repeatable}",
        )
    for error in (TransportError("reset"), RequestTimeoutError("slow")):
        name = type(error).__name__
        yield pytest.param(error, True, BACKOFF, id=f"{name}-repeatable")
        yield pytest.param(error, False, None, id=f"{name}-not-repeatable")
    for status in (500, 502, 503, 504):
        yield pytest.param(
            api_error(status), True, BACKOFF, id=f"{status}-repeatable"
        )
        yield pytest.param(
            api_error(status), False, None, id=f"{status}-not-repeatable"
        )
    yield pytest.param(
        api_error(503, {"Retry-After": "5"}),
        True,
        5.0,
        id="503-retry-after-honoured",
    )
    yield pytest.param(
        api_error(503, {"Retry-After": "600"}),
        True,
        None,
        id="503-retry-after-too-long",
    )
    yield pytest.param(
        api_error(503, {"Retry-After": "5"}),
        False,
        None,
        id="503-retry-after-not-repeatable",
    )


@pytest.mark.parametrize(
    ("error", "repeatable", "expected"), list(_delay_table())
)  # fmt: skip
def test_delay_for(
    error: Exception, repeatable: bool, expected: float | None
) -> None:
    """Only failures that are safe to repeat are retried, after this long."""
    assert expected == POLICY.delay_for(error, 0, repeatable=repeatable)


def test_delay_for_grows_with_the_retry_number() -> None:
    """Later retries wait longer (exponential backoff)."""
    error = ConnectError("refused")
    delays = [POLICY.delay_for(error, n, repeatable=True) for n in range(4)]
    assert [0.5, 1.0, 2.0, 4.0] == delays


def test_retry_after_is_not_jittered() -> None:
    """A server's Retry-After is honoured exactly even with jitter on."""
    policy = RetryPolicy(jitter=True)
    error = RateLimitError("429", status=429, retry_after=2.5)
    delays = {policy.delay_for(error, 0, repeatable=True) for _ in range(50)}
    assert {2.5} == delays


def test_custom_retry_statuses() -> None:
    """retry_statuses decides which statuses a GET is retried on."""
    policy = RetryPolicy(jitter=False, retry_statuses=frozenset({502}))
    assert policy.delay_for(api_error(500), 0, repeatable=True) is None
    assert 0.5 == policy.delay_for(api_error(502), 0, repeatable=True)


# -- RetryPolicy.backoff_delay ---------------------------------------------


@pytest.mark.parametrize(
    ("retry_number", "expected"),
    [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (30, 8.0)],
)
def test_backoff_delay_without_jitter(
    retry_number: int, expected: float
) -> None:
    """Without jitter the delay doubles up to max_delay."""
    assert expected == POLICY.backoff_delay(retry_number)


@pytest.mark.parametrize("retry_number", [0, 1, 2, 3, 4, 10])
def test_backoff_delay_with_jitter_stays_within_bounds(
    retry_number: int,
) -> None:
    """Jitter spreads delays between half and all of the backoff."""
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=True)
    full = min(8.0, 0.5 * 2**retry_number)
    samples = [policy.backoff_delay(retry_number) for _ in range(2000)]
    assert all(full / 2 <= s <= full for s in samples)
    assert len(set(samples)) > 1000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"max_attempts": -1},
        {"deadline": -0.1},
        {"initial_delay": -1.0},
        {"max_delay": -1.0},
        {"max_retry_after": -5.0},
    ],
)
def test_invalid_policy_is_a_configuration_error(
    kwargs: dict[str, Any],
) -> None:
    """A policy that cannot work is refused when it is built."""
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)


def test_policy_without_deadline_is_allowed() -> None:
    """deadline=None bounds retries by max_attempts only."""
    assert RetryPolicy(deadline=None).deadline is None


@pytest.mark.parametrize("rate", [0, -1.0])
def test_invalid_rate_limit_is_a_configuration_error(rate: float) -> None:
    """rate_limit must be a positive number of requests per second."""
    with pytest.raises(ConfigurationError):
        FlireoClient("fl_test_key", base_url=BASE, rate_limit=rate)


# -- retries through a real client -----------------------------------------


@pytest.mark.parametrize("max_attempts", [2, 3, 5])
async def test_attempts_never_exceed_max_attempts(max_attempts: int) -> None:
    """A GET that keeps failing is sent exactly max_attempts times."""
    transport = MockTransport(Script(fail(503)))
    policy = RetryPolicy(
        max_attempts=max_attempts, initial_delay=0.001, max_delay=0.002
    )
    async with make_client(transport, policy) as client:
        with pytest.raises(ServerError):
            await client.orders.get("o-1")
    assert max_attempts == len(transport.requests)


@pytest.mark.parametrize(
    "failure",
    [fail(503), TransportError("reset"), ConnectError("refused")],
    ids=["503", "transport", "connect"],
)
async def test_max_attempts_one_sends_exactly_once(
    failure: Response | Exception,
) -> None:
    """max_attempts=1 turns retries off."""
    transport = MockTransport(Script(failure, ok()))
    policy = RetryPolicy(max_attempts=1, initial_delay=0.001)
    async with make_client(transport, policy) as client:
        with pytest.raises(FlireoError):
            await client.orders.get("o-1")
    assert 1 == len(transport.requests)


@pytest.mark.parametrize(
    "failure",
    [
        fail(500),
        fail(502),
        fail(503),
        fail(504),
        fail(429),
        TransportError("connection reset"),
        RequestTimeoutError("no answer"),
        ConnectError("refused"),
    ],
    ids=["500", "502", "503", "504", "429", "transport", "timeout", "connect"],
)
async def test_get_is_retried_then_succeeds(
    failure: Response | Exception,
) -> None:
    """A GET that fails transiently succeeds on the next attempt."""
    transport = MockTransport(Script(failure, ok()))
    async with make_client(transport) as client:
        order = await client.orders.get("o-1")
    assert isinstance(order, Order)
    assert "o-1" == order.id
    assert 2 == len(transport.requests)


async def test_get_survives_several_transient_failures() -> None:
    """Mixed transient failures are retried up to the attempt budget."""
    transport = MockTransport(
        Script(fail(502), TransportError("reset"), fail(429), ok())
    )
    policy = RetryPolicy(max_attempts=4, initial_delay=0.001, max_delay=0.002)
    async with make_client(transport, policy) as client:
        order = await client.orders.get("o-1")
    assert "o-1" == order.id
    assert 4 == len(transport.requests)


@pytest.mark.parametrize(
    ("failure", "expected"),
    [(fail(400), APIError), (fail(401), AuthenticationError),
     (fail(404), NotFoundError)],
)  # fmt: skip
async def test_get_is_not_retried_on_client_errors(
    failure: Response, expected: type[Exception]
) -> None:
    """A 4xx answer is final: retrying cannot change it."""
    transport = MockTransport(Script(failure, ok()))
    async with make_client(transport) as client:
        with pytest.raises(expected):
            await client.orders.get("o-1")
    assert 1 == len(transport.requests)


@pytest.mark.parametrize(
    "failure",
    [fail(500), fail(503), TransportError("reset"), RequestTimeoutError("?")],
    ids=["500", "503", "transport", "timeout"],
)
async def test_link_post_is_not_retried_after_ambiguous_failure(
    failure: Response | Exception,
) -> None:
    """A link POST that may have been processed is not sent again."""
    transport = MockTransport(Script(failure, ok(LINK)))
    async with make_client(transport) as client:
        with pytest.raises(FlireoError):
            await client.assistants.link_phone_number("a-1", "p-1")
    assert 1 == len(transport.requests)
    assert "POST" == transport.requests[0].method


@pytest.mark.parametrize(
    "failure", [fail(429), ConnectError("refused")], ids=["429", "connect"]
)
async def test_link_post_is_retried_when_certainly_not_processed(
    failure: Response | Exception,
) -> None:
    """A POST the server never processed (429, no connection) is retried."""
    transport = MockTransport(Script(failure, ok(LINK)))
    async with make_client(transport) as client:
        result = await client.assistants.link_phone_number("a-1", "p-1")
    assert "a-1" == result.assistant_id
    assert 2 == len(transport.requests)


async def test_deadline_stops_retries() -> None:
    """No retry starts when its wait would pass the deadline."""
    transport = MockTransport(Script(fail(503)))
    policy = RetryPolicy(
        max_attempts=5, deadline=0.5, initial_delay=1.0, jitter=False
    )
    started = time.monotonic()
    async with make_client(transport, policy) as client:
        with pytest.raises(ServerError):
            await client.orders.get("o-1")
    assert 1 == len(transport.requests)
    # It gave up at once rather than sleeping the 1 s first.
    assert time.monotonic() - started < 0.5


async def test_retry_after_is_waited_out() -> None:
    """A 429's Retry-After of 1 s is honoured in full, not shortened."""
    transport = MockTransport(Script(fail(429, {"Retry-After": "1"}), ok()))
    policy = RetryPolicy(max_attempts=2, initial_delay=0.001, jitter=True)
    started = time.monotonic()
    async with make_client(transport, policy) as client:
        await client.orders.get("o-1")
    elapsed = time.monotonic() - started
    assert 2 == len(transport.requests)
    assert 1.0 <= elapsed < 2.0


async def test_retry_after_longer_than_the_cap_raises_at_once() -> None:
    """A Retry-After beyond max_retry_after raises instead of waiting."""
    transport = MockTransport(Script(fail(429, {"Retry-After": "30"}), ok()))
    policy = RetryPolicy(max_attempts=3, max_retry_after=5.0)
    started = time.monotonic()
    async with make_client(transport, policy) as client:
        with pytest.raises(RateLimitError) as info:
            await client.orders.get("o-1")
    assert 30.0 == info.value.retry_after
    assert 1 == len(transport.requests)
    assert time.monotonic() - started < 0.5


async def test_order_post_keeps_its_idempotency_key_across_attempts() -> None:
    """Every attempt of one order carries the same Idempotency-Key."""
    transport = MockTransport(
        Script(fail(429, {"Retry-After": "0"}), ok(RECEIPT))
    )
    async with make_client(transport) as client:
        receipt = await client.phone_numbers.order("+31851234567")
    assert isinstance(receipt, OrderReceipt)
    assert "o-1" == receipt.order_id
    assert receipt.reconciled is False
    keys = [r.headers.get("Idempotency-Key") for r in transport.requests]
    assert 2 == len(keys)
    assert keys[0]
    assert keys[0] == keys[1]


async def test_separate_orders_get_separate_idempotency_keys() -> None:
    """Two orders never share a key (the server would merge them)."""
    transport = MockTransport(Script(ok(RECEIPT)))
    async with make_client(transport) as client:
        await client.phone_numbers.order("+31851234567")
        await client.phone_numbers.order("+31851234567")
    first, second = (r.headers["Idempotency-Key"] for r in transport.requests)
    assert first != second


# -- rate limiting ---------------------------------------------------------


async def test_client_side_rate_limit_spaces_sequential_requests() -> None:
    """rate_limit=50 sends at most one request per 20 ms."""
    transport = MockTransport(Script(ok()))
    started = time.monotonic()
    async with make_client(transport, rate_limit=50) as client:
        for _ in range(6):
            await client.orders.get("o-1")
    elapsed = time.monotonic() - started
    assert 6 == len(transport.requests)
    assert 0.09 <= elapsed < 1.0


async def test_client_side_rate_limit_is_shared_by_concurrent_tasks() -> None:
    """Concurrent tasks share one ceiling; they do not fire together."""
    script = Script(ok())
    transport = MockTransport(script)
    async with make_client(transport, rate_limit=50) as client:
        await asyncio.gather(*(client.orders.get("o-1") for _ in range(6)))
    assert 6 == len(script.sent_at)
    assert script.sent_at[-1] - script.sent_at[0] >= 0.09


async def test_exhausted_server_window_waits_for_the_reset() -> None:
    """With X-RateLimit-Remaining 0 the next request waits for the reset."""
    reset = time.time() + 1.0
    window = {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{reset:.3f}",
    }
    script = Script(ok(headers=window), ok())
    transport = MockTransport(script)
    async with make_client(transport) as client:
        await client.orders.get("o-1")
        started = time.monotonic()
        await client.orders.get("o-1")
        elapsed = time.monotonic() - started
    assert 2 == len(transport.requests)
    assert 0.9 <= elapsed < 2.0
    # The second request left after the reset, not before it.
    assert script.sent_at[1] >= reset - 0.01


async def test_server_window_with_requests_left_does_not_wait() -> None:
    """Requests left in the window go out without waiting."""
    window = {
        "X-RateLimit-Remaining": "5",
        "X-RateLimit-Reset": f"{time.time() + 60:.3f}",
    }
    transport = MockTransport(Script(ok(headers=window)))
    started = time.monotonic()
    async with make_client(transport) as client:
        for _ in range(4):
            await client.orders.get("o-1")
    assert 4 == len(transport.requests)
    assert time.monotonic() - started < 0.5


async def test_server_window_resetting_too_late_raises_without_sending() -> (
    None
):
    """A reset beyond max_retry_after raises RateLimitError, sends nothing."""
    window = {
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + 100:.3f}",
    }
    transport = MockTransport(Script(ok(headers=window), ok()))
    policy = RetryPolicy(
        max_attempts=3, initial_delay=0.001, max_retry_after=5
    )
    started = time.monotonic()
    async with make_client(transport, policy) as client:
        await client.orders.get("o-1")
        with pytest.raises(RateLimitError) as info:
            await client.orders.get("o-1")
    assert 1 == len(transport.requests)
    assert info.value.retry_after is not None
    assert info.value.retry_after > 5.0
    assert time.monotonic() - started < 0.5
