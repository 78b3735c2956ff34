"""
When to try a request again, and how long to wait: the only module that
imports ``backoff``.

Strategy: the decision is a pure function of the policy, the error and
whether the request may safely be repeated (`RetryPolicy.delay_for()`);
backoff only runs the loop.  Each failed attempt raises ``_Retry`` carrying
the delay already decided, so the wait generator hands backoff that exact
number: a ``Retry-After`` is honoured to the second and never shortened by
jitter.  Keeping backoff behind this module means it can be swapped (for
stamina, say) without touching the client.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Generator
from functools import lru_cache
from typing import Any, TypeVar

import attrs
import backoff

from ..exceptions import (
    APIError,
    ConfigurationError,
    ConnectError,
    FlireoError,
    RateLimitError,
    TransportError,
    WaitTimeoutError,
)
from . import _telemetry
from ._validation import check_seconds


__all__ = ["RetryPolicy", "poll_until", "retry_failed"]

T = TypeVar("T")
log = logging.getLogger("flireo_async")


def _at_least(minimum: float) -> Callable[[Any, Any, Any], None]:
    def check(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and value < minimum:
            msg = f"RetryPolicy.{attribute.name} must be >= {minimum}"
            raise ConfigurationError(msg)

    return check


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """
    How a client retries failed requests.

    Attributes:
        max_attempts: Attempts in all, the first included (``1`` turns
            retries off).
        deadline: Seconds from the first attempt after which no retry is
            started (``None``: bounded by ``max_attempts`` only).
        initial_delay: First backoff delay, in seconds.
        max_delay: Cap of the exponential backoff delay.
        max_retry_after: The longest ``Retry-After`` (or rate-limit reset)
            the client will wait; a longer one raises ``RateLimitError`` at
            once.
        jitter: Randomise backoff delays (between half and all of the
            exponential delay) so many clients do not retry in lockstep.
            ``Retry-After`` waits are never jittered.
        retry_statuses: Statuses a repeatable request is retried on.

    GETs are retried on connection errors, timeouts, 429 and
    ``retry_statuses``.  Requests that must not run twice (order POSTs) are
    retried only when the server certainly did not process them: a
    connection that was never made, or a 429.
    """

    max_attempts: int = attrs.field(default=3, validator=_at_least(1))
    deadline: float | None = attrs.field(default=60.0, validator=_at_least(0))
    initial_delay: float = attrs.field(default=0.5, validator=_at_least(0))
    max_delay: float = attrs.field(default=8.0, validator=_at_least(0))
    max_retry_after: float = attrs.field(default=60.0, validator=_at_least(0))
    jitter: bool = True
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def backoff_delay(self, retry_number: int) -> float:
        """
        The wait before retry number *retry_number* (0 for the first).

        Returns:
            ``min(max_delay, initial_delay * 2**n)``, jittered to between
            half and all of it when ``jitter`` is on.
        """
        delay = min(self.max_delay, self.initial_delay * 2.0**retry_number)
        if self.jitter:
            delay *= 0.5 + random.random() / 2
        return delay

    def delay_for(
        self, error: Exception, retry_number: int, *, repeatable: bool
    ) -> float | None:
        """
        Decide whether *error* is retried, and after how long.

        Args:
            error: What the attempt raised.
            retry_number: How many retries came before (0 for the first).
            repeatable: Whether the request may run twice (GET) or must
                not (an order POST).

        Returns:
            Seconds to wait, or ``None`` to raise *error* now.
        """
        if isinstance(error, ConnectError):
            return self.backoff_delay(retry_number)
        if isinstance(error, RateLimitError):
            # 429 is answered before processing, so even a POST may retry.
            if error.retry_after is None:
                return self.backoff_delay(retry_number)
            if error.retry_after > self.max_retry_after:
                return None
            return error.retry_after
        if not repeatable:
            return None
        if isinstance(error, TransportError):
            return self.backoff_delay(retry_number)
        if isinstance(error, APIError) and error.status in self.retry_statuses:
            # decipher read Retry-After once, onto the error.
            asked = error.retry_after
            if asked is None:
                return self.backoff_delay(retry_number)
            return asked if asked <= self.max_retry_after else None
        return None


@attrs.define
class _Call:
    attempt: Callable[[], Awaitable[Any]]
    repeatable: bool
    deadline_at: float | None
    retries: int = 0


class _Retry(Exception):
    def __init__(self, error: Exception, delay: float, call: _Call) -> None:
        super().__init__(str(error))
        self.error = error
        self.delay = delay
        self.call = call


def _exact_waits() -> Generator[float, Any, None]:
    # backoff sends each caught exception into the generator; the delay
    # was decided when the _Retry was raised, so hand it back unchanged.
    failure = yield 0.0
    while True:
        failure = yield failure.delay


def _log_backoff(details: Any) -> None:
    failure = details["exception"]
    _decided(failure.error, details["wait"], details["tries"] + 1)


def _decided(error: FlireoError, delay: float, attempt: int) -> None:
    # One place tells the log and the trace why and how long we wait.
    log.info(
        "retrying in %.2fs after attempt %d failed: %s", delay, attempt, error
    )
    status = getattr(error, "status", None)
    _telemetry.event(
        "retry",
        {
            "reason": type(error).__name__
            if status is None
            else f"{type(error).__name__} {status}",
            "delay_s": delay,
            "retry_after": getattr(error, "retry_after", None) is not None,
        },
    )


@lru_cache(maxsize=64)
def _runner(policy: RetryPolicy) -> Callable[[_Call], Awaitable[Any]]:
    # Built once per policy, not per call: the decorator is not free.
    def over_deadline(failure: Exception) -> bool:
        assert isinstance(failure, _Retry)  # noqa: S101 - backoff's contract
        call = failure.call
        return call.deadline_at is not None and (
            time.monotonic() + failure.delay > call.deadline_at
        )

    @backoff.on_exception(
        _exact_waits,
        _Retry,
        # The first attempt ran before the loop (the caller's own).
        max_tries=policy.max_attempts - 1,
        jitter=None,
        giveup=over_deadline,
        on_backoff=_log_backoff,
        logger=None,
    )
    async def run(call: _Call) -> Any:
        try:
            return await call.attempt()
        except FlireoError as error:
            delay = policy.delay_for(
                error, call.retries, repeatable=call.repeatable
            )
            if delay is None:
                raise
            call.retries += 1
            raise _Retry(error, delay, call) from error

    return run


async def retry_failed(
    policy: RetryPolicy,
    attempt: Callable[[], Awaitable[T]],
    error: FlireoError,
    *,
    started: float,
    repeatable: bool,
) -> T:
    """
    Retry a call whose first attempt failed with *error*, as the policy says.

    The first attempt is the caller's own ``await attempt()``: most calls
    succeed, and on that path nothing of the retry machinery (this
    function, backoff's loop, its bookkeeping) runs at all.

    Args:
        policy: The retry policy.
        attempt: One attempt of the request.
        error: What the first attempt raised.
        started: ``time.monotonic()`` before the first attempt (the
            policy's deadline counts from there).
        repeatable: Whether the request may be processed twice.

    Returns:
        What a later attempt returned.

    Raises:
        FlireoError: *error* when it is not retried, else the last
            attempt's error when retries are exhausted, the deadline would
            be passed, or the error is not retryable.
    """
    delay = (
        None
        if policy.max_attempts == 1
        else policy.delay_for(error, 0, repeatable=repeatable)
    )
    deadline = policy.deadline
    deadline_at = None if deadline is None else started + deadline
    if delay is None or (
        deadline_at is not None and time.monotonic() + delay > deadline_at
    ):
        raise error
    _decided(error, delay, 1)
    await asyncio.sleep(delay)
    call = _Call(
        attempt=attempt,
        repeatable=repeatable,
        deadline_at=deadline_at,
        retries=1,
    )
    try:
        result: T = await _runner(policy)(call)
    except _Retry as failure:
        last = failure.error
    else:
        return result
    # Raised outside the handler: as the handler's __context__ the _Retry
    # (whose __cause__ is this error) would make the chain a cycle, and
    # it holds the attempt, the client and so the key.
    raise last


async def poll_until(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout: float | None,
    interval: float = 0.5,
    max_interval: float = 10.0,
    what: str = "resource",
) -> T:
    """
    Call *fetch* with growing pauses until *done* says so.

    The one polling loop: ``orders.wait``, ``verification_groups.wait``,
    Telnyx's ``number_orders.wait`` and a bulk job's waiting all run on
    it.  The public waits pass their arguments straight through, so they
    are checked here, under the names users gave them.

    Args:
        fetch: Reads the resource once.
        done: Whether a reading is final.
        timeout: Seconds to keep polling (``None``: until *done*, for a
            caller that bounds the wait itself).
        interval: First pause; each next pause is 1.5× longer.
        max_interval: Longest pause.
        what: Name of the resource, for the error message.

    Returns:
        The first reading *done* accepts.

    Raises:
        ValidationError: ``timeout``, ``poll_interval`` or
            ``max_interval`` is not a finite, non-negative number.
        WaitTimeoutError: *timeout* passed first.
    """
    limit = None if timeout is None else check_seconds("timeout", timeout)
    first = check_seconds("poll_interval", interval)
    longest = check_seconds("max_interval", max_interval)

    # backoff picks its async loop by inspecting the target, so it must
    # be a coroutine function, not a lambda returning a coroutine.
    async def target() -> T:
        return await fetch()

    poller = backoff.on_predicate(
        backoff.expo,
        lambda value: not done(value),
        max_time=limit,
        base=1.5,
        factor=first,
        max_value=longest,
        jitter=None,
        logger=None,
    )(target)
    result: T = await poller()
    if not done(result):
        msg = f"{what} still not final after {timeout:g}s"
        raise WaitTimeoutError(msg, last=result)
    return result
