"""
The generated structure functions agree with cattrs: whatever the fast
path accepts, cattrs' own function accepts with an equal result, and what
it declines is decided (and worded) by cattrs.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import cattrs
import pytest
from cattrs.gen import make_dict_structure_fn
from hypothesis import given
from hypothesis import strategies as st

import flireo_async as flireo
from flireo_async._core import _converter
from flireo_async._core._fastpath import compile_model
from flireo_async._models import Order, VerificationGroup
from flireo_async.telnyx import NumberOrder


RECORDINGS = Path(__file__).parent / "recordings"


def _data(name: str) -> Any:
    recording = json.loads((RECORDINGS / name).read_text())
    for exchange in recording["interactions"]:
        body = exchange["response"].get("json")
        if isinstance(body, dict) and body.get("data"):
            return body["data"]
    raise AssertionError(name)


SAMPLES: list[tuple[type, Any]] = [
    (Order, _data("orders_list__ok.json")[0]),
    (NumberOrder, _data("telnyx_number_orders_get__complete.json")),
    (VerificationGroup, _data("verification_groups_get__ok.json")),
]

HOOKS = {
    datetime: _converter._structure_datetime,
    Decimal: _converter._structure_decimal,
}


def _fast(cls: type) -> Any:
    def compiled(t: type) -> Any:
        return compile_model(t, compiled=compiled, hooks=HOOKS)

    fn = compiled(cls)
    assert fn is not None, cls
    return fn


def _reference(cls: type) -> Any:
    # cattrs alone: a converter with the package's hooks for values but
    # none of its generated model functions.
    plain = cattrs.Converter(forbid_extra_keys=False)
    package = _converter.get_converter()
    for kind in (str, int, float, bool, datetime, Decimal):
        plain.register_structure_hook(kind, package.get_structure_hook(kind))
    plain.register_structure_hook_factory(
        _converter._is_open_enum, _converter._open_enum_hook
    )
    return lambda data: make_dict_structure_fn(cls, plain)(data, cls)


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.sampled_from(["2025-01-15T10:30:00Z", "success", "12.50", "x"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _mutate(data: Any, path: list[Any], value: Any, drop: bool) -> Any:
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    if drop and isinstance(target, dict):
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return out


def _paths(data: Any, prefix: list[Any]) -> list[list[Any]]:
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            found.append([*prefix, key])
            found += _paths(value, [*prefix, key])
    elif isinstance(data, list):
        for index, value in enumerate(data[:2]):
            found.append([*prefix, index])
            found += _paths(value, [*prefix, index])
    return found


@pytest.mark.parametrize(("cls", "data"), SAMPLES, ids=lambda v: str(v)[:20])
def test_a_valid_answer_decodes_the_same_both_ways(cls: type, data: Any):
    assert _fast(cls)(data) == _reference(cls)(data)


@pytest.mark.parametrize(("cls", "data"), SAMPLES, ids=lambda v: str(v)[:20])
@given(choice=st.data(), value=VALUES, drop=st.booleans())
def test_what_the_fast_path_accepts_cattrs_accepts_equally(
    cls: type, data: Any, choice: st.DataObject, value: Any, drop: bool
) -> None:
    path = choice.draw(st.sampled_from(_paths(data, [])))
    mutated = _mutate(data, path, value, drop)
    try:
        fast = _fast(cls)(mutated)
    except Exception:
        return  # declined: cattrs decides (and words the error)
    assert fast == _reference(cls)(mutated)


def test_a_declined_answer_keeps_cattrs_error_paths() -> None:
    data = _mutate(SAMPLES[0][1], ["status"], 7, drop=False)
    with pytest.raises(flireo.ResponseDecodeError) as caught:
        _converter.structure(data, Order)
    assert any("$.status" in line for line in caught.value.errors)
