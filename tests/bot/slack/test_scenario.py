"""The whole story on the real sandbox fleet: "/bob create 3" in Slack makes three real Bobs.

One scenario runs once for the module — a signed /bob create 3 over HTTP, then a destroy of
the three through its confirmation (another user's click refused first) — and each test
checks one thing it left behind: the ack and the answer at the command's response_url, the
Slack calls, the thread, the hosts (seen over the sandbox's own SSH with lxc-info, never
through bob).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.slack.blocks import CONFIRM_ACTION
from provisioning.records import AuditEntry, JobRecord
from sandbox import SandboxInfo
from tests.bot.slack.harness import options, slack_bot, with_access
from tests.provisioning.pipeline.observe import Found, clear_bobs, containers
from tests.provisioning.pipeline.runtime import fleet_variant
from tests.sandbox.fixtures import own_fleet
from tests.slack_fake import Call, Message

pytestmark = pytest.mark.slow

NAMES = ["bob001", "bob002", "bob003"]


@dataclass
class Story:
    ack_status: int
    ack: dict[str, Any]
    ack_latency_s: float
    job: JobRecord
    parent: Message
    replies: list[Message]
    updates: list[Call]
    rate_limited: list[Call]
    created: list[Found]
    refused_click: list[Call]
    after_destroy: list[Found]
    destroy_job: JobRecord
    audit: list[AuditEntry]


# Each Bob's bootstrap takes twice as many seconds as its number: bob001 is ready after ~2 s,
# bob003 after ~6 s, so the summary changes often enough to show how edits are paced.
STAGGERED_BOOTSTRAP = ["sh", "-c", "sleep $(( $(hostname | cut -c6) * 2 ))"]


async def tell_the_story(info: SandboxInfo, directory: Path) -> Story:
    fleet = with_access(fleet_variant(info, directory, bootstrap=STAGGERED_BOOTSTRAP))
    async with slack_bot(fleet, directory, options=options(update_interval_s=1.0)) as bob:
        # Slack rate-limits the first summary edit; the thread must still end right.
        bob.fake.fail("chat.update", times=1, retry_after=1)
        started = time.monotonic()
        status, _, token = await bob.send("create 3", user="UALICE")
        latency = time.monotonic() - started
        ack = await bob.fake.wait_for(lambda: bob.fake.answers.get(token))
        await bob.idle()
        job_id = re.match(r"job (\w+):", ack["text"])
        assert job_id is not None, ack
        job = await bob.store.get_job(job_id[1])
        parent = bob.fake.top_level("CBOBS")[0]
        replies = bob.fake.thread(parent.ts)
        updates = [c for c in bob.fake.calls_to("chat.update") if c.params["ts"] == parent.ts]
        limited = [c for c in bob.fake.calls if c.status == 429]
        created = await asyncio.to_thread(containers, info)

        calls_before = len(bob.fake.calls)
        await bob.command("destroy " + " ".join(NAMES), user="UALICE")
        question = await bob.fake.wait_for(lambda: bob.fake.top_level("CBOBS")[1:])
        actions = next(b for b in question[0].blocks if b["type"] == "actions")
        token = actions["elements"][0]["value"]
        await bob.click(CONFIRM_ACTION, token, user="UCAROL")
        refused = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postEphemeral"))
        await bob.click(CONFIRM_ACTION, token, user="UALICE")
        await bob.fake.wait_for(lambda: len(bob.fake.top_level("CBOBS")) == 3)
        await bob.idle()
        destroy_job = (await bob.store.list_jobs(1))[0]
        after = await asyncio.to_thread(containers, info)
        assert calls_before < len(bob.fake.calls)
        return Story(
            status,
            ack,
            latency,
            job,
            parent,
            replies,
            updates,
            limited,
            created,
            refused,
            after,
            destroy_job,
            await bob.audit(),
        )


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    with own_fleet(tmp_path_factory, "slack-sandbox", "overlay", hosts=2) as info:
        try:
            yield asyncio.run(tell_the_story(info, tmp_path_factory.mktemp("slack-bob")))
        finally:
            clear_bobs(info)


def test_the_command_is_acked_at_once_and_answered_with_the_job_id(story: Story):
    assert 200 == story.ack_status
    assert (
        f"job {story.job.id}: creating 3 Bobs (bob001, bob002, bob003); "
        "progress follows in the channel"
    ) == story.ack["text"]
    assert story.ack_latency_s < 3.0


def test_the_job_succeeds(story: Story):
    assert ("succeeded", None) == (story.job.state.value, story.job.error)


def test_the_three_bobs_really_run_on_the_hosts(story: Story):
    assert [(name, "RUNNING") for name in NAMES] == sorted(
        (found.name, found.state) for found in story.created
    )


def test_one_parent_message_ends_with_every_bob_ready(story: Story):
    assert [
        "<@UALICE>: create 3 — succeeded",
        f"{'█' * 20} 100%",
        "bob001     ready            host-a  ADDRESS",
        "bob002     ready            host-a  ADDRESS",
        "bob003     ready            host-a  ADDRESS",
        f"job {story.job.id}",
    ] == [re.sub(r"10\.250\.\d+\.\d+$", "ADDRESS", line) for line in story.parent.text.splitlines()]


def test_the_summary_is_edited_at_most_once_a_second(story: Story):
    gaps = [b.at - a.at for a, b in itertools.pairwise(story.updates)]
    assert len(story.updates) >= 3
    assert all(gap >= 1.0 for gap in gaps), gaps


def test_the_rate_limited_edit_was_retried(story: Story):
    assert ["chat.update"] == [c.method for c in story.rate_limited]
    assert story.updates[0].at - story.rate_limited[0].at >= 1.0


def test_the_thread_has_a_reply_per_ready_bob_in_the_order_they_became_ready(story: Story):
    milestones = [re.sub(r" \(\d+\.\d+s\)$", "", m.text) for m in story.replies[:-1]]
    assert [f":white_check_mark: {n} ready on host-a at ADDRESS" for n in NAMES] == [
        re.sub(r"10\.250\.\d+\.\d+$", "ADDRESS", m) for m in milestones
    ]


def test_the_final_summary_lists_the_ready_bobs_with_step_timings(story: Story):
    final = story.replies[-1].text.splitlines()
    assert final[0].startswith("<@UALICE>: create 3 — succeeded in ")
    assert "ready: bob001, bob002, bob003" == final[1]
    for name, line in zip(NAMES, final[2:5], strict=True):
        assert re.fullmatch(rf"{name} \(ready\): (\S+ \d+\.\d\ds  ?)+\S+ \d+\.\d\ds", line), line


def test_a_confirm_click_by_another_user_is_refused(story: Story):
    assert (
        "Only <@UALICE> or an admin may answer this. Nothing was done."
        == (story.refused_click[0].params["text"])
    )


def test_the_requesters_confirm_destroys_the_bobs(story: Story):
    assert ("destroy", "succeeded") == (story.destroy_job.kind, story.destroy_job.state.value)
    assert [] == story.after_destroy


def test_the_audit_log_tells_who_did_what(story: Story):
    assert [
        ("UALICE", "submitted"),
        ("UALICE", "succeeded"),
        ("UALICE", "awaiting-confirmation"),
        ("UCAROL", "refused"),
        ("UALICE", "confirmed"),
        ("UALICE", "submitted"),
        ("UALICE", "succeeded"),
    ] == [(e.actor, e.outcome) for e in story.audit]
