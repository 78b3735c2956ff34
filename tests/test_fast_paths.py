"""The shortcuts of the request and decode paths agree with the long way."""

from __future__ import annotations

import time

import pytest

from flireo_async._core._converter import structure
from flireo_async._core._ratelimit import RateGate
from flireo_async._core._validation import check_id
from flireo_async._models import Order, VerificationGroupRef
from flireo_async.exceptions import ResponseDecodeError, ValidationError


GROUP = {"id": "grp_1", "name": "Amsterdam Office", "locality": "Amsterdam"}


def _order(i: int, group: object) -> dict[str, object]:
    return {
        "id": f"ord_{i}",
        "phone_number": f"+3185{i:07d}",
        "status": "success",
        "verification_group": group,
    }


def test_identical_groups_decode_once_and_are_shared() -> None:
    """A page whose items repeat one group yields equal (and, being
    frozen, shared) group values."""
    page = structure(
        [_order(i, dict(GROUP)) for i in range(5)], tuple[Order, ...]
    )

    groups = [order.verification_group for order in page]
    assert groups[0] == VerificationGroupRef(
        id="grp_1", name="Amsterdam Office", locality="Amsterdam"
    )
    assert all(group is groups[0] for group in groups)


def test_a_shared_group_never_masks_a_bad_one() -> None:
    """After a valid group decoded, one differing only in the id's JSON
    type (1 or true where "1" was) is still refused, not served from the
    shared decodings."""
    structure(_order(1, {"id": "1"}), Order)

    with pytest.raises(ResponseDecodeError):
        structure(_order(2, {"id": 1}), Order)
    with pytest.raises(ResponseDecodeError):
        structure(_order(3, {"id": True}), Order)


def test_groups_with_unhashable_extras_still_decode() -> None:
    """A field the API adds tomorrow (a list) does not push the page off
    the fast path's answer: it decodes the same."""
    group = {**GROUP, "tags": ["new"]}
    page = structure([_order(i, group) for i in range(3)], tuple[Order, ...])

    assert {o.verification_group.id for o in page} == {"grp_1"}  # type: ignore[union-attr]


def test_many_distinct_groups_decode_correctly() -> None:
    """Past the memo's bound every group still decodes to its own value."""
    orders = [_order(i, {"id": f"grp_{i}"}) for i in range(600)]
    page = structure(orders, tuple[Order, ...])

    assert [o.verification_group.id for o in page] == [  # type: ignore[union-attr]
        f"grp_{i}" for i in range(600)
    ]


@pytest.mark.parametrize(
    "value", ["550e8400-e29b-41d4-a716-446655440000", "a.b"]
)
def test_plain_ids_pass(value: str) -> None:
    assert check_id("order_id", value) == value


@pytest.mark.parametrize("value", [".", "..", " ", "", ".hidden/..", 7, None])
def test_odd_ids_still_take_the_full_check(value: object) -> None:
    if value == ".hidden/..":
        assert check_id("order_id", value) == value  # odd but sendable
        return
    with pytest.raises(ValidationError):
        check_id("order_id", value)


def test_gate_passes_at_once_only_when_admit_would_not_wait() -> None:
    """pass_now() admits exactly when admit() would not sleep, counting
    the window down the same way."""
    gate = RateGate(None, max_wait=60)
    assert gate.pass_now()

    gate.observe((1, time.time() + 60, 2))
    assert gate.pass_now()
    assert gate.window[0] == 0
    assert not gate.pass_now()

    old = RateGate(None, max_wait=60)
    old.observe((0, time.time() - 1, 2))
    assert old.pass_now()  # the window turned over
    assert old.window[0] is None

    assert not RateGate(10.0, max_wait=60).pass_now()  # spacing needs admit()
