"""The terminal's job progress: command output and failures keep their lane and indentation."""

from __future__ import annotations

from bot.progress import format_event
from provisioning.jobs.events import StepFinished, StepLog


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
