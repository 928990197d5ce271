"""How every ``bob`` command's parser is made, so each ``*_cli`` module only adds its options.

Three rules hold for every command, whichever module adds it:

* the global options (``--config``, ``-v``, ``--log-format``) may come after the command too
  (``bob plan create 5 --config x.yaml``), described once, in ``bob --help``;
* an option's help ends with its default, taken from the parser (so the text cannot drift from
  the value), unless the help already says what the default is;
* ``bob --help`` lists the commands in groups (:data:`GROUPS`), so related ones sit together.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from bot.logs import FORMATS

SUPPRESS = argparse.SUPPRESS

# The sections of `bob --help`; tests/bot/test_cli_help.py fails on a command in none of them.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Bobs", ("create", "destroy", "list", "plan", "refresh", "limit", "locker", "stage")),
    ("Jenkins", ("attach", "detach")),
    ("hosts", ("host", "drain", "undrain", "rebuild-base", "reconcile", "sandbox")),
    ("jobs", ("jobs", "job", "resume", "cancel")),
    ("service", ("serve", "board")),
)
OTHER_COMMANDS = "other commands"

CONFIG_HELP = "fleet config (YAML) (default: $BOB_CONFIG, else the embedded sandbox fleet)"
VERBOSE_HELP = "log to stderr at info level too (-vv: debug); by default only warnings"
LOG_FORMAT_HELP = (
    "log records as text lines (default) or one JSON object a line, with their job, step, "
    "host and Bob"
)
GLOBAL_OPTIONS = frozenset({"--config", "-v", "--verbose", "--log-format", "--plain"})
PLAIN_HELP = (
    "show a job's progress as one line an event even on a terminal (the default when output is "
    "not a terminal); without it a terminal gets a live table"
)

Handler = Callable[..., Awaitable[int]]
if TYPE_CHECKING:  # generic only to the type checker
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Commands = argparse._SubParsersAction


class HelpFormatter(argparse.HelpFormatter):
    """Appends an option's default to its help: ``how many (default 20)``."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help
        default = action.default
        if (
            not text
            or text == SUPPRESS
            or not action.option_strings
            or "default" in text
            or default is None
            or default is False
            or default == SUPPRESS
            or default == []
        ):
            return text
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        return f"{text} (default {shown.replace('%', '%%')})"


class RawHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown, and the description and epilog printed as written (tables, lists)."""


class CommandParser(argparse.ArgumentParser):
    """The parser of ``bob`` and of each of its commands (argparse makes a subcommand's parser
    of its parent's class, so a module's own ``add_parser`` gets these rules too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def add_argument(self, *names: Any, **kwargs: Any) -> argparse.Action:
        # A global option a command repeats is the one `bob --help` describes: shown once.
        if "help" not in kwargs and GLOBAL_OPTIONS.intersection(names):
            kwargs["help"] = SUPPRESS
        return super().add_argument(*names, **kwargs)


class BobParser(CommandParser):
    """The top-level parser: its help lists the commands by :data:`GROUPS`."""

    def format_help(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._actions, self._mutually_exclusive_groups)
        formatter.add_text(self.description)
        for title, lines in command_groups(self):
            formatter.start_section(title)
            formatter.add_arguments(lines)
            formatter.end_section()
        for group in self._action_groups:
            shown = [
                a for a in group._group_actions if not isinstance(a, argparse._SubParsersAction)
            ]
            if shown:
                formatter.start_section(group.title)
                formatter.add_arguments(shown)
                formatter.end_section()
        formatter.add_text(self.epilog)
        return formatter.format_help()


def command_groups(parser: argparse.ArgumentParser) -> list[tuple[str, list[argparse.Action]]]:
    """Each group's title with its commands' help lines, then any command in no group."""
    lines: dict[str, argparse.Action] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            lines.update((line.dest, line) for line in action._choices_actions)
    groups = [(title, [lines.pop(n) for n in names if n in lines]) for title, names in GROUPS]
    if lines:
        groups.append((OTHER_COMMANDS, list(lines.values())))
    return [(title, actions) for title, actions in groups if actions]


def add_commands(parser: BobParser) -> Commands:
    """Where ``bob``'s commands go; their parsers (and theirs) are :class:`CommandParser`."""
    made = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CommandParser
    )
    return cast("Commands", made)


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """``bob``'s own options, described in ``bob --help``."""
    parser.add_argument("--config", type=Path, metavar="PATH", help=CONFIG_HELP)
    parser.add_argument("-v", "--verbose", action="count", default=0, help=VERBOSE_HELP)
    parser.add_argument("--log-format", choices=FORMATS, default="text", help=LOG_FORMAT_HELP)
    parser.add_argument("--plain", action="store_true", help=PLAIN_HELP)


def _after_the_command() -> argparse.ArgumentParser:
    # SUPPRESS as the default: a command's missing flag must not overwrite one given before it.
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--config", type=Path, metavar="PATH", default=SUPPRESS, help=SUPPRESS)
    after.add_argument("-v", "--verbose", action="count", default=SUPPRESS, help=SUPPRESS)
    after.add_argument("--log-format", choices=FORMATS, default=SUPPRESS, help=SUPPRESS)
    after.add_argument("--plain", action="store_true", default=SUPPRESS, help=SUPPRESS)
    return after


def usage_name(parser: argparse.ArgumentParser | None, dest: str) -> str:
    """What ``parser``'s usage calls the argument kept in ``dest``: its metavar (``ID``) or its
    long option (``--host``); ``dest`` itself when the usage has no such argument."""
    for action in parser._actions if parser is not None else ():
        if action.dest != dest:
            continue
        if action.option_strings:
            return max(action.option_strings, key=len)
        return action.metavar if isinstance(action.metavar, str) else dest
    return dest


def add_command(
    commands: Commands,
    name: str,
    *,
    help: str,
    description: str | None = None,
    handler: Handler | None = None,
    bare_handler: Handler | None = None,
    parents: Sequence[argparse.ArgumentParser] = (),
    **kwargs: Any,
) -> argparse.ArgumentParser:
    """A command (or a command's action, such as ``host check``): its one-line ``help`` in the
    listing, ``description`` (else that line as a sentence) atop its own help, the global
    options accepted after it, and what runs it: ``handler(args, settings, store)``, or
    ``bare_handler(args)`` for a command that opens no store."""
    parser = commands.add_parser(
        name,
        parents=[_after_the_command(), *parents],
        help=help,
        description=description or f"{help[0].upper()}{help[1:]}.",
        **kwargs,
    )
    # the innermost command's parser, whose usage a request's field problems are named by
    parser.set_defaults(command_parser=parser)
    if handler is not None:
        parser.set_defaults(handler=handler)
    if bare_handler is not None:
        parser.set_defaults(bare_handler=bare_handler)
    return parser


JOB_ID_HELP = "a job id from `bob jobs`, or any prefix of it no other job's id starts with"
JSON_HELP = "print one JSON document instead of text (its shape: docs/json.md)"


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
