"""Whatever the layout and wherever a step fails: undo mirrors exactly what started."""

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from provisioning.fakes import MemoryJobStore
from provisioning.jobs.events import ProgressBus
from provisioning.jobs.runner import JobRunner
from provisioning.records import JobRecord, JobState, JournalEntry, NewJob, StepEvent
from tests.provisioning.jobs.scripted import KIND, World, params, scripted_kinds, step

layouts = st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=3)


def job_steps(layout: list[int], failing: int | None, hosts: list[str]) -> list[dict[str, Any]]:
    steps = [
        step(
            f"s{lane}.{i}", lane=f"lane{lane}", host=hosts[(lane + i) % len(hosts)], delay=0.001 * i
        )
        for lane, count in enumerate(layout)
        for i in range(count)
    ]
    if failing is not None:
        steps[failing % len(steps)]["fail"] = "boom"
    return steps


async def run_job(steps: list[dict[str, Any]]) -> tuple[JobRecord, World, list[JournalEntry]]:
    store, world = MemoryJobStore(), World()
    runner = JobRunner(store, scripted_kinds(world), ProgressBus(), owner="r", per_host_limit=1)
    job = await store.create_job(NewJob(kind=KIND, params=params(*steps)))
    final = await runner.run(job.id)
    return final, world, await store.journal(job.id)


@settings(max_examples=40, deadline=None)
@given(
    layouts, st.one_of(st.none(), st.integers(min_value=0)), st.sampled_from([["h1"], ["h1", "h2"]])
)
def test_undo_mirrors_each_lanes_started_steps_in_reverse(layout, failing, hosts):
    final, world, journal = asyncio.run(run_job(job_steps(layout, failing, hosts)))

    def per_lane(event: StepEvent) -> dict[str, list[str]]:
        lanes: dict[str, list[str]] = {}
        for entry in journal:
            if entry.event is event:
                lanes.setdefault(entry.lane, []).append(entry.step)
        return lanes

    started, undone = per_lane(StepEvent.STARTED), per_lane(StepEvent.UNDONE)
    if failing is None:
        assert (JobState.SUCCEEDED, {}) == (final.state, undone)
    else:
        reversed_started = {lane: steps[::-1] for lane, steps in started.items()}
        assert (JobState.FAILED, reversed_started, set()) == (final.state, undone, world.effects)
    assert len(set(world.calls_of("apply"))) == len(world.calls_of("apply"))
