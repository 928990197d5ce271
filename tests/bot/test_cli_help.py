"""`bob --help` and every command's help: nothing left unexplained, related commands together."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from bot.cli import build_parser
from bot.parsing import GROUPS, OTHER_COMMANDS


def parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, list[argparse.ArgumentParser]]]:
    """Every parser under ``parser`` with its command path and the parsers above it."""
    yield path, parser, []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                for deeper, found, above in parsers(sub, (*path, name)):
                    yield deeper, found, [parser, *above]


def one_line_helps(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    """Each command's line in its parent's listing."""
    lines: dict[str, str | None] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name in action.choices:
                line = next((a for a in action._choices_actions if a.dest == name), None)
                lines[name] = None if line is None else line.help
    return lines


def shown_help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The text a user reads beside the option in ``--help``."""
    if action.help in (None, argparse.SUPPRESS):
        return ""
    return parser._get_formatter()._expand_help(action)


def described_above(option: str, above: list[argparse.ArgumentParser]) -> bool:
    return any(
        option in a.option_strings and a.help not in (None, argparse.SUPPRESS)
        for parent in above
        for a in parent._actions
    )


ALL = list(parsers(build_parser()))
IDS = [" ".join(path) or "bob" for path, _, _ in ALL]


@pytest.mark.parametrize(("path", "parser", "above"), ALL, ids=IDS)
def test_every_option_and_argument_says_what_it_is(path, parser, above):
    missing = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        name = "/".join(action.option_strings) or action.metavar or action.dest
        if action.help == argparse.SUPPRESS:
            # hidden only as a repeat of an option a parser above describes (`--config` after
            # the command)
            if not all(described_above(o, above) for o in action.option_strings):
                missing.append(f"{name} (hidden, described nowhere)")
        elif not shown_help(parser, action).strip():
            missing.append(name)
    assert [] == missing


@pytest.mark.parametrize(("path", "parser", "above"), ALL, ids=IDS)
def test_every_command_has_a_one_line_description_and_a_description(path, parser, above):
    for name, line in one_line_helps(parser).items():
        assert line, f"{name}: no one-line help in `{' '.join(path)}`"
        assert "\n" not in line, f"{name}: its help in `{' '.join(path)}` is not one line"
    assert path == () or parser.description, "no description atop its own help"


@pytest.mark.parametrize(
    ("argv", "option", "default"),
    [
        (["serve"], "--grace", "(default 30)"),
        (["serve"], "--host", "(default 127.0.0.1)"),
        (["sandbox", "up"], "--hosts", "(default 2)"),
        (["sandbox", "up"], "--backend", "(default overlay)"),
        (["sandbox", "up"], "--base", "(default busybox)"),
        (["jobs"], "--limit", "(default 20)"),
        (["refresh"], "--wait", "(default 300)"),
    ],
)
def test_an_option_with_a_default_says_it(argv, option, default):
    parser = build_parser()
    for name in argv:
        parser = next(
            a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
        ).choices[name]
    action = next(a for a in parser._actions if option in a.option_strings)

    assert shown_help(parser, action).endswith(default)


def test_every_command_sits_in_a_group_of_the_top_level_help():
    top = build_parser()
    grouped = {name for _, names in GROUPS for name in names}

    assert [] == sorted(set(one_line_helps(top)) - grouped)
    assert OTHER_COMMANDS not in top.format_help()


def test_the_top_level_help_lists_commands_by_group_with_job_beside_jobs():
    text = build_parser().format_help()
    sections = [line for line in text.splitlines() if line and not line.startswith(" ")]

    assert ["Bobs:", "Jenkins:", "hosts:", "jobs:", "service:", "options:"] == [
        s for s in sections if s.endswith(":")
    ]
    jobs = text.split("\njobs:\n", 1)[1].split("\n\n", 1)[0]
    commands = [line.split()[0] for line in jobs.splitlines() if not line.startswith("   ")]
    assert ["jobs", "job", "resume", "cancel"] == commands
