"""``limit`` as chat says it and the CLI builds it: one rule for both (handlers.limits)."""

from __future__ import annotations

import pytest

from handlers.limits import LimitBobs, PlanLimits, ShowLimits
from handlers.parse import CommandError, Parsed, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("limit bob001", Parsed("plan", ShowLimits(names=("bob001",)))),
        ("limit bob001,bob002", Parsed("plan", ShowLimits(names=("bob001", "bob002")))),
        (
            "limit bob001 bob002 memory=2G cpuset=0-1",
            Parsed(
                "limit",
                LimitBobs(names=("bob001", "bob002"), assignments=("memory=2G", "cpuset=0-1")),
            ),
        ),
        (
            "limit memory=2G bob001 --dry-run",
            Parsed("plan", PlanLimits(names=("bob001",), assignments=("memory=2G",))),
        ),
    ],
)
def test_limit_shows_with_names_alone_and_changes_with_key_value_words(text, expected):
    assert expected == parse(text)


@pytest.mark.parametrize(
    ("text", "first_line"),
    [
        ("limit", "name at least one Bob"),
        ("limit memory=2G", "name at least one Bob"),
        ("limit bob001 --force", "unknown option --force"),
        ("limit BOB! memory=2G", "names: must be a host name"),
    ],
)
def test_a_bad_limit_command_gets_the_usage(text, first_line):
    with pytest.raises(CommandError) as bad:
        parse(text)
    lines = str(bad.value).splitlines()
    assert lines[0].startswith(first_line)
    assert "usage: limit NAME… [memory=2G] [cpu_shares=512] [cpuset=0-1] [--dry-run]" == lines[-1]
