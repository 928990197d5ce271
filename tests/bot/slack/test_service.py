"""The service behind the Bolt app: jobs it starts, how it stops, the confirmations' clock.

Stopping: running jobs get a grace period, then stop journaled, resumable at once. The service
runs scripted jobs through the real runner and store; threads go to the fake Slack over HTTP.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.access import Gate
from bot.slack.blocks import CONFIRM_ACTION
from bot.slack.buttons import answer
from bot.slack.commands import Invocation, Reply, handle
from bot.slack.confirm import Confirmations
from bot.slack.deliver import Poster
from bot.slack.mentions import answer_mention
from bot.slack.serve import SlackSecrets, web_client
from bot.slack.service import BobService
from handlers.provision import Caller
from handlers.requests import DestroyBobs
from provisioning.config.models import AccessControl
from provisioning.hosts.ssh import HostPool
from provisioning.jobs import JobRunner, ProgressBus
from provisioning.records import JobState, NewJob, StepEvent
from provisioning.store import SqlStore
from tests.fleets import make_fleet
from tests.provisioning.jobs.scripted import KIND, World, params, scripted_kinds, step
from tests.slack_fake import BOT_TOKEN, FakeSlack

CALLER = Caller("UALICE", "slack", "CBOBS", "test")


class NoGroups:
    async def members(self, group: str) -> frozenset[str]:
        return frozenset()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    fake: FakeSlack
    store: SqlStore
    world: World
    service: BobService
    clock: Clock

    def runner(self, owner: str) -> JobRunner:
        return JobRunner(self.store, scripted_kinds(self.world), ProgressBus(), owner=owner)


@pytest.fixture
async def rig(tmp_path):
    fake = await FakeSlack().start()
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    world = World()
    bus = ProgressBus()
    runner = JobRunner(store, scripted_kinds(world), bus, owner="serving")
    settings = Settings(make_fleet(), "test", "unused", tmp_path)
    clock = Clock()
    client = web_client(SlackSecrets(BOT_TOKEN, "", None, fake.api_url))
    service = BobService(
        Runtime(settings, store, None, bus, runner, {}, HostPool(settings.fleet.hosts)),
        Poster(client, first_backoff_s=0.05),
        Gate(AccessControl(), NoGroups()),
        Confirmations(ttl_s=300, clock=clock),
        update_interval_s=0.1,
    )
    try:
        yield Rig(fake, store, world, service, clock)
    finally:
        await store.close()
        await fake.stop()


async def test_a_job_that_finishes_within_the_grace_period_finishes(rig):
    job = await rig.store.create_job(NewJob(kind=KIND, params=params(step("a", delay=0.2))))
    rig.service.start_job(job.id, CALLER, "CBOBS")
    await rig.world.wait_reached("a")

    await rig.service.shutdown(grace_s=5)

    assert JobState.SUCCEEDED == (await rig.store.get_job(job.id)).state


async def test_a_job_still_running_after_the_grace_period_is_left_for_the_next_start(rig):
    steps = params(step("clone", block=True), step("start"))
    job = await rig.store.create_job(NewJob(kind=KIND, params=steps))
    rig.service.start_job(job.id, CALLER, "CBOBS")
    await rig.world.wait_reached("clone")

    await rig.service.shutdown(grace_s=0.2)

    stopped = await rig.store.get_job(job.id)
    assert not stopped.state.finished
    assert [("clone", StepEvent.STARTED)] == [
        (e.step, e.event) for e in await rig.store.journal(job.id)
    ]
    parent = rig.fake.top_level("CBOBS")[0]
    assert "bob is stopping; this job will resume when it is back" == (
        rig.fake.thread(parent.ts)[-1].text
    )
    # The lease was given back: the next bob resumes it at once, not after 30 s.
    rig.world.gate("clone").set()
    resumed = await asyncio.wait_for(rig.runner("next-start").resume_unfinished(), 5)
    assert [JobState.SUCCEEDED] == [j.state for j in resumed]


async def test_no_command_is_taken_once_stopping(rig):
    await rig.service.shutdown(grace_s=0)
    reply = await handle(Invocation(rig.service, "UALICE", "CBOBS", "jobs"))

    assert ("bob is restarting; try again in a minute", False) == (reply.text, reply.ok)


async def test_a_job_another_replica_holds_is_left_to_it_and_the_thread_says_so(rig):
    job = await rig.store.create_job(NewJob(kind=KIND, params=params(step("a"))))
    await rig.store.claim_job(job.id, "other-replica", timedelta(minutes=1))

    rig.service.start_job(job.id, CALLER, "CBOBS")
    await asyncio.wait_for(rig.service.wait_idle(), 5)

    parent = rig.fake.top_level("CBOBS")[0]
    assert rig.fake.thread(parent.ts)[-1].text.startswith(
        f"this job did not run here: job {job.id} is held by other-replica until"
    )
    assert [] == rig.world.calls


async def test_a_click_after_expiry_is_refused_even_before_the_expiry_timer_ran(rig):
    pending = rig.service.confirmations.add(
        requester="UALICE",
        channel="CBOBS",
        command="destroy",
        text="destroy bob001",
        request=DestroyBobs(names=("bob001",)),
        question="destroy bob001?",
    )
    rig.clock.now += 301

    said = await answer(rig.service, CONFIRM_ACTION, pending.token, "UALICE", "CBOBS")

    assert "This confirmation has expired. Nothing was done." == said
    assert rig.service.confirmations.get(pending.token) is None
    assert [] == await rig.store.list_jobs()
    assert ["expired"] == [e.outcome for e in await rig.store.audit_log()]


async def test_a_mention_that_starts_a_job_is_answered_in_its_thread_with_a_link_to_the_job(rig):
    job = await rig.store.create_job(NewJob(kind=KIND, params=params(step("clone"))))
    mention_ts = "1700000000.000009"
    inv = Invocation(rig.service, "UALICE", "CBOBS", "<@UBOB> make a bob")
    rig.service.start_job(job.id, CALLER, "CBOBS")

    said = Reply(f"job {job.id}: creating 1 Bob", job_id=job.id)
    await answer_mention(rig.service, inv, said, mention_ts)
    await asyncio.wait_for(rig.service.wait_idle(), 5)

    job_message = rig.fake.top_level("CBOBS")[0]
    assert [
        f"job {job.id}: creating 1 Bob\n"
        f"<{rig.fake.permalink('CBOBS', job_message.ts)}|the job's progress>"
    ] == [m.text for m in rig.fake.thread(mention_ts)]


async def test_a_mention_answered_after_its_job_ended_still_links_to_the_job(rig):
    # A quick job can end before the mention's answer looks for its message: the link must
    # not depend on the job still running, only on its message being in the channel.
    job = await rig.store.create_job(NewJob(kind=KIND, params=params(step("clone"))))
    inv = Invocation(rig.service, "UALICE", "CBOBS", "<@UBOB> make a bob")
    rig.service.start_job(job.id, CALLER, "CBOBS")
    await asyncio.wait_for(rig.service.wait_idle(), 5)

    said = Reply(f"job {job.id}: creating 1 Bob", job_id=job.id)
    await asyncio.wait_for(answer_mention(rig.service, inv, said, "1700000000.000019"), 5)

    job_message = rig.fake.top_level("CBOBS")[0]
    assert [
        f"job {job.id}: creating 1 Bob\n"
        f"<{rig.fake.permalink('CBOBS', job_message.ts)}|the job's progress>"
    ] == [m.text for m in rig.fake.thread("1700000000.000019")]
