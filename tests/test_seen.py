"""The bulk engine's duplicate index answers exactly as a dict would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flireo_async._bulk._seen import SeenIndex


NUMBERS = st.one_of(
    st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True),
    # Not canonical E.164: kept aside, still answered right.
    st.text(max_size=20),
    st.sampled_from(["+0123456789", "+", "+３１８５１２３４５６７", "+1" * 9]),
)


@given(st.lists(NUMBERS, max_size=3000))
def test_first_positions_match_a_dict(numbers: list[str]) -> None:
    seen, reference = SeenIndex(), {}
    # Every number twice: the second pass must find each first position.
    for index, number in enumerate(numbers + numbers):
        assert seen.first(number, index) == reference.setdefault(number, index)


def test_it_grows_past_its_first_table() -> None:
    seen = SeenIndex()
    numbers = [f"+3185{i:07d}" for i in range(50_000)]
    for index, number in enumerate(numbers):
        assert seen.first(number, index) == index
    assert [seen.first(n, -1) for n in numbers[::997]] == list(
        range(0, 50_000, 997)
    )
