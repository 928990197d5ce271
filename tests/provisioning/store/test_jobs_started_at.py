"""A job resumed after a crash keeps the time it first started."""

import asyncio

from provisioning.records import JobState, NewJob


async def test_running_again_keeps_the_first_start_time(store):
    job = await store.create_job(NewJob(kind="create"))
    await store.set_job_state(job.id, JobState.RUNNING)
    first = (await store.get_job(job.id)).started_at
    await asyncio.sleep(0.01)
    await store.set_job_state(job.id, JobState.RUNNING)
    assert first == (await store.get_job(job.id)).started_at
