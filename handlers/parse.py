"""One text grammar for chat commands and mentions, producing the requests the CLI builds.

    create [N] [on HOST] [for 8h] [--dry-run]   attach N to CONTROLLER LABEL [--dry-run]
    detach NAME…                            destroy NAME…
    rebuild-base [HOST…|all] [--dry-run]    list [HOST]    jobs    job ID    cancel ID
    refresh NAME…|--stale [on HOST] [--parallel K] [--dry-run]
    limit NAME… [KEY=VALUE…] [--dry-run]
    help [COMMAND]

Mentions may say the same in plain words ("can you make 2 bobs?", "rebuild the base on
host-a", "show me the bobs"); a phrase is rewritten into the command form above and parsed by
the same rules, so both validate identically. Politeness around a command ("can you …",
"… please", a question mark) is not part of it. A greeting alone ("hi") gets a greeting and
the few commands people use most. Every problem is a UsageError carrying the usage line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from handlers import staging
from handlers.limits import LimitBobs, PlanLimits, limit_request
from handlers.lockers import USAGE as LOCKER_USAGE
from handlers.lockers import parse_locker
from handlers.refresh import PlanRefresh, RefreshBobs
from handlers.requests import (
    AttachBobs,
    CancelJob,
    CreateBobs,
    DestroyBobs,
    DetachBobs,
    ListBobs,
    ListJobs,
    PlanAttach,
    PlanCreate,
    PlanRebuild,
    RebuildBase,
    Reconcile,
    ShowJob,
    _Request,
    build,
)
from provisioning.core.durations import parse_duration
from provisioning.errors import UsageError

# -- requests only chat has ------------------------------------------------------------------


class Help(_Request):
    command: str | None = None


class Greeting(_Request):
    pass


# -- the grammar --------------------------------------------------------------------------------

USAGE = {
    "create": (
        "create [N] [on HOST] [for 8h] [--dry-run]",
        "make N Bobs (default 1); `for 8h`: destroyed 8 hours later",
    ),
    "attach": ("attach N to CONTROLLER LABEL [--dry-run]", "register N free Bobs as agents"),
    "detach": ("detach NAME…", "remove Bobs from their Jenkins controller"),
    "destroy": ("destroy NAME…", "stop and remove Bobs (asks for confirmation)"),
    "rebuild-base": ("rebuild-base [HOST…|all] [--dry-run]", "rebuild the base Bobs clone from"),
    "refresh": (
        "refresh NAME…|--stale [on HOST] [--parallel K] [--dry-run]",
        "replace Bobs with clones of the current base (asks for confirmation)",
    ),
    "limit": (
        "limit NAME… [memory=2G] [cpu_shares=512] [cpuset=0-1] [--dry-run]",
        "show Bobs' cgroup limits and usage, or change them live (kept across restarts)",
    ),
    "list": ("list [HOST]", "Bobs by host and disk, with free room"),
    "jobs": ("jobs", "recent jobs"),
    "job": ("job ID", "one job's steps and timings"),
    "cancel": ("cancel ID", "stop a job and undo what it did"),
    "reconcile": ("reconcile [--fix]", "what disagrees with bob's records; --fix repairs"),
    "locker": (LOCKER_USAGE, "data volumes mounted into running Bobs"),
    "stage": (staging.USAGE, "a pull request's staging environment; list; close"),
    "help": ("help [COMMAND]", "this help"),
}
DRY_RUN = "--dry-run"
# What a greeting offers: the commands people use most, not the whole help.
GREETING_COMMANDS = ("create", "list", "destroy")


@dataclass(frozen=True)
class Parsed:
    """A valid request and the command name access rules are written against."""

    command: str
    request: BaseModel


class CommandError(UsageError):
    """Input that is not a valid command; ``command`` is the one it was meant to be, if known."""

    def __init__(self, message: str, command: str | None = None) -> None:
        super().__init__(message)
        self.command = command


def parse(text: str) -> Parsed:
    """The request ``text`` asks for, or a CommandError saying what would be valid."""
    said = _unwrap_politeness(clean_text(text))
    if _GREETING.fullmatch(said):
        return Parsed("help", Greeting())
    words = _rewrite_phrase(said).split()
    if not words:
        return Parsed("help", Help())
    name, args = words[0].lower(), words[1:]
    parser = _PARSERS.get(name)
    if parser is None:
        raise CommandError(_unknown(name))
    try:
        return parser(args)
    except UsageError as exc:
        raise CommandError(f"{exc}\nusage: {USAGE[name][0]}", name) from exc


def help_text(command: str | None = None) -> str:
    if command is not None and command in USAGE:
        usage, what = USAGE[command]
        return f"{usage}\n  {what}"
    return "commands:\n" + "\n".join(f"  {u:<42} {w}" for u, w in USAGE.values())


def greeting_text() -> str:
    lines = [f"  {USAGE[c][0]:<34} {USAGE[c][1]}" for c in GREETING_COMMANDS]
    return "\n".join(["Hi! I make Bobs. What people ask me most:", *lines])


def closest_command(word: str) -> str | None:
    matches = difflib.get_close_matches(word.lower(), list(USAGE), n=1, cutoff=0.5)
    return matches[0] if matches else None


def _unknown(word: str) -> str:
    guess = closest_command(word)
    hint = f" Did you mean `{USAGE[guess][0]}`?" if guess else ""
    return f"I don't know `{word}`.{hint}\n{help_text()}"


# Slack wraps mentions, channels and links in <...>; none of them is part of a command.
_SLACK_MARKUP = re.compile(r"<[@#!][^>]*>")


def clean_text(text: str) -> str:
    # Phones and Slack turn "--" into an em or en dash.
    return _SLACK_MARKUP.sub(" ", text).replace("—", "--").replace("–", "--").strip()


# Said around a command, not part of it: "can you …", "… please?", "hey bob, …".
_POLITE_START = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay)\b[\s,]*(?:bob\b[\s,]*)?)?"
    r"(?:(?:can|could|would|will)\s+you\s+)?"
    r"(?:please\s+|pls\s+)?",
    re.IGNORECASE,
)
_POLITE_END = re.compile(
    r"[\s,]*(?:\b(?:please|pls|thanks|thank\s+you)\b)?[\s.!?]*$", re.IGNORECASE
)
_GREETING = re.compile(
    r"(?:hi|hello|hey|hiya|howdy|yo|good\s+(?:morning|afternoon|evening))(?:\s+(?:there|bob))?",
    re.IGNORECASE,
)


def _unwrap_politeness(text: str) -> str:
    if _GREETING.fullmatch(_POLITE_END.sub("", text)):
        return _POLITE_END.sub("", text)
    return _POLITE_END.sub("", _POLITE_START.sub("", text, count=1), count=1)


_NUMBER_WORDS = {
    word: str(n)
    for n, words in enumerate(
        (["zero"], ["a", "an", "one"], ["two"], ["three"], ["four"], ["five"], ["six"],
         ["seven"], ["eight"], ["nine"], ["ten"])
    )
    for word in words
}  # fmt: skip
_PHRASES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(
            r"^(?:make|create|build|spin\s+up)\s+(?:me\s+)?(?P<n>\S+\s+)?"
            r"(?:new\s+)?bobs?(?:\s+on\s+(?P<host>\S+))?(?P<rest>(?:\s+--\S+)*)$",
            re.IGNORECASE,
        ),
        lambda m: " ".join(
            ["create", _NUMBER_WORDS.get((m["n"] or "1").strip().lower(), (m["n"] or "").strip())]
            + (["on", m["host"]] if m["host"] else [])
            + m["rest"].split()
        ),
    ),
    (
        re.compile(r"^rebuild\s+the\s+base(?:\s+on\s+(?P<hosts>.+?))?$", re.IGNORECASE),
        lambda m: "rebuild-base " + re.sub(r",|\band\b", " ", m["hosts"] or ""),
    ),
    (
        re.compile(
            r"^(?:list|show)(?:\s+me)?(?:\s+(?:the|all|my))?\s+bobs?(?P<rest>.*)$", re.IGNORECASE
        ),
        lambda m: "list" + m["rest"].replace(" on ", " "),
    ),
    (re.compile(r"^(?:show\s+)?(?:recent\s+)?jobs$", re.IGNORECASE), lambda m: "jobs"),
)


def _rewrite_phrase(text: str) -> str:
    for pattern, rewrite in _PHRASES:
        if match := pattern.match(text):
            return rewrite(match)
    return text


def _flag(args: list[str]) -> tuple[list[str], bool]:
    """``args`` without ``--dry-run``, and whether it was there; any other flag is an error."""
    unknown = [a for a in args if a.startswith("--") and a != DRY_RUN]
    if unknown:
        raise UsageError(f"unknown option {unknown[0]}")
    return [a for a in args if a != DRY_RUN], DRY_RUN in args


def _count(word: str) -> int | str:
    # A non-number reaches pydantic unchanged, so the message is the CLI's.
    return int(word) if word.isdigit() else word


def _create(args: list[str]) -> Parsed:
    args, dry_run = _flag(args)
    count: int | str = 1
    host: str | None = None
    ttl_s: float | None = None
    if len(args) >= 2 and args[-2].lower() == "for":  # `create 3 for 8h`: a time to live
        ttl_s, args = parse_duration(args[-1]), args[:-2]
    if args and args[0].lower() != "on":
        count, args = _count(args[0]), args[1:]
    if args:
        if len(args) != 2 or args[0].lower() != "on":
            raise UsageError(f"unexpected {' '.join(args)!r}")
        host = args[1]
    if dry_run:
        return Parsed("plan", build(PlanCreate, count=count, host=host))
    return Parsed("create", build(CreateBobs, count=count, host=host, ttl_s=ttl_s))


def _attach(args: list[str]) -> Parsed:
    args, dry_run = _flag(args)
    if len(args) == 5 and args[1].lower() == "bobs":  # "attach 3 bobs to ci-main heavy"
        args = [args[0], *args[2:]]
    if len(args) != 4 or args[1].lower() != "to":
        raise UsageError("attach needs a count, a controller and a label")
    count, _, controller, label = args
    if dry_run:
        return Parsed(
            "plan", build(PlanAttach, count=_count(count), controller=controller, label=label)
        )
    return Parsed(
        "attach", build(AttachBobs, count=_count(count), controller=controller, label=label)
    )


def _names(kind: type[DestroyBobs] | type[DetachBobs], args: list[str]) -> BaseModel:
    if options := [a for a in args if a.startswith("--")]:
        raise UsageError(f"unknown option {options[0]}")
    names = tuple(n for a in args for n in a.split(",") if n)
    if not names:
        raise UsageError("name at least one Bob")
    return build(kind, names=names)


def _destroy(args: list[str]) -> Parsed:
    return Parsed("destroy", _names(DestroyBobs, args))


def _detach(args: list[str]) -> Parsed:
    return Parsed("detach", _names(DetachBobs, args))


def _rebuild_base(args: list[str]) -> Parsed:
    args, dry_run = _flag(args)
    hosts = () if [a.lower() for a in args] in ([], ["all"]) else tuple(args)
    if dry_run:
        return Parsed("plan", build(PlanRebuild, hosts=hosts))
    return Parsed("rebuild-base", build(RebuildBase, hosts=hosts))


def _refresh(args: list[str]) -> Parsed:
    fields: dict[str, object] = {}
    names: list[str] = []
    rest = iter(args)
    for word in rest:
        if word in ("--stale", DRY_RUN):
            fields[word.removeprefix("--").replace("-", "_")] = True
        elif word in ("on", "--host", "--parallel"):
            value = next(rest, None)
            if value is None:
                raise UsageError(f"{word} needs a value")
            key = "parallel" if word == "--parallel" else "host"
            fields[key] = _count(value) if key == "parallel" else value
        elif word.startswith("--"):
            raise UsageError(f"unknown option {word}")
        else:
            names += [n for n in word.split(",") if n]
    dry_run = bool(fields.pop("dry_run", False))
    kind = PlanRefresh if dry_run else RefreshBobs
    return Parsed("plan" if dry_run else "refresh", build(kind, names=tuple(names), **fields))


def _limit(args: list[str]) -> Parsed:
    args, dry_run = _flag(args)
    request = limit_request(args, dry_run=dry_run)
    # Showing limits and a dry run change nothing: open like any report.
    changes = isinstance(request, LimitBobs) and not isinstance(request, PlanLimits)
    return Parsed("limit" if changes else "plan", request)


def _reconcile(args: list[str]) -> Parsed:
    unknown = [a for a in args if a != "--fix"]
    if unknown:
        raise UsageError(f"unexpected {' '.join(unknown)!r}")
    # A report changes nothing: open like any dry run; repairing needs the reconcile right.
    fix = "--fix" in args
    return Parsed("reconcile" if fix else "plan", Reconcile(fix=fix))


def _stage(args: list[str]) -> Parsed:
    request = staging.parse_stage(args)
    # A listing changes nothing: open like any dry run; deploying and closing need `stage`.
    return Parsed("plan" if isinstance(request, staging.StageList) else "stage", request)


def _list(args: list[str]) -> Parsed:
    if len(args) > 1:
        raise UsageError("list takes at most one host")
    return Parsed("list", build(ListBobs, host=args[0] if args else None))


def _no_args(name: str, kind: type[ListJobs]) -> Callable[[list[str]], Parsed]:
    def parse_it(args: list[str]) -> Parsed:
        if args:
            raise UsageError(f"{name} takes no arguments")
        return Parsed(name, build(kind))

    return parse_it


def _one_id(name: str, kind: type[ShowJob] | type[CancelJob]) -> Callable[[list[str]], Parsed]:
    def parse_it(args: list[str]) -> Parsed:
        if len(args) != 1:
            raise UsageError(f"{name} needs exactly one job id")
        return Parsed(name, build(kind, job_id=args[0]))

    return parse_it


def _locker(args: list[str]) -> Parsed:
    command = parse_locker(args)
    # Reading lockers is open like `list`; every change is the `locker` access rule's.
    return Parsed("locker" if command.changes else "list", command)


def _help(args: list[str]) -> Parsed:
    if len(args) > 1:
        raise UsageError("help takes at most one command")
    command = args[0].lower() if args else None
    if command is not None and command not in USAGE:
        raise UsageError(_unknown(command))
    return Parsed("help", Help(command=command))


_PARSERS: dict[str, Callable[[list[str]], Parsed]] = {
    "create": _create,
    "attach": _attach,
    "detach": _detach,
    "destroy": _destroy,
    "rebuild-base": _rebuild_base,
    "refresh": _refresh,
    "limit": _limit,
    "list": _list,
    "jobs": _no_args("jobs", ListJobs),
    "job": _one_id("job", ShowJob),
    "cancel": _one_id("cancel", CancelJob),
    "reconcile": _reconcile,
    "locker": _locker,
    "stage": _stage,
    "help": _help,
}
