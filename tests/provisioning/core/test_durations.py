import pytest

from provisioning.core.durations import describe_duration, parse_duration
from provisioning.errors import UsageError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("30m", 1800), ("8h", 28800), ("2d", 172800), ("1h30m", 5400),
     (" 8H ", 28800)],
)  # fmt: skip
def test_durations_read_as_operators_write_them(text: str, seconds: float) -> None:
    assert seconds == parse_duration(text)


@pytest.mark.parametrize("text", ["", "8 hours", "h", "1.5h", "-5m", "0", "0h", "8x"])
def test_anything_else_is_refused_with_the_forms_that_work(text: str) -> None:
    with pytest.raises(UsageError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(45, "45s"), (60, "1m"), (28799, "7h59m"), (183600, "2d3h"), (3600, "1h"), (-5, "0s")],
)
def test_durations_are_told_in_their_two_largest_units(seconds: float, text: str) -> None:
    assert text == describe_duration(seconds)
