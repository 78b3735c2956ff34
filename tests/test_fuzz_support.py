"""
Hypothesis strategies and the one property the fuzz tests share: a public
call ends, in bounded time, in a value or a ``FlireoError``.
"""

from __future__ import annotations

import asyncio
import json
import traceback
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
from hypothesis import strategies as st

import flireo_async as flireo
from flireo_async import Request, Response


RECORDINGS = Path(__file__).parent / "recordings"

#: Seconds one fuzzed call may take; far above what a bounded call needs
#: with FAST_FUZZ_RETRY, far below "runs forever".
TIME_BOUND = 10.0

#: Tiny delays, few attempts, a short deadline: retries cost
#: milliseconds, and a Retry-After or rate-limit reset longer than
#: 20 ms raises at once instead of sleeping.
FAST_FUZZ_RETRY = flireo.RetryPolicy(
    max_attempts=3,
    deadline=0.5,
    initial_delay=0.001,
    max_delay=0.002,
    max_retry_after=0.02,
    jitter=False,
)


def recorded_answers(prefix: str) -> list[Response]:
    """Every answer recorded in cassettes named ``prefix*``."""
    found = []
    for path in sorted(RECORDINGS.glob(f"{prefix}*.json")):
        for exchange in json.loads(path.read_text())["interactions"]:
            response = exchange.get("response")
            if response is None:
                continue
            body = (
                dumps(response["json"])
                if response.get("json") is not None
                else response.get("body", "").encode()
            )
            found.append(
                Response(
                    status=response["status"],
                    headers=response.get("headers") or {},
                    body=body,
                )
            )
    if not found:  # pragma: no cover - a typo in a test's prefix
        msg = f"no recordings named {prefix}*"
        raise LookupError(msg)
    return found


# -- values ------------------------------------------------------------------

ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\u00b2",
        "\uff11\uff12",
        "\u0661\u0662",
        "1_000",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e400",
        "-1",
        "0",
        "0.001",
        "9" * 30,
        "9" * 400,
        "9" * 5000,
        "0x10",
        "\u00a012",
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "Mon, 01 Jan 0001 00:00:00 +2359",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2024-01-01T00:00:00Z",
        "\ud800",
        "\x00",
        "+31851234567",
        "pending",
        "success",
        "not_found",
        "already_in_use",
    ]
)

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    ODD_TEXT,
)

JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                st.text(max_size=8),
                st.sampled_from(
                    [
                        "data",
                        "meta",
                        "error",
                        "errors",
                        "message",
                        "code",
                        "total",
                        "limit",
                        "offset",
                        "id",
                        "status",
                        "phone_number",
                    ]
                ),
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=12,
)


def dumps(value: Any) -> bytes:
    """JSON bytes of *value*, even where orjson refuses to write it."""
    # orjson refuses ints past 64 bits and lone surrogates; the stdlib
    # writes them (a server might too).
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value).encode("utf-8", "surrogatepass")


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """*value* with some members removed, replaced or retyped."""
    if depth > 6:
        return value
    if isinstance(value, dict) and value:
        out = dict(value)
        for key in list(out):
            action = draw(
                st.sampled_from(["keep", "keep", "recurse", "drop", "swap"])
            )
            if action == "drop":
                del out[key]
            elif action == "swap":
                out[key] = draw(JSON_VALUES)
            elif action == "recurse":
                out[key] = draw(mutated(out[key], depth + 1))
        return out
    if isinstance(value, list) and value:
        action = draw(st.sampled_from(["recurse", "empty", "swap", "dup"]))
        if action == "empty":
            return []
        if action == "swap":
            return draw(JSON_VALUES)
        if action == "dup":
            return value * draw(st.integers(1, 3))
        return [draw(mutated(item, depth + 1)) for item in value]
    return draw(st.one_of(st.just(value), JSON_VALUES))


