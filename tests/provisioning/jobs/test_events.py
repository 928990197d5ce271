"""Progress events: what Slack threads, the CLI and the dashboard see, in the order it happens."""

import asyncio

from pydantic import TypeAdapter

from provisioning.jobs.events import Event, JobFinished, JobStarted, StepLog
from provisioning.records import JobState, StepEvent
from tests.provisioning.jobs.journal import pairs
from tests.provisioning.jobs.scripted import params, step


def outline(events: list[Event]) -> list[tuple[str, str | None]]:
    return [(e.type, getattr(e, "step", None)) for e in events]


async def test_a_successful_job_publishes_its_events_in_order(runner, submit, events):
    job = await submit(params(step("clone"), step("start")))

    await runner.run(job.id)

    assert [
        ("job.started", None),
        ("step.started", "clone"),
        ("step.finished", "clone"),
        ("step.started", "start"),
        ("step.finished", "start"),
        ("job.finished", None),
    ] == outline(events)


async def test_a_failed_job_publishes_the_failure_then_the_undo(runner, submit, events):
    job = await submit(params(step("clone"), step("start", fail="no init")))

    await runner.run(job.id)

    assert [
        ("job.started", None),
        ("step.started", "clone"),
        ("step.finished", "clone"),
        ("step.started", "start"),
        ("step.finished", "start"),
        ("undo.started", None),
        ("step.undone", "start"),
        ("step.undone", "clone"),
        ("job.finished", None),
    ] == outline(events)
    assert (["succeeded", "failed"], JobState.FAILED) == (
        [e.outcome for e in events if e.type == "step.finished"],
        events[-1].state,
    )


async def test_job_started_tells_the_lanes_and_the_step_count(runner, submit, events):
    job = await submit(params(step("a1", lane="a"), step("b1", lane="b"), step("a2", lane="a")))

    await runner.run(job.id)

    assert (
        JobStarted(
            job_id=job.id,
            at=events[0].at,
            kind="scripted",
            lanes=("a", "b"),
            total_steps=3,
            resumed=False,
        )
        == events[0]
    )


async def test_every_event_carries_the_job_id_and_a_utc_time(runner, submit, events):
    job = await submit(params(step("clone")))

    await runner.run(job.id)

    assert {(job.id, 0.0)} == {(e.job_id, e.at.utcoffset().total_seconds()) for e in events}


async def test_a_failing_subscriber_does_not_break_the_job_or_other_subscribers(
    runner, submit, bus, events
):
    async def broken(event):
        raise RuntimeError("slack is down")

    bus.subscribe(broken)
    job = await submit(params(step("clone")))

    final = await runner.run(job.id)

    assert (JobState.SUCCEEDED, 4) == (final.state, len(events))


async def test_an_unsubscribed_callback_hears_nothing_more(runner, submit, bus, events):
    heard = []

    async def listener(event):
        heard.append(event)

    bus.subscribe(listener)
    bus.unsubscribe(listener)
    job = await submit(params(step("clone")))

    await runner.run(job.id)

    assert [] == heard


async def test_a_step_log_line_is_journaled_and_published(runner, submit, store, events):
    job = await submit(
        params(step("converge", lane="bob001", log="chef-client: 12 resources updated"))
    )

    await runner.run(job.id)

    assert [("converge", "chef-client: 12 resources updated")] == [
        (e.step, e.detail) for e in await store.journal(job.id) if e.event is StepEvent.LOG
    ]
    assert [("converge", "bob001", "chef-client: 12 resources updated")] == [
        (e.step, e.lane, e.line) for e in events if isinstance(e, StepLog)
    ]


async def test_log_lines_sit_between_the_steps_started_and_succeeded(runner, submit, store):
    job = await submit(params(step("converge", log="running")))

    await runner.run(job.id)

    assert [("converge", "started"), ("converge", "log"), ("converge", "succeeded")] == pairs(
        await store.journal(job.id)
    )


async def test_a_stream_for_one_job_yields_its_events_and_ends_when_it_finishes(
    runner, submit, bus
):
    job = await submit(params(step("clone")))
    stream = bus.stream(job.id)
    task = asyncio.create_task(runner.run(job.id))

    received = [event async for event in stream]

    await task
    assert (["job.started", "step.started", "step.finished", "job.finished"], JobFinished) == (
        [e.type for e in received],
        type(received[-1]),
    )


async def test_a_stream_ignores_other_jobs(runner, submit, bus):
    other = await submit(params(step("other")))
    job = await submit(params(step("clone")))
    stream = bus.stream(job.id)

    await runner.run(other.id)
    await runner.run(job.id)

    assert {job.id} == {event.job_id async for event in stream}


async def test_events_survive_a_json_round_trip(runner, submit, events):
    job = await submit(params(step("clone", log="hi"), step("start", fail="x")))
    await runner.run(job.id)
    adapter = TypeAdapter(Event)

    assert events == [adapter.validate_json(adapter.dump_json(e)) for e in events]


async def test_an_event_is_published_only_once_the_journal_holds_it(runner, submit, store, bus):
    seen = []

    async def look_at_the_journal(event):
        if event.type in ("step.started", "step.finished"):
            seen.append((event.type, (await store.journal(event.job_id))[-1].event.value))

    bus.subscribe(look_at_the_journal)
    job = await submit(params(step("clone")))

    await runner.run(job.id)

    assert [("step.started", "started"), ("step.finished", "succeeded")] == seen
