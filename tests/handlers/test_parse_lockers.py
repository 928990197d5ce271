"""`/bob locker …`: the chat grammar gives the same request the CLI builds; reading is open like
`list`, every change falls under the `locker` access rule."""

from __future__ import annotations

import pytest

from handlers.lockers import LockerCommand
from handlers.parse import parse
from provisioning.errors import UsageError


@pytest.mark.parametrize(
    ("text", "command", "fields"),
    [
        ("locker list", "list", {"action": "list"}),
        (
            "locker create cache on host-a --size 10G",
            "locker",
            {"action": "create", "name": "cache", "host": "host-a", "size": "10G"},
        ),
        ("locker create cache host-a", "locker", {"action": "create", "host": "host-a"}),
        (
            "locker mount cache into bob003 --read-only",
            "locker",
            {"action": "mount", "name": "cache", "bob": "bob003", "read_only": True},
        ),
        ("locker mount cache bob003 --shared", "locker", {"bob": "bob003", "shared": True}),
        ("locker unmount cache from bob003", "locker", {"action": "unmount", "bob": "bob003"}),
        ("locker destroy cache --yes", "locker", {"action": "destroy", "yes": True}),
    ],
)
def test_locker_commands_parse_to_one_request(text, command, fields):
    parsed = parse(text)
    assert parsed.command == command
    assert isinstance(parsed.request, LockerCommand)
    for key, value in fields.items():
        assert getattr(parsed.request, key) == value


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("locker", "say what to do"),
        ("locker grow cache", "no locker action"),
        ("locker mount cache", "takes 2 name(s)"),
        ("locker mount cache into Bob_3", "bob: must be a name"),
        ("locker mount cache into bob003 --rw", "unknown option --rw"),
        ("locker create cache on host-a --size", "--size needs a value"),
    ],
)
def test_a_wrong_locker_command_says_what_is_wrong(text, says):
    with pytest.raises(UsageError, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse(text)
