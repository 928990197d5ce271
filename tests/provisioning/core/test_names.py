"""Hostnames fill the first gaps in the numbering across every name bob knows."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisioning.config.models import Naming
from provisioning.core.names import format_name, next_names, parse_number
from provisioning.errors import ShortfallError

BOB3 = Naming(prefix="bob", width=3)


@pytest.mark.parametrize(
    ("known", "count", "expected"),
    [
        ([], 3, ["bob001", "bob002", "bob003"]),
        (["bob001", "bob002"], 1, ["bob003"]),
        (["bob001", "bob003", "bob004", "bob007"], 3, ["bob002", "bob005", "bob006"]),
        (["bob002"], 2, ["bob001", "bob003"]),
        # names that are not ours do not block anything
        (["web001", "bob", "bobby", "bob-01"], 1, ["bob001"]),
        # a hand-made record with other padding still counts
        (["bob0001", "BOB002"], 1, ["bob003"]),
    ],
)
def test_next_names_fill_the_first_gaps(known, count, expected):
    assert expected == next_names(known, BOB3, count)


def test_width_sets_the_padding():
    assert "bob0042" == format_name(42, Naming(prefix="bob", width=4))


def test_parse_number_reads_only_our_names():
    assert (7, None, None) == (
        parse_number("bob007", BOB3),
        parse_number("build007", BOB3),
        parse_number("bob7x", BOB3),
    )


def test_running_out_of_numbers_is_a_shortfall():
    narrow = Naming(prefix="b", width=1)
    with pytest.raises(ShortfallError, match="only 2 are free"):
        next_names([f"b{i}" for i in range(1, 8)], narrow, 3)


@given(
    known=st.sets(st.integers(min_value=1, max_value=120)),
    count=st.integers(min_value=1, max_value=30),
)
def test_new_names_are_unique_unused_and_the_lowest_free(known, count):
    names = next_names([format_name(n, BOB3) for n in known], BOB3, count)
    numbers = [parse_number(n, BOB3) for n in names]
    lowest_free = [n for n in range(1, 200) if n not in known][:count]
    assert lowest_free == numbers
