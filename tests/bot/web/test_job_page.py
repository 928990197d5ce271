"""A failed job's page tells each step's failure once, in that step's row; the job's own
error line says where it failed and points there."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.web.job_page import job_fragment
from provisioning.records import JobRecord, JobState, JournalEntry, StepEvent

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DETAIL = "StepFailed: bootstrap of bob001 on host-a failed: CommandFailed: exited 1: no space"
OTHER = "StepFailed: start of bob002 on host-b failed: CommandFailed: exited 1: no bridge"


def failed(job_error: str, *failures: tuple[str, str, str]) -> str:
    job = JobRecord(
        id="abcd1234", kind="create", params={}, state=JobState.FAILED, requested_by="me",
        source="web", created_at=WHEN, error=job_error,
    )  # fmt: skip
    journal = [
        JournalEntry(
            job_id=job.id,
            step_index=i,
            step=step,
            lane=lane,
            host="host-a",
            event=StepEvent.FAILED,
            at=WHEN,
            duration_s=0.1,
            detail=detail,
        )
        for i, (step, lane, detail) in enumerate(failures)
    ]
    return job_fragment(job, journal, WHEN)


def test_a_step_failure_is_told_in_its_row_and_the_job_error_points_there() -> None:
    page = failed(
        f"step 'bootstrap' (lane bob001, host host-a) failed: {DETAIL}",
        ("bootstrap", "bob001", DETAIL),
    )

    assert 1 == page.count(DETAIL)
    assert (
        '<p class="problem" id="job-error">'
        "step &#x27;bootstrap&#x27; (lane bob001, host host-a) failed (below)</p>"
    ) in page


def test_each_lane_that_failed_alone_is_pointed_to_and_the_rest_of_the_error_stays() -> None:
    page = failed(
        "2 of 3 lanes failed (the others finished): "
        f"step 'bootstrap' (lane bob001, host host-a) failed: {DETAIL}; "
        f"step 'start' (lane bob002, host host-b) failed: {OTHER}",
        ("bootstrap", "bob001", DETAIL),
        ("start", "bob002", OTHER),
    )

    assert (1, 1) == (page.count(DETAIL), page.count(OTHER))
    assert "2 of 3 lanes failed (the others finished): " in page
    assert "(lane bob002, host host-b) failed (below)</p>" in page


def test_a_job_error_no_step_row_shows_is_told_whole() -> None:
    error = "cannot rebuild the job's steps: KeyError: 'bobs'"
    page = failed(error)

    assert "cannot rebuild the job&#x27;s steps: KeyError: &#x27;bobs&#x27;" in page
