"""The live view of a job on a terminal: a row per Bob with its host, step and elapsed time, a
bar for the whole job, and a summary at the end that says where each Bob is and what to do next,
or, for a failure, which Bob on which host failed at which step, and the line that says why.
"""

from __future__ import annotations

import io
import ipaddress
from datetime import UTC, datetime, timedelta

from rich.console import Console, RenderableType

from bot.live import LiveProgress
from bot.live_summary import last_said
from provisioning.hosts.errors import CommandFailed
from provisioning.jobs.events import (
    Event,
    JobFinished,
    JobStarted,
    StepFinished,
    StepLog,
    StepStarted,
    StepUndone,
    UndoStarted,
)
from provisioning.jobs.failures import describe_error
from provisioning.pipeline.errors import step_failed
from provisioning.records import BobRecord, BobState, JobState

T0 = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ready(name: str, host: str, ip: str) -> BobRecord:
    return BobRecord(
        name=name,
        host=host,
        disk="disk1",
        slot=1,
        ip=ipaddress.IPv4Address(ip),
        state=BobState.READY,
        base_version=3,
        created_at=T0,
    )


class Bobs:
    """bob's records as the summary reads them (name → record)."""

    def __init__(self, *records: BobRecord) -> None:
        self.records = {r.name: r for r in records}

    async def __call__(self, name: str) -> BobRecord | None:
        return self.records.get(name)


def terminal() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=110, record=True)


async def summary_of(view: LiveProgress, console: Console, events: list[Event]) -> list[str]:
    """What ``console`` shows once the last of ``events`` (the job's end) has come: the frames
    drawn before it are cleared from the screen."""
    for event in events[:-1]:
        await view(event)
    console.export_text(clear=True)
    await view(events[-1])
    return [line.rstrip() for line in console.export_text().splitlines()]


def text_of(renderable: RenderableType, width: int = 110) -> list[str]:
    console = Console(file=io.StringIO(), width=width, record=True)
    console.print(renderable)
    return [line.rstrip() for line in console.export_text().splitlines()]


def step(lane: str, name: str, host: str, index: int, *, start: float) -> StepStarted:
    return StepStarted(
        job_id="c76acd98", step=name, lane=lane, host=host, index=index, at=at(start)
    )


def done(
    lane: str, name: str, host: str, index: int, *, end: float, error: str = ""
) -> StepFinished:
    return StepFinished(
        job_id="c76acd98",
        step=name,
        lane=lane,
        host=host,
        index=index,
        outcome="failed" if error else "succeeded",
        duration_s=0.5,
        error=error or None,
        at=at(end),
    )


START = JobStarted(
    job_id="c76acd98", kind="create", lanes=("bob001", "bob002"), total_steps=8, resumed=False
)


async def test_each_bob_has_a_row_with_its_host_step_and_elapsed_time_under_a_bar() -> None:
    view = LiveProgress(terminal())
    try:
        for event in [
            START,
            step("bob001", "reserve", "host-a", 0, start=0),
            done("bob001", "reserve", "host-a", 0, end=0.5),
            step("bob001", "clone", "host-a", 1, start=0.5),
            StepLog(job_id="c76acd98", step="clone", lane="bob001", line="copied 10%\ncopied 40%"),
            step("bob002", "reserve", "host-b", 4, start=1),
            done("bob002", "reserve", "host-b", 4, end=1.5),
        ]:
            await view(event)

        shown = text_of(view.frame())
    finally:
        view.close()

    assert shown[1] == "job c76acd98  create  2 Bobs"
    assert shown[2].split() == ["Bob", "host", "step", "elapsed", "output"]
    assert shown[3].split()[:4] == ["bob001", "host-a", "clone", "…"]
    assert shown[3].split()[-2:] == ["copied", "40%"]
    assert shown[4].split() == ["bob002", "host-b", "reserve", "✓", "0.5s"]
    assert shown[5].endswith(" 2/8 steps")


async def test_at_80_columns_only_the_output_is_cut_and_with_an_ellipsis() -> None:
    long_line = "Setting up linux-image-6.1.0-28-amd64 (6.1.119-1) ... " * 3
    view = LiveProgress(terminal())
    try:
        for event in [
            START,
            step("bob001", "personalize", "host-a", 3, start=0),
            StepLog(job_id="c76acd98", step="personalize", lane="bob001", line=long_line),
            step("bob002", "bootstrap", "host-b", 2, start=1),
            done("bob002", "bootstrap", "host-b", 2, end=61.5),
        ]:
            await view(event)

        shown = text_of(view.frame(), width=80)
    finally:
        view.close()

    assert shown[2].split() == ["Bob", "host", "step", "elapsed", "output"]
    assert shown[3].split()[:4] == ["bob001", "host-a", "personalize", "…"]
    assert shown[3].endswith("…")
    assert shown[4].split() == ["bob002", "host-b", "bootstrap", "✓", "60.5s"]
    assert all(len(line) <= 80 for line in shown)


