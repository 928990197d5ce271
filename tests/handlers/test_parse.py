"""The command grammar shared by /bob, mentions and (through the same requests) the CLI."""

from __future__ import annotations

import pytest

from handlers.parse import (
    CommandError,
    Help,
    Parsed,
    closest_command,
    parse,
)
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
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("create", Parsed("create", CreateBobs(count=1))),
        ("create 3", Parsed("create", CreateBobs(count=3))),
        ("create 2 on host-b", Parsed("create", CreateBobs(count=2, host="host-b"))),
        ("create on host-b", Parsed("create", CreateBobs(count=1, host="host-b"))),
        ("create 2 on host-b --dry-run", Parsed("plan", PlanCreate(count=2, host="host-b"))),
        ("create 2 —dry-run", Parsed("plan", PlanCreate(count=2))),
        (
            "attach 3 to ci-main heavy",
            Parsed("attach", AttachBobs(count=3, controller="ci-main", label="heavy")),
        ),
        (
            "attach 3 to ci-main Heavy --dry-run",
            Parsed("plan", PlanAttach(count=3, controller="ci-main", label="Heavy")),
        ),
        ("detach bob001 bob002", Parsed("detach", DetachBobs(names=("bob001", "bob002")))),
        ("destroy bob001", Parsed("destroy", DestroyBobs(names=("bob001",)))),
        ("destroy bob001,bob002", Parsed("destroy", DestroyBobs(names=("bob001", "bob002")))),
        ("rebuild-base", Parsed("rebuild-base", RebuildBase())),
        ("rebuild-base all", Parsed("rebuild-base", RebuildBase())),
        (
            "rebuild-base host-a host-b --dry-run",
            Parsed("plan", PlanRebuild(hosts=("host-a", "host-b"))),
        ),
        ("list", Parsed("list", ListBobs())),
        ("list host-a", Parsed("list", ListBobs(host="host-a"))),
        ("jobs", Parsed("jobs", ListJobs())),
        ("job 8fbc181b", Parsed("job", ShowJob(job_id="8fbc181b"))),
        ("cancel 8fbc181b", Parsed("cancel", CancelJob(job_id="8fbc181b"))),
        ("reconcile", Parsed("plan", Reconcile())),
        ("reconcile --fix", Parsed("reconcile", Reconcile(fix=True))),
        ("help", Parsed("help", Help())),
        ("help destroy", Parsed("help", Help(command="destroy"))),
        ("", Parsed("help", Help())),
        ("  CREATE 2 ", Parsed("create", CreateBobs(count=2))),
    ],
)
def test_commands(text, expected):
    assert expected == parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("make 5 bobs", Parsed("create", CreateBobs(count=5))),
        ("<@UBOB> make 5 bobs", Parsed("create", CreateBobs(count=5))),
        ("make 2 bobs on host-b", Parsed("create", CreateBobs(count=2, host="host-b"))),
        ("please make me a bob", Parsed("create", CreateBobs(count=1))),
        ("Make three new bobs!", Parsed("create", CreateBobs(count=3))),
        ("make 2 bobs --dry-run", Parsed("plan", PlanCreate(count=2))),
        (
            "attach 3 bobs to ci-main heavy",
            Parsed("attach", AttachBobs(count=3, controller="ci-main", label="heavy")),
        ),
        ("rebuild the base on host-a", Parsed("rebuild-base", RebuildBase(hosts=("host-a",)))),
        (
            "rebuild the base on host-a and host-b",
            Parsed("rebuild-base", RebuildBase(hosts=("host-a", "host-b"))),
        ),
        ("rebuild the base", Parsed("rebuild-base", RebuildBase())),
        ("show bobs on host-a", Parsed("list", ListBobs(host="host-a"))),
        ("show jobs", Parsed("jobs", ListJobs())),
    ],
)
def test_plain_phrases_mean_the_same_commands(text, expected):
    assert expected == parse(text)


@pytest.mark.parametrize(
    ("text", "first_line", "usage"),
    [
        ("create 0", "count: must be a whole number from 1 to 10000 (got 0)", "create [N]"),
        ("create many", "count: must be a whole number from 1 to 10000 (got 'many')", "create"),
        ("create 2 at host-b", "unexpected 'at host-b'", "create [N] [on HOST] [--dry-run]"),
        ("create 2 --force", "unknown option --force", "create"),
        ("create 2 on Host_B", "host: must be a host name: lower-case letters", "create"),
        ("make 0 bobs", "count: must be a whole number from 1 to 10000 (got 0)", "create"),
        ("destroy", "name at least one Bob", "destroy NAME…"),
        ("destroy bob001 --yes", "unknown option --yes", "destroy NAME…"),
        ("destroy ../etc", "names: must be a host name", "destroy NAME…"),
        ("attach 3 ci-main heavy", "attach needs a count, a controller and a label", "attach N"),
        ("job", "job needs exactly one job id", "job ID"),
        ("job xyz!", "job_id: must be a job id as shown by `bob jobs`", "job ID"),
        ("cancel 1 2", "cancel needs exactly one job id", "cancel ID"),
        ("jobs 5", "jobs takes no arguments", "jobs"),
        ("list host-a host-b", "list takes at most one host", "list [HOST]"),
    ],
)
def test_bad_arguments_say_what_is_wrong_and_show_the_usage(text, first_line, usage):
    with pytest.raises(CommandError) as caught:
        parse(text)

    lines = str(caught.value).splitlines()
    assert lines[0].startswith(first_line)
    assert lines[-1].startswith(f"usage: {usage}")


@pytest.mark.parametrize(
    ("word", "expected"),
    [("craete", "create"), ("destory", "destroy"), ("lsit", "list"), ("rebuild", "rebuild-base")],
)
def test_the_closest_command_to_a_typo(word, expected):
    assert expected == closest_command(word)


def test_unknown_input_gets_the_closest_command_and_a_short_help():
    with pytest.raises(CommandError) as caught:
        parse("destory bob001")

    lines = str(caught.value).splitlines()
    assert "I don't know `destory`. Did you mean `destroy NAME…`?" == lines[0]
    assert "commands:" == lines[1]
    assert 2 + 13 == len(lines)  # one line per command


def test_nothing_close_gets_just_the_help():
    with pytest.raises(CommandError) as caught:
        parse("xyzzy")

    assert "I don't know `xyzzy`.\ncommands:" == "\n".join(str(caught.value).splitlines()[:2])
