"""
Decoding one 100-order list page into models: our converter vs the field.

What it measures: µs to turn the bytes of one ``GET
/v1/phone-number-orders?limit=100`` answer (100 orders shaped exactly like
the sandbox's list items, each with its ``verification_group``, plus
``meta``) into typed objects, best of several interleaved rounds:

* ``json.loads`` alone and ``orjson.loads`` alone (no models: the floor);
* flireo_async as the SDK does it: ``orjson.loads`` + ``page_of(payload,
  Order)`` (``structure(data, tuple[Order, ...])`` + the ``meta`` into a
  ``Page``) — the figure compared with the target;
* flireo_async's converter alone, on already-decoded JSON:
  ``structure(data, tuple[Order, ...])``;
* pydantic v2 ``Page.model_validate_json(raw)`` with frozen models of the
  same fields and types (``OrderStatus | str`` open enums, ``datetime``,
  optional nested group);
* msgspec ``Decoder(Page).decode(raw)`` with frozen Structs (enums as
  ``str``: msgspec does not accept ``Enum | str`` unions).

Run:  python benchmarks/bench_decode.py [--quick] [--loops 200]
Target: flireo_async (orjson + page_of) no slower than pydantic v2, i.e.
pydantic ÷ SDK >= 1.0.
"""

from __future__ import annotations

import argparse
import json
import timeit
from collections.abc import Callable
from datetime import datetime
from typing import Any

import _common
import msgspec
import orjson
import pydantic

from flireo_async._core._converter import structure
from flireo_async._core._resource import page_of
from flireo_async._models import (
    NumberType,
    Order,
    OrderStatus,
    VerificationGroupStatus,
)


NAME = "decode"
SDK = "flireo_async: orjson.loads + page_of(payload, Order)"
PYDANTIC = "pydantic v2 model_validate_json"


def page_bytes(count: int = 100) -> bytes:
    """One list page, in the sandbox's key order and separators."""
    statuses = ("pending", "success", "failed", "success")
    data = [
        {
            "id": f"660e8400-e29b-41d4-a716-{i:012d}",
            "phone_number": f"+3185{i:07d}",
            "status": statuses[i % 4],
            "number_type": "national",
            "requirements_met": statuses[i % 4] != "failed",
            "ordered_at": f"2026-11-25T16:{i % 60:02d}:28Z",
            "verification_group": {
                "id": "550e8400-e29b-41d4-a716-446655440000",
                "name": "Amsterdam Office",
                "locality": "Amsterdam",
            },
        }
        for i in range(count)
    ]
    meta = {"total": 1000, "limit": count, "offset": 0}
    return orjson.dumps({"data": data, "meta": meta})


_FROZEN = pydantic.ConfigDict(frozen=True)


class PGroupRef(pydantic.BaseModel):
    """pydantic twin of ``VerificationGroupRef``."""

    model_config = _FROZEN
    id: str
    name: str | None = None
    locality: str | None = None
    status: VerificationGroupStatus | str | None = None
    phone_number_type: NumberType | str | None = None


class POrder(pydantic.BaseModel):
    """pydantic twin of ``Order``."""

    model_config = _FROZEN
    id: str
    phone_number: str
    status: OrderStatus | str
    number_type: NumberType | str | None = None
    requirements_met: bool | None = None
    ordered_at: datetime | None = None
    external_order_id: str | None = None
    external_sub_order_id: str | None = None
    verification_group: PGroupRef | None = None


class PMeta(pydantic.BaseModel):
    """pydantic ``meta``."""

    model_config = _FROZEN
    total: int
    limit: int
    offset: int


class PPage(pydantic.BaseModel):
    """pydantic page."""

    model_config = _FROZEN
    data: tuple[POrder, ...]
    meta: PMeta


class MGroupRef(msgspec.Struct, frozen=True):
    """msgspec twin of ``VerificationGroupRef`` (enums as str)."""

    id: str
    name: str | None = None
    locality: str | None = None
    status: str | None = None
    phone_number_type: str | None = None


