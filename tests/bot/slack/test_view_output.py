"""A running step's output in the thread's parent message: its latest line, never a reply."""

from __future__ import annotations

from bot.slack.view import SAID_CHARS, JobView
from provisioning.jobs.events import JobStarted, StepFinished, StepLog, StepStarted


def building() -> JobView:
    view = JobView("job1")
    view.apply(
        JobStarted(
            job_id="job1", kind="rebuild-base", lanes=("rebuild",), total_steps=3, resumed=False
        )
    )
    view.apply(StepStarted(job_id="job1", step="build", lane="rebuild", host="host-a", index=1))
    return view


def output(view: JobView, text: str) -> list[str]:
    return view.apply(StepLog(job_id="job1", step="build", lane="rebuild", line=text))


def test_a_batch_of_output_shows_its_last_line_beside_the_lane_and_posts_no_reply() -> None:
    view = building()

    replies = output(view, "I: Retrieving InRelease\nI: Retrieving Release\n")

    assert [] == replies
    assert ["rebuild    build            host-a  | I: Retrieving Release"] == view.lane_lines()


def test_a_long_output_line_is_cut_short() -> None:
    view = building()

    output(view, "I: " + "x" * 500)

    said = view.lane_lines()[0].split("| ", 1)[1]
    assert (SAID_CHARS, "…") == (len(said), said[-1])


def test_the_line_goes_when_its_step_ends() -> None:
    view = building()
    output(view, "I: Retrieving Release")

    view.apply(
        StepFinished(
            job_id="job1",
            step="build",
            lane="rebuild",
            host="host-a",
            index=1,
            outcome="succeeded",
            duration_s=60.0,
        )
    )

    assert "|" not in view.lane_lines()[0]