def json_or_none(body: bytes) -> Any:
    """The JSON of *body*, or ``None`` when it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def bodies(seeds: Iterable[Response]) -> st.SearchStrategy[bytes]:
    """Answer bodies: recorded ones mutated, random JSON, random bytes."""
    pool = [
        value
        for value in (json_or_none(seed.body) for seed in seeds)
        if value is not None
    ] or [{}]
    recorded = st.sampled_from(pool)
    return st.one_of(
        recorded.flatmap(mutated).map(dumps),
        recorded.flatmap(mutated).map(dumps),
        recorded.map(dumps),
        JSON_VALUES.map(dumps),
        st.binary(max_size=64),
        st.sampled_from(
            [b"", b"<html>502</html>", b"\xff\xfe", b"[" * 2000, b"null"]
        ),
    )


STATUSES = st.one_of(
    st.sampled_from(
        [200, 200, 200, 201, 204, 400, 401, 402, 403, 404, 409, 429, 500]
    ),
    st.sampled_from(
        [100, 101, 199, 206, 299, 301, 302, 304, 307, 399, 418, 422]
    ),
    st.sampled_from([502, 503, 504, 599, 600, 999, 0, -1]),
)

HEADER_NAMES = st.sampled_from(
    [
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "x-ratelimit-reset",
        "x-ratelimit-remaining",
        "Content-Type",
        "X-Request-Id",
        "Location",
        "Content-Length",
    ]
)

HEADERS = st.dictionaries(
    HEADER_NAMES, st.one_of(ODD_TEXT, st.text(max_size=10)), max_size=4
)

TRANSPORT_FAILURES = st.sampled_from(
    [
        flireo.ConnectError("refused"),
        flireo.TransportError("connection dropped"),
        flireo.RequestTimeoutError("read timed out"),
    ]
)


def answers(seeds: Iterable[Response]) -> st.SearchStrategy[Any]:
    """
    One answer: a recorded answer as it was, the same with its body or
    headers mangled, a random answer, or a transport failure to raise.
    """
    pool = list(seeds)
    recorded = st.sampled_from(pool)
    random_answer = st.builds(
        lambda status, headers, body: Response(
            status=status, headers=headers, body=body
        ),
        STATUSES,
        HEADERS,
        bodies(pool),
    )
    new_body = st.builds(
        lambda seed, body: Response(
            status=seed.status, headers=seed.headers, body=body
        ),
        recorded,
        bodies(pool),
    )
    new_headers = st.builds(
        lambda seed, headers: Response(
            status=seed.status,
            headers={**seed.headers, **headers},
            body=seed.body,
        ),
        recorded,
        HEADERS,
    )
    return st.one_of(
        recorded,
        new_body,
        new_headers,
        random_answer,
        TRANSPORT_FAILURES,
    )


def scripted(script: list[Any]) -> Callable[[Request], Response]:
    """A MockTransport handler playing *script*, repeating its last."""
    sent = 0

    def handle(request: Request) -> Response:
        nonlocal sent
        answer = script[min(sent, len(script) - 1)]
        sent += 1
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, Response)
        return answer

    return handle


# -- the property ---------------------------------------------------------


def _chain(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def typed_outcome(make: Callable[[], Awaitable[Any]]) -> Any:
    """
    Run ``await make()`` on a fresh loop within :data:`TIME_BOUND`.

    Returns:
        The value, or the ``FlireoError`` it raised.

    Raises:
        AssertionError: It raised anything else, or did not end in time.
    """

    async def bounded() -> Any:
        return await asyncio.wait_for(make(), TIME_BOUND)

    try:
        return asyncio.run(bounded())
    except flireo.FlireoError as exc:
        return exc
    except TimeoutError as exc:
        msg = f"the call did not end within {TIME_BOUND}s"
        raise AssertionError(msg) from exc
    except Exception as exc:
        msg = f"an untyped {type(exc).__name__} escaped:\n{_chain(exc)}"
        raise AssertionError(msg) from exc


async def take(items: Any, limit: int = 200) -> list[Any]:
    """Up to *limit* items of an async iterator (a pager, a page walk)."""
    out = []
    async for item in items:
        out.append(item)
        if len(out) >= limit:
            break
    return out