async def test_the_job_ends_with_where_each_bob_is_and_the_command_to_run_next() -> None:
    console = terminal()
    bobs = Bobs(ready("bob001", "host-a", "10.250.1.11"), ready("bob002", "host-b", "10.250.2.11"))
    view = LiveProgress(console, bobs=bobs, controllers=["ci-main"], program="bob")
    shown = await summary_of(
        view,
        console,
        [
            START,
            step("bob001", "reserve", "host-a", 0, start=0),
            done("bob001", "reserve", "host-a", 0, end=2.25),
            step("bob002", "reserve", "host-b", 4, start=1),
            done("bob002", "reserve", "host-b", 4, end=2),
            JobFinished(job_id="c76acd98", state=JobState.SUCCEEDED, duration_s=2.3, at=at(2.3)),
        ],
    )

    assert "job c76acd98 (create) succeeded in 2.3s" in shown
    rows = [line.split() for line in shown if line.startswith("bob00")]
    assert [
        ["bob001", "host-a/disk1", "10.250.1.11", "v3", "2.2s", "ready"],
        ["bob002", "host-b/disk1", "10.250.2.11", "v3", "1.0s", "ready"],
    ] == rows
    assert shown[-1] == "next: bob attach 2 to ci-main LABEL"


def bootstrap_failure() -> str:
    failed = CommandFailed(
        host="host-b",
        argv=["lxc-attach", "-n", "bob002", "--", "sh", "-c", "apt-get install -y openjdk"],
        exit_status=100,
        stderr="Reading package lists...\nE: Unable to locate package openjdk\n",
    )
    cause = step_failed(
        doing="bootstrap of bob002",
        host="host-b",
        job_id="c76acd98",
        step="bootstrap",
        cause=failed,
    )
    return describe_error(cause)


async def test_a_failure_names_the_bob_host_and_step_and_the_last_line_the_program_said() -> None:
    console = terminal()
    view = LiveProgress(console, bobs=Bobs(), controllers=["ci-main"], program="bob")
    shown = await summary_of(
        view,
        console,
        [
            START,
            step("bob002", "bootstrap", "host-b", 5, start=0),
            done("bob002", "bootstrap", "host-b", 5, end=1, error=bootstrap_failure()),
            UndoStarted(job_id="c76acd98", reason="bootstrap of bob002 failed"),
            StepUndone(job_id="c76acd98", step="reserve", lane="bob001", ok=True, at=at(1.5)),
            JobFinished(
                job_id="c76acd98",
                state=JobState.FAILED,
                error=bootstrap_failure(),
                duration_s=1.6,
                at=at(1.6),
            ),
        ],
    )

    assert "job c76acd98 (create) failed in 1.6s" in shown
    failures = shown[next(i for i, line in enumerate(shown) if "what it said" in line) :]
    failure = failures[1]
    assert failure.split()[:3] == ["bob002", "host-b", "bootstrap"]
    assert failure.endswith("E: Unable to locate package openjdk")
    assert ["bob001", "rolled", "back,", "nothing", "left"] == next(
        line.split() for line in shown if line.startswith("bob001")
    )
    assert shown[-1] == "next: bob job c76acd98   shows every step and its full output"
    assert sum("lxc-attach" in line for line in shown) == 0


def test_the_last_line_said_is_stdout_when_a_program_says_why_there() -> None:
    failed = CommandFailed(
        host="host-a",
        argv=["debootstrap", "bookworm", "/var/lib/bob/base"],
        exit_status=1,
        stderr="",
        stdout="I: Retrieving InRelease\nE: Failed getting release file",
    )
    cause = step_failed(
        doing="build of rebuild", host="host-a", job_id="j", step="build", cause=failed
    )

    assert "E: Failed getting release file" == last_said(describe_error(cause))


def test_a_failure_that_ran_no_program_is_told_in_its_own_words() -> None:
    error = "StepFailed: reserve of bob001 on host-a failed: ConflictError: the reservation is gone"

    assert "ConflictError: the reservation is gone" == last_said(error)


async def test_a_bob_whose_undo_failed_is_not_said_to_be_rolled_back() -> None:
    console = terminal()
    view = LiveProgress(console, bobs=Bobs(), program="bob")
    kept = (
        "StepFailed: undo of clone of bob001 on host-a failed: host-a: `lxc-destroy -n bob001` "
        "exited 1: lxc-destroy: bob001: Device or resource busy"
    )

    shown = await summary_of(
        view,
        console,
        [
            START,
            step("bob001", "clone", "host-a", 1, start=0),
            done("bob001", "clone", "host-a", 1, end=1, error=bootstrap_failure()),
            UndoStarted(job_id="c76acd98", reason="clone of bob001 failed"),
            StepUndone(
                job_id="c76acd98", step="clone", lane="bob001", ok=False, error=kept, at=at(1.2)
            ),
            StepUndone(job_id="c76acd98", step="reserve", lane="bob001", ok=True, at=at(1.3)),
            JobFinished(job_id="c76acd98", state=JobState.FAILED, duration_s=1.6, at=at(1.6)),
        ],
    )

    row = next(line for line in shown if line.startswith("bob001"))
    assert row.endswith("undo failed at clone: some of it is left"), shown
    assert not any("nothing left" in line for line in shown), shown
    failures = shown[next(i for i, line in enumerate(shown) if "what it said" in line) :]
    assert failures[2].split()[:4] == ["bob001", "host-a", "undo", "clone"], failures
    assert failures[2].endswith("lxc-destroy: bob001: Device or resource busy"), failures
