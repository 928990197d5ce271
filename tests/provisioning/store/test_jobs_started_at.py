"""A job resumed after a crash keeps the time it first started."""

from datetime import UTC, datetime

from provisioning.records import JobState, NewJob
from tests.waiting import until_true


async def test_running_again_keeps_the_first_start_time(store):
    job = await store.create_job(NewJob(kind="create"))
    await store.set_job_state(job.id, JobState.RUNNING)
    first = (await store.get_job(job.id)).started_at
    assert first is not None
    # A second start stamped with a later time would show: the clock has moved on.
    await until_true(lambda: datetime.now(UTC) > first, "the clock past the first start")
    await store.set_job_state(job.id, JobState.RUNNING)
    assert first == (await store.get_job(job.id)).started_at