class MOrder(msgspec.Struct, frozen=True):
    """msgspec twin of ``Order`` (enums as str)."""

    id: str
    phone_number: str
    status: str
    number_type: str | None = None
    requirements_met: bool | None = None
    ordered_at: datetime | None = None
    external_order_id: str | None = None
    external_sub_order_id: str | None = None
    verification_group: MGroupRef | None = None


class MMeta(msgspec.Struct, frozen=True):
    """msgspec ``meta``."""

    total: int
    limit: int
    offset: int


class MPage(msgspec.Struct, frozen=True):
    """msgspec page."""

    data: tuple[MOrder, ...]
    meta: MMeta


def cases(raw: bytes) -> dict[str, Callable[[], object]]:
    """The decoders, each a no-argument callable over *raw*."""
    decoded = orjson.loads(raw)
    data = decoded["data"]
    pyd = PPage.model_validate_json
    msg = msgspec.json.Decoder(MPage).decode
    return {
        "json.loads alone (no models)": lambda: json.loads(raw),
        "orjson.loads alone (no models)": lambda: orjson.loads(raw),
        SDK: lambda: page_of(orjson.loads(raw), Order),
        "flireo_async converter alone (pre-decoded)": lambda: structure(
            data, tuple[Order, ...]
        ),
        PYDANTIC: lambda: pyd(raw),
        "msgspec typed decode": lambda: msg(raw),
    }


def _check(raw: bytes) -> None:
    # The decoders must agree on what they produce, or the race is unfair.
    page = page_of(orjson.loads(raw), Order)
    other = PPage.model_validate_json(raw)
    assert len(page.items) == len(other.data) == 100
    first, theirs = page.items[0], other.data[0]
    assert first.ordered_at == theirs.ordered_at
    assert first.status == theirs.status == OrderStatus.PENDING
    assert first.verification_group is not None
    assert first.verification_group.name == "Amsterdam Office"


def run(
    quick: bool = False, *, loops: int | None = None, rounds: int | None = None
) -> dict[str, Any]:
    """Run the benchmark; returns rows and summary figures."""
    loops = loops or (50 if quick else 200)
    rounds = rounds or (5 if quick else 9)
    raw = page_bytes()
    _check(raw)
    fns = cases(raw)
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):  # interleaved; best of rounds per case
        for name, fn in fns.items():
            took = timeit.timeit(fn, number=loops) / loops * 1e6
            best[name] = min(best[name], took)
    rows = [{"decoder": k, "us_per_page": v} for k, v in best.items()]
    ratio = best[PYDANTIC] / best[SDK]
    _common.print_table(
        ["decode one 100-order page", "µs", "× SDK"],
        [[k, f"{v:.0f}", f"{v / best[SDK]:.2f}"] for k, v in best.items()],
    )
    print(f"pydantic÷SDK {ratio:.2f} (page {len(raw)} bytes)", flush=True)
    cmd = "python benchmarks/bench_decode.py" + (" --quick" * quick)
    figures = [
        _common.figure(
            "decode 100-order page: pydantic v2 ÷ SDK",
            ratio,
            1.0,
            higher_is_better=True,
            unit="×",
            command=cmd,
            note=(
                f"SDK {best[SDK]:.0f} µs, pydantic {best[PYDANTIC]:.0f} µs, "
                f"msgspec {best['msgspec typed decode']:.0f} µs, json.loads "
                f"{best['json.loads alone (no models)']:.0f} µs"
            ),
        )
    ]
    return {
        "name": NAME,
        "params": {
            "quick": quick,
            "loops": loops,
            "rounds": rounds,
            "page_bytes": len(raw),
        },
        "rows": rows,
        "figures": figures,
    }


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--loops", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    run(args.quick, loops=args.loops, rounds=args.rounds)


if __name__ == "__main__":
    main()
