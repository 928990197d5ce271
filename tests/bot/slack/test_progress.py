"""A job's Slack thread, fed by the real job runner and delivered over HTTP to the fake Slack.

The jobs are scripted (tests/provisioning/jobs/scripted.py) so a test can make steps slow or
failing at will; everything between the runner and Slack is bob's real code.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.slack.deliver import Poster
from bot.slack.outbox import Courier
from bot.slack.progress import JobThread
from bot.slack.serve import RATE_LIMIT_RETRIES, SlackSecrets, web_client
from handlers.cancel import cancel_job
from handlers.provision import Caller
from handlers.requests import CancelJob
from provisioning.core.models import CreatePlan
from provisioning.core.plan import plan_create
from provisioning.jobs import JobRunner, ProgressBus
from provisioning.records import JobRecord, JobState, NewJob, StepEvent
from provisioning.store import SqlStore
from tests.fleets import make_fleet
from tests.provisioning.jobs.scripted import KIND, World, params, scripted_kinds, step
from tests.slack_fake import BOT_TOKEN, FakeSlack

CHANNEL = "CBOBS"
ASKER, ASKED = "UDEV", "create 3"
BOARD = "https://bob.example.org"


@dataclass
class Rig:
    fake: FakeSlack
    store: SqlStore
    runner: JobRunner
    bus: ProgressBus
    courier: Courier
    world: World

    def thread(self, job_id: str, interval_s: float) -> JobThread:
        self.courier.interval_s = interval_s
        return JobThread(
            self.courier,
            CHANNEL,
            job_id,
            interval_s=interval_s,
            facts=self.store,
            requested_by=ASKER,
            command=ASKED,
            job_url=f"{BOARD}/jobs/{job_id}",
        )

    async def run(
        self, *steps: dict[str, Any], interval_s: float = 0.2
    ) -> tuple[JobRecord, JobThread, asyncio.Task[None]]:
        """Run a scripted job with a thread; the job's final record once it has finished
        (its thread may still be delivering)."""
        job = await self.store.create_job(NewJob(kind=KIND, params=params(*steps)))
        thread = self.thread(job.id, interval_s)
        self.bus.subscribe(thread)
        delivery = asyncio.create_task(thread.deliver())
        return await self.runner.run(job.id), thread, delivery

    async def start(
        self, job: JobRecord, interval_s: float = 0.2
    ) -> tuple[JobThread, asyncio.Task[None]]:
        thread = self.thread(job.id, interval_s)
        self.bus.subscribe(thread)
        return thread, asyncio.create_task(thread.deliver())

    def messages(self, thread: JobThread) -> list[str]:
        """The parent's text, then every reply's."""
        return [self.parent(thread), *self.replies(thread)]

    def parent(self, thread: JobThread) -> str:
        assert thread.ts is not None
        return self.fake.messages[thread.ts].text

    def replies(self, thread: JobThread) -> list[str]:
        assert thread.ts is not None
        return [m.text for m in self.fake.thread(thread.ts)]


@pytest.fixture
async def rig(tmp_path) -> AsyncIterator[Rig]:
    fake = await FakeSlack().start()
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    client = web_client(SlackSecrets(BOT_TOKEN, "", None, fake.api_url))
    bus = ProgressBus()
    world = World()
    runner = JobRunner(store, scripted_kinds(world), bus, owner="test")
    poster = Poster(client, first_backoff_s=0.05)
    courier = Courier(store, poster, "test", interval_s=0.2, first_backoff_s=0.05)
    delivering = asyncio.create_task(courier.run())
    try:
        yield Rig(fake, store, runner, bus, courier, world)
    finally:
        delivering.cancel()
        await asyncio.gather(delivering, return_exceptions=True)
        await store.close()
        await fake.stop()


def three_bobs(delay: float = 0.05) -> list[dict[str, Any]]:
    return [
        step(f"{what}-{bob}", lane=bob, host="host-a", delay=delay)
        for bob in ("bob001", "bob002", "bob003")
        for what in ("clone", "start")
    ]


async def test_the_parent_ends_with_the_final_state_and_a_full_bar(rig):
    job, thread, delivery = await rig.run(*three_bobs())
    await asyncio.wait_for(delivery, 10)

    assert JobState.SUCCEEDED == job.state
    assert [
        "<@UDEV>: create 3 — succeeded",
        f"{'█' * 20} 100%",
        "bob001     done             host-a",
        "bob002     done             host-a",
        "bob003     done             host-a",
        f"job <{BOARD}/jobs/{job.id}|{job.id}>",
    ] == rig.parent(thread).splitlines()


async def test_each_bob_done_is_a_thread_reply_and_the_last_reply_has_the_timings(rig):
    _job, thread, delivery = await rig.run(*three_bobs())
    await asyncio.wait_for(delivery, 10)

    replies = rig.replies(thread)
    assert 4 == len(replies)
    assert {
        ":white_check_mark: bob001 done on host-a",
        ":white_check_mark: bob002 done on host-a",
        ":white_check_mark: bob003 done on host-a",
    } == {r.rsplit(" (", 1)[0] for r in replies[:3]}
    final = replies[-1].splitlines()
    assert final[0].startswith("<@UDEV>: create 3 — succeeded in ")
    assert "done: bob001, bob002, bob003" == final[1]
    assert final[2].startswith("bob001 (done): clone-bob001 0.")
    assert "start-bob001 0." in final[2]


async def test_summary_edits_are_coalesced_to_one_per_interval(rig):
    slow = [step(f"s{i}", lane=f"bob00{i % 3}", host="host-a", delay=0.06) for i in range(24)]

    _job, _, delivery = await rig.run(*slow, interval_s=0.3)
    await asyncio.wait_for(delivery, 10)

    updates = rig.fake.calls_to("chat.update")
    gaps = [b.at - a.at for a, b in itertools.pairwise(updates)]
    assert gaps
    assert min(gaps) >= 0.3
    # 48 step events would be 48 edits without coalescing.
    assert len(updates) < 15
    assert "<@UDEV>: create 3 — succeeded" in updates[-1].params["text"]


async def test_a_429_on_chat_update_is_retried_after_retry_after(rig):
    rig.fake.fail("chat.update", times=1, retry_after=1)

    _job, thread, delivery = await rig.run(*three_bobs())
    await asyncio.wait_for(delivery, 15)

    statuses = [c.status for c in rig.fake.calls_to("chat.update", ok_only=False)]
    refused, retried = rig.fake.calls_to("chat.update", ok_only=False)[:2]
    assert 429 == statuses[0]
    assert 200 in statuses[1:]
    assert retried.at - refused.at >= 1.0
    assert rig.parent(thread).startswith("<@UDEV>: create 3 — succeeded")


async def test_a_rate_limit_longer_than_the_clients_retries_still_delivers_the_last_state(rig):
    rig.fake.fail("chat.update", times=RATE_LIMIT_RETRIES + 3, retry_after=0)

    _job, thread, delivery = await rig.run(*three_bobs())
    await asyncio.wait_for(delivery, 15)

    assert RATE_LIMIT_RETRIES + 3 == len(
        [c for c in rig.fake.calls_to("chat.update", ok_only=False) if c.status == 429]
    )
    assert rig.parent(thread).startswith("<@UDEV>: create 3 — succeeded")


# What a failed `apt-get` in a Bob looks like: the command line is long, the reason is short.
LONG_COMMAND = "host-a: `lxc-attach -n bob002 -- sh -c '" + "apt-get install -y x; " * 20 + "'`"
REASON = "E: Unable to locate package jenkins-agent"


async def test_a_failure_is_told_once_in_one_short_reply_linking_the_job_page(rig):
    steps = [
        *(step("clone", lane=bob, host="host-a") for bob in ("bob001", "bob002", "bob003")),
        step(
            "start",
            lane="bob002",
            host="host-a",
            delay=0.1,
            fail=f"{LONG_COMMAND} exited 100: {REASON}",
            stderr=f"Reading package lists...\n{REASON}\n",
        ),
    ]

    job, thread, delivery = await rig.run(*steps)
    await asyncio.wait_for(delivery, 10)

    assert JobState.FAILED == job.state
    failures = [r for r in rig.replies(thread) if r.startswith(":x:")]
    assert [
        f":x: bob002 failed at `start` on host-a: {REASON}\n"
        f"full text: <{BOARD}/jobs/{job.id}|the job page>"
    ] == failures
    assert 1 == sum(m.count("Unable to locate package") for m in rig.messages(thread))
    assert [] == [m for m in rig.messages(thread) if "apt-get install" in m]


async def test_undo_is_summed_up_and_rolled_back_bobs_are_not_shown_at_their_last_step(rig):
    steps = [
        step("clone", lane="bob001", host="host-a"),
        step("clone", lane="bob002", host="host-a", delay=0.1, fail="clone failed", stderr="x"),
    ]

    job, thread, delivery = await rig.run(*steps)
    await asyncio.wait_for(delivery, 10)

    assert JobState.FAILED == job.state
    assert [
        "bob001     rolled back      host-a",
        "bob002     failed, rolled back host-a",
    ] == rig.parent(thread).splitlines()[2:4]
    final = rig.replies(thread)[-1].splitlines()
    assert "bob001 and bob002 rolled back, nothing left" in final
    assert [] == [r for r in rig.replies(thread) if "undoing" in r]


async def test_a_cancelled_job_reads_as_cancelled_and_names_who_cancelled_it(rig):
    job = await rig.store.create_job(
        NewJob(kind=KIND, params=params(step("clone", lane="bob001", host="host-a", block=True)))
    )
    thread, delivery = await rig.start(job)
    running = asyncio.create_task(rig.runner.run(job.id))
    await rig.world.wait_reached("clone")

    canceller = Caller("UCAROL", "slack", CHANNEL, f"cancel {job.id}")
    await cancel_job(rig.store, CancelJob(job_id=job.id), canceller, datetime.now(UTC))
    await rig.runner.cancel(job.id)
    final_job = await asyncio.wait_for(running, 10)
    await asyncio.wait_for(delivery, 10)

    assert JobState.CANCELLED == final_job.state
    assert "<@UDEV>: create 3 — cancelled by <@UCAROL>" == rig.parent(thread).splitlines()[0]
    assert rig.replies(thread)[-1].startswith("<@UDEV>: create 3 — cancelled by <@UCAROL> in ")


# The bound: a 17-Bob job's thread is its parent, ceil(17 / BATCH_SIZE) = 4 replies
# of Bobs ready, and the final summary.
MOST_MESSAGES_OF_17 = 6


async def seventeen_bobs(rig: Rig, failing: int = 0) -> tuple[JobRecord, CreatePlan]:
    """A scripted job over 17 Bobs reserved in the store (names, hosts and addresses); the
    last ``failing`` of them fail to start, each the same way. Lanes fail alone, as creates do."""
    fleet = make_fleet(((10, 10),))
    plan = plan_create(fleet, [], 17)
    broken = {"fail": f"{LONG_COMMAND} exited 100: {REASON}", "stderr": REASON}
    steps = [
        step(what, lane=bob.name, host=bob.host, delay=0.01 * (n % 4),
             **(broken if what == "start" and n >= 17 - failing else {}))
        for n, bob in enumerate(plan.bobs)
        for what in ("clone", "start")
    ]  # fmt: skip
    return await rig.store.reserve(
        NewJob(kind=KIND, params=params(*steps, lanes_fail="alone")),
        lambda held: plan_create(fleet, held, 17),
    )


async def test_a_17_bob_job_has_a_short_thread_and_every_check_carries_the_address(rig):
    job, plan = await seventeen_bobs(rig)
    thread, delivery = await rig.start(job)

    assert JobState.SUCCEEDED == (await rig.runner.run(job.id)).state
    await asyncio.wait_for(delivery, 10)

    messages = rig.messages(thread)
    assert len(messages) <= MOST_MESSAGES_OF_17, messages
    checks = [line for m in messages[1:] for line in m.splitlines() if ":white_check_mark:" in line]
    assert sorted(f"{b.name} done on {b.host} at {b.ip}" for b in plan.bobs) == sorted(
        re.sub(r"^:white_check_mark: | \(\d+\.\ds\)$", "", line) for line in checks
    )


async def test_a_17_bob_jobs_summary_gives_each_steps_median_and_slowest_not_a_line_per_bob(rig):
    job, _ = await seventeen_bobs(rig)
    thread, delivery = await rig.start(job)
    await rig.runner.run(job.id)
    await asyncio.wait_for(delivery, 10)

    final = rig.replies(thread)[-1].splitlines()
    assert final[0].startswith("<@UDEV>: create 3 — succeeded in ")
    assert ["clone", "start"] == [line.split()[0] for line in final[2:]]
    assert all(re.fullmatch(r"\S+ +median \d+\.\d\ds  slowest \d+\.\d\ds \(bob0\d\d\)", line)
               for line in final[2:]), final  # fmt: skip


async def test_slack_down_mid_job_does_not_stop_the_job_and_the_summary_comes_later(rig):
    job_steps = three_bobs(delay=0.1)
    job_record = await rig.store.create_job(NewJob(kind=KIND, params=params(*job_steps)))
    thread = rig.thread(job_record.id, 0.2)
    rig.bus.subscribe(thread)
    delivery = asyncio.create_task(thread.deliver())
    await rig.fake.wait_for(lambda: thread.ts)
    rig.fake.down = True

    job = await asyncio.wait_for(rig.runner.run(job_record.id), 10)
    journal = await rig.store.journal(job.id)
    down_while_job_ran = not delivery.done()
    rig.fake.down = False
    await asyncio.wait_for(delivery, 10)

    assert (JobState.SUCCEEDED, True) == (job.state, down_while_job_ran)
    assert 6 == len([e for e in journal if e.event is StepEvent.SUCCEEDED])
    assert any(c.status == 503 for c in rig.fake.calls)
    assert rig.replies(thread)[-1].startswith("<@UDEV>: create 3 — succeeded")
    assert rig.parent(thread).startswith("<@UDEV>: create 3 — succeeded")


async def test_every_message_has_blocks_and_a_plain_text_fallback(rig):
    _, _, delivery = await rig.run(*three_bobs())
    await asyncio.wait_for(delivery, 10)

    sent = rig.fake.calls_to("chat.postMessage") + rig.fake.calls_to("chat.update")
    assert [] == [c.method for c in sent if not c.params.get("text") or not c.params.get("blocks")]
    sections = [
        block["text"]["text"]
        for call in sent
        for block in call.params["blocks"]
        if block["type"] == "section"
    ]
    assert sections
    assert all(0 < len(text) <= 3000 for text in sections)


async def test_a_running_steps_latest_output_line_shows_in_the_parent_until_the_step_ends(rig):
    output = "I: Retrieving InRelease\nI: Retrieving Release"
    build = step("build", lane="rebuild", host="host-a", log=output, block=True)
    job = await rig.store.create_job(NewJob(kind=KIND, params=params(build)))
    thread = rig.thread(job.id, 0.2)
    rig.bus.subscribe(thread)
    delivery = asyncio.create_task(thread.deliver())
    running = asyncio.create_task(rig.runner.run(job.id))

    async with asyncio.timeout(10):
        while thread.ts is None or "| I: Retrieving Release" not in rig.parent(thread):
            await asyncio.sleep(0.05)
    rig.world.gate("build").set()
    await running
    await asyncio.wait_for(delivery, 10)

    assert "I: Retrieving" not in rig.parent(thread)
    assert [] == [r for r in rig.replies(thread) if "I: Retrieving" in r]


async def test_a_17_bob_job_where_9_fail_alike_tells_the_error_once_in_a_short_thread(rig):
    job, plan = await seventeen_bobs(rig, failing=9)
    thread, delivery = await rig.start(job)

    assert JobState.FAILED == (await rig.runner.run(job.id)).state
    await asyncio.wait_for(delivery, 10)

    messages = rig.messages(thread)
    # The parent, 2 batches of Bobs ready (5 + 3), 2 of failures (5 + 4), the final summary.
    assert len(messages) <= MOST_MESSAGES_OF_17, messages
    assert 1 == sum(m.count("Unable to locate package") for m in messages)
    failed = [line for m in messages[1:] for line in m.splitlines() if line.startswith(":x:")]
    named = {n for line in failed for n in re.findall(r"bob\d{3}", line)}
    assert {b.name for b in plan.bobs[8:]} == named
    final = messages[-1].splitlines()
    assert "done: bob001, bob002, bob003, bob004, bob005, bob006, bob007, bob008" == final[1]
    assert (
        "bob009, bob010, bob011, bob012, bob013, bob014, bob015, bob016 and bob017 rolled back, "
        "nothing left"
    ) == final[2]
