"""
Odd answers and headers become sane values, ignored headers or a typed
``FlireoError`` (issue #13): never a ``ValueError``, ``OverflowError`` or
``RecursionError`` out of the decoding core.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

import attrs
import orjson
import pytest

import flireo_async as flireo
from flireo_async import Response, ResponseDecodeError
from flireo_async._core import _sansio
from flireo_async._core._converter import structure
from flireo_async._core._sansio import RateLimitInfo, parse_retry_after
from flireo_async._models import Order
from flireo_async._wire import FLIREO
from flireo_async.telnyx import NumberOrder
from flireo_async.telnyx._sansio import TELNYX
from flireo_async.testing import MockTransport


decipher = partial(_sansio.decipher, dialect=FLIREO)
telnyx_decipher = partial(_sansio.decipher, dialect=TELNYX)


NOW = 1_700_000_000.0
URL = "https://api.example.test/v1/x"

ODD_NUMBERS = [
    "\u00b2",
    "\uff11\uff12",
    "\u0661\u0662",
    "1_000",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "9" * 400,
    "9" * 5000,
    "0x10",
    "+5",
    " ",
    "",
    "1.",
    ".5",
    "\u00a012",
]


# -- Retry-After --------------------------------------------------------------


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_retry_after_that_is_not_an_ascii_number_is_ignored(
    value: str,
) -> None:
    assert parse_retry_after(value, now=NOW) is None


@pytest.mark.parametrize(
    "value",
    [
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "Mon, 01 Jan 0001 00:00:00 +2359",
        "Mon, 01 Jan 0000 00:00:00 GMT",
        "Wed, 21 Oct 2015 07:28:00",
        "Wed, 21 Oct 2015 07:28:00 -9999",
        "31 Feb 2015 07:28:00 GMT",
    ],
)
def test_retry_after_date_out_of_range_is_ignored(value: str) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result is None or result >= 0.0


def test_retry_after_not_a_string_is_ignored() -> None:
    assert parse_retry_after(b"5", now=NOW) is None  # type: ignore[arg-type]


def test_retry_after_keeps_plain_seconds() -> None:
    assert 2.5 == parse_retry_after(" 2.5\t", now=NOW)
    assert 0.0 == parse_retry_after("-3", now=NOW)


# -- X-RateLimit-* ------------------------------------------------------------


@pytest.mark.parametrize("field", ["remaining", "reset", "limit"])
@pytest.mark.parametrize("value", [*ODD_NUMBERS, "-1", "2.5e3"])
def test_rate_limit_headers_that_are_not_ascii_numbers_are_ignored(
    field: str, value: str
) -> None:
    headers = {
        "x-ratelimit-limit": "100",
        "x-ratelimit-remaining": "3",
        "x-ratelimit-reset": "60",
        f"x-ratelimit-{field}": value,
    }
    assert RateLimitInfo.from_headers(headers, now=NOW) is None


def test_rate_limit_headers_give_a_finite_reset() -> None:
    info = RateLimitInfo.from_headers(
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1.5"}, now=NOW
    )
    assert RateLimitInfo(limit=None, remaining=0, reset=NOW + 1.5) == info


# -- decipher -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"<html>ok</html>", b"\xff\xfe\x00", b"[" * 5000, b'"\\ud800"', b"NaN"],
)
@pytest.mark.parametrize("read", [decipher, telnyx_decipher])
def test_a_2xx_body_that_is_not_json_is_a_decode_error(
    body: bytes, read: Any
) -> None:
    with pytest.raises(ResponseDecodeError):
        read(Response(status=200, body=body), method="GET", url=URL, now=NOW)


@pytest.mark.parametrize("status", [100, 102, 199, 301, 304, 399, 600, 999])
@pytest.mark.parametrize("read", [decipher, telnyx_decipher])
def test_an_odd_status_is_an_api_error(status: int, read: Any) -> None:
    with pytest.raises(flireo.APIError) as info:
        read(
            Response(status=status, body=b"\x00\xff"),
            method="GET",
            url=URL,
            now=NOW,
        )
    assert status == info.value.status


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "\u00b2"},
        {"retry-after": "9" * 5000},
        {"retry-after": "Fri, 31 Dec 99999 23:59:59 GMT"},
        {"x-ratelimit-reset": "\u00b2"},
        {"x-ratelimit-reset": "1e400"},
        {"x-ratelimit-reset": "-5"},
        {"x-ratelimit-reset": "\uff15"},
    ],
)
def test_a_429_with_odd_headers_has_no_retry_after(
    headers: dict[str, str],
) -> None:
    with pytest.raises(flireo.RateLimitError) as info:
        telnyx_decipher(
            Response(status=429, headers=headers, body=b"{}"),
            method="GET",
            url=URL,
            now=NOW,
        )
    assert info.value.retry_after is None


def test_a_flat_error_name_in_other_scripts_is_not_a_code() -> None:
    name = "\uff4e\uff4f\uff54_\uff46\uff4f\uff55\uff4e\uff44"
    body = orjson.dumps({"error": name})
    with pytest.raises(flireo.APIError) as info:
        decipher(
            Response(status=404, body=body), method="GET", url=URL, now=NOW
        )
    assert info.value.code is None
    assert isinstance(info.value, flireo.NotFoundError)


# -- the converter ------------------------------------------------------------


ORDER: dict[str, Any] = {
    "id": "o-1",
    "phone_number": "+31851234567",
    "number_type": "national",
    "status": "pending",
    "ordered_at": "2024-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    "ordered_at",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2024-13-01T00:00:00Z",
        "\uff12\uff10\uff12\uff14-01-01",
        "",
        12,
        [],
    ],
)
def test_a_timestamp_that_cannot_be_used_is_a_decode_error(
    ordered_at: object,
) -> None:
    with pytest.raises(ResponseDecodeError):
        structure({**ORDER, "ordered_at": ordered_at}, Order)


def test_an_aware_timestamp_keeps_its_offset() -> None:
    order = structure(
        {**ORDER, "ordered_at": "2024-01-01T02:00:00+02:00"}, Order
    )
    assert datetime.fromisoformat("2024-01-01T00:00:00+00:00") == (
        order.ordered_at
    )
    assert order.ordered_at is not None
    assert "+02:00" in order.ordered_at.isoformat()


@attrs.frozen(kw_only=True)
class Deep:
    """A self-nesting model, to exhaust the recursion limit."""

    child: Deep | None = None


def test_any_exception_a_hook_trips_is_a_decode_error() -> None:
    nested: dict[str, Any] = {}
    for _ in range(5000):
        nested = {"child": nested}
    with pytest.raises(ResponseDecodeError) as info:
        structure(nested, Deep)
    assert 0 < len(info.value.errors) <= 20


def test_decode_errors_stay_short_for_huge_answers() -> None:
    items = [{"id": i, "status": "x"} for i in range(1000)]
    with pytest.raises(ResponseDecodeError) as info:
        structure(items, tuple[NumberOrder, ...])
    assert len(info.value.errors) <= 20
    assert all(len(line) <= 300 for line in info.value.errors)


def test_money_that_is_not_a_finite_decimal_is_a_decode_error() -> None:
    from flireo_async.telnyx import CostInformation

    with pytest.raises(ResponseDecodeError):
        structure({"monthly_cost": "1e999999999999999999999"}, CostInformation)
    assert Decimal("1.50") == (
        structure({"monthly_cost": "1.50"}, CostInformation).monthly_cost
    )


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        (
            {
                "order_id": "o-1",
                "phone_number": "+31851234567",
                "number_type": "national",
                "status": "pending",
                "reconciled": True,
            },
            flireo.OrderReceipt,
        ),
        ({"id": "o-1", "status": "pending", "reconciled": True}, NumberOrder),
    ],
)
def test_an_answer_cannot_claim_to_be_reconciled(
    data: dict[str, Any], cls: type[Any]
) -> None:
    # Only the SDK knows that an answer was lost and the order found.
    assert structure(data, cls).reconciled is False


@pytest.mark.parametrize("amount", ["Infinity", "-Infinity", "NaN", "sNaN"])
def test_money_that_is_not_finite_is_a_decode_error(amount: str) -> None:
    from flireo_async.telnyx import CostInformation

    with pytest.raises(ResponseDecodeError):
        structure({"monthly_cost": amount}, CostInformation)


def test_rate_limit_header_values_that_are_not_text_are_ignored() -> None:
    headers: dict[str, Any] = {
        "x-ratelimit-remaining": 5,
        "x-ratelimit-reset": "60",
    }
    assert RateLimitInfo.from_headers(headers, now=NOW) is None


async def test_one_far_future_rate_limit_reset_does_not_brick_the_client() -> (
    None
):
    sent = 0

    def answer(request: flireo.Request) -> Response:
        nonlocal sent
        sent += 1
        headers = (
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"}
            if sent == 1
            else {"X-RateLimit-Remaining": "99", "X-RateLimit-Reset": "60"}
        )
        return Response(status=200, headers=headers, body=b'{"data": []}')

    async with flireo.FlireoClient(
        "fl_test_key",
        base_url="https://api.example.test",
        transport=MockTransport(answer),
    ) as client:
        await client.phone_numbers.search()
        # The window it reported is too long to wait out: said at once,
        # without sending...
        with pytest.raises(flireo.RateLimitError):
            await client.phone_numbers.search()
        assert 1 == sent
        # ...and then forgotten, so the server's next answer decides.
        assert [] == await client.phone_numbers.search()
        assert [] == await client.phone_numbers.search()
    assert 3 == sent
