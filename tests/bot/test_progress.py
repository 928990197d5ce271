"""The terminal's job progress as lines: command output and failures keep their lane and
indentation; a lane's host is said once, in its header."""

from __future__ import annotations

import io

from bot.progress import PlainProgress, TerminalProgress, format_event
from provisioning.jobs.events import (
    Event,
    JobFinished,
    StepFinished,
    StepLog,
    StepStarted,
    UndoStarted,
)
from provisioning.records import JobState


def test_each_line_of_a_batch_of_output_is_prefixed_with_lane_and_step() -> None:
    event = StepLog(
        job_id="job1",
        step="build",
        lane="rebuild",
        line="I: Retrieving InRelease\nI: Retrieving Release",
    )

    assert [
        "  rebuild    build            | I: Retrieving InRelease",
        "  rebuild    build            | I: Retrieving Release",
    ] == (format_event(event) or "").splitlines()


def test_every_line_of_a_failure_stays_indented_under_its_step() -> None:
    event = StepFinished(
        job_id="job1",
        step="build",
        lane="rebuild",
        host="host-a",
        index=1,
        outcome="failed",
        duration_s=0.4,
        error=(
            "CommandFailed: `debootstrap …` exited 1: (no stderr)\n"
            "stdout: E: Failed getting release file"
        ),
    )

    assert [
        "      CommandFailed: `debootstrap …` exited 1: (no stderr)",
        "      stdout: E: Failed getting release file",
    ] == (format_event(event) or "").splitlines()[1:]


def started(lane: str, step: str, host: str | None, index: int) -> StepStarted:
    return StepStarted(job_id="job1", step=step, lane=lane, host=host, index=index)


def finished(lane: str, step: str, host: str | None, index: int) -> StepFinished:
    return StepFinished(
        job_id="job1",
        step=step,
        lane=lane,
        host=host,
        index=index,
        outcome="succeeded",
        duration_s=0.01,
    )


async def plain_lines(events: list[Event]) -> list[str]:
    out = io.StringIO()
    progress = PlainProgress(out)
    for event in events:
        await progress(event)
    return out.getvalue().splitlines()


async def test_a_lanes_host_is_said_once_in_its_header_not_on_each_step() -> None:
    lines = await plain_lines(
        [
            started("bob001", "reserve", "host-a", 0),
            finished("bob001", "reserve", "host-a", 0),
            started("bob002", "reserve", "host-b", 3),
            finished("bob002", "reserve", "host-b", 3),
            started("bob001", "clone", "host-a", 1),
            finished("bob001", "clone", "host-a", 1),
        ]
    )

    assert [
        "  bob001 on host-a",
        "  bob001     reserve          ok            0.01s",
        "  bob002 on host-b",
        "  bob002     reserve          ok            0.01s",
        "  bob001     clone            ok            0.01s",
    ] == lines


async def test_a_lane_that_moves_to_another_host_says_so() -> None:
    lines = await plain_lines(
        [
            started("rebuild", "build", "host-a", 0),
            finished("rebuild", "build", "host-a", 0),
            started("rebuild", "build", "host-b", 1),
            finished("rebuild", "build", "host-b", 1),
        ]
    )

    assert ["  rebuild on host-a", "  rebuild on host-b"] == [
        line for line in lines if " on " in line
    ]


async def test_a_pipe_gets_lines_and_no_escape_codes_even_when_plain_was_not_asked() -> None:
    out = io.StringIO()  # not a terminal
    progress = TerminalProgress(out)

    await progress(started("bob001", "reserve", "host-a", 0))
    await progress(finished("bob001", "reserve", "host-a", 0))

    assert "\x1b" not in out.getvalue()
    assert "  bob001     reserve          ok            0.01s" in out.getvalue().splitlines()


async def test_a_failure_is_printed_once_under_its_step_the_undo_and_the_end_point_to_it() -> None:
    error = (
        "StepFailed: bootstrap of bob001 on host-a failed: CommandFailed: `lxc-attach …` "
        "exited 100: Reading package lists...\nE: Unable to locate package openjdk"
    )
    job_error = f"step 'bootstrap' (lane bob001, host host-a) failed: {error}"
    out = io.StringIO()
    progress = PlainProgress(out)

    await progress(started("bob001", "bootstrap", "host-a", 7))
    await progress(
        StepFinished(job_id="job1", step="bootstrap", lane="bob001", host="host-a", index=7,
                     outcome="failed", duration_s=1.0, error=error)
    )  # fmt: skip
    await progress(UndoStarted(job_id="job1", reason=job_error))
    await progress(
        JobFinished(job_id="job1", state=JobState.FAILED, error=job_error, duration_s=1.5)
    )

    lines = out.getvalue().splitlines()
    assert 1 == sum("Unable to locate package" in line for line in lines), lines
    pointed = "step 'bootstrap' (lane bob001, host host-a) failed (above)"
    assert f"  undoing: {pointed}" == lines[-2]
    assert f"job job1 failed in 1.50s: {pointed}" == lines[-1]
