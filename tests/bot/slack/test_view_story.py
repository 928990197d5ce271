"""How a job's thread words its ending, from the runner's events alone (no Slack, no store)."""

from __future__ import annotations

import pytest

from bot.slack.view import JobView, gist
from provisioning.jobs.events import (
    Event,
    JobFinished,
    JobStarted,
    StepFinished,
    StepUndone,
    UndoStarted,
)
from provisioning.records import JobState

BOBS = ("bob017", "bob018")


def create_that_fails_at_start_of_bob018(*, undo_ok: bool = True) -> list[Event]:
    ran = [
        StepFinished(
            job_id="j1", step=step, lane=bob, host="host-b", index=i, outcome="succeeded",
            duration_s=0.5,
        )
        for i, (step, bob) in enumerate([("clone", "bob017"), ("clone", "bob018")])
    ]  # fmt: skip
    failed = StepFinished(
        job_id="j1", step="start", lane="bob018", host="host-b", index=3, outcome="failed",
        duration_s=0.1, error="CommandFailed: lxc-start exited 1\nstderr: cgroup limits",
    )  # fmt: skip
    undone = [
        StepUndone(job_id="j1", step="clone", lane=bob, ok=undo_ok or bob == "bob017",
                   error=None if undo_ok or bob == "bob017" else "busy")
        for bob in BOBS
    ]  # fmt: skip
    return [
        JobStarted(job_id="j1", kind="create", lanes=BOBS, total_steps=4, resumed=False),
        *ran,
        failed,
        UndoStarted(job_id="j1", reason="bob018 start failed: CommandFailed: lxc-start exited 1"),
        *undone,
        JobFinished(job_id="j1", state=JobState.FAILED, error="1 of 2 lanes failed", duration_s=1),
    ]


def told(events: list[Event]) -> tuple[JobView, list[str]]:
    view = JobView("j1", requested_by="UDEV", command="create 2")
    replies = [view.reply_text(r) if not isinstance(r, str) else r
               for e in events for r in view.apply(e)]  # fmt: skip
    return view, replies


def test_undo_is_summed_up_in_one_line_of_the_final_summary() -> None:
    view, replies = told(create_that_fails_at_start_of_bob018())

    assert "bob017 and bob018 removed, nothing left" in view.final_summary().splitlines()
    assert [] == [r for r in replies if "undo" in r]


def test_a_rolled_back_bob_is_shown_removed_not_at_its_last_step() -> None:
    view, _ = told(create_that_fails_at_start_of_bob018())

    assert [
        "bob017     removed          host-b",
        "bob018     failed, removed  host-b",
    ] == view.lane_lines()


def test_an_undo_that_failed_is_told_and_the_summary_does_not_claim_nothing_is_left() -> None:
    view, replies = told(create_that_fails_at_start_of_bob018(undo_ok=False))

    assert [] == [r for r in replies if "undo" in r]
    assert [
        ":warning: could not undo bob018 clone: busy",
        "`bob reconcile` shows what is left",
    ] == (view.final_summary().splitlines()[1:3])
    assert "nothing left" not in view.final_summary()
    assert "bob018     undo failed      host-b" == view.lane_lines()[1]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            "CommandFailed: host-a: `lxc-attach -n bob002 -- sh -c 'apt-get install -y x'` "
            "exited 100: E: Unable to locate package x\nReading package lists...\n"
            "E: Unable to locate package x\nstderr: Reading package lists...\n"
            "E: Unable to locate package x\n",
            "E: Unable to locate package x",
        ),
        (
            "CommandFailed: host-a: `debootstrap bookworm /x` exited 1: (no stderr)\n"
            "stdout: E: Failed getting release file",
            "E: Failed getting release file",
        ),
        (
            "StepFailed: bootstrap of bob001 on host-a failed: CommandFailed: "
            "`lxc-attach -n bob001 -- converge` exited 1: boom",
            "boom",
        ),
        ("StepTimeout: clone did not finish within 60 s", "clone did not finish within 60 s"),
        (
            "CommandFailed: host-a: `lxc-copy -n base -N bob001 -B overlay` exited 1:",
            "host-a: `lxc-copy …` exited 1:",
        ),
        ("", "no error text"),
    ],
)
def test_the_gist_of_an_error_is_its_last_meaningful_line(error: str, expected: str) -> None:
    assert expected == gist(error)
