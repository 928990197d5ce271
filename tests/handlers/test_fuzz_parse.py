"""Whatever arrives from Slack — a slash command's text, a mention, a phrase — the parser gives
a valid request or one CommandError with the usage; no other exception, and nothing in a valid
request that a shell or a Groovy script could read as syntax."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.parse import USAGE, CommandError, Parsed, parse

WORDS = st.sampled_from(
    [*USAGE, "make", "bobs", "on", "to", "the", "base", "rebuild", "--dry-run", "--fix", "all",
     "3", "0", "-1", "99999999999", "ci-main", "heavy", "host-a", "bob001", "'", '"', "${x}",
     "$(id)", "`id`", "'''", "\\", ";", "|", "<@U123>", "<#C1|x>", "—dry-run", "ü", "\x00"]
)  # fmt: skip
TEXT = st.one_of(st.lists(WORDS, max_size=8).map(" ".join), st.text(max_size=60))
SAFE = re.compile(r"^[A-Za-z0-9_.-]*$")


def values(request: object) -> list[object]:
    dumped = request.model_dump()  # type: ignore[attr-defined]
    out: list[object] = []
    for value in dumped.values():
        out += list(value) if isinstance(value, tuple | list) else [value]
    return out


@settings(max_examples=1500, deadline=None)
@given(TEXT)
def test_any_text_parses_to_a_request_or_one_command_error(text):
    try:
        parsed = parse(text)
    except CommandError as refused:
        said = str(refused)
        parsed = None
    if parsed is None:
        assert said
        return
    assert isinstance(parsed, Parsed)
    assert parsed.command in {*USAGE, "plan"}
    for value in values(parsed.request):
        assert value is None or isinstance(value, bool | int | float) or SAFE.match(str(value))
