"""`/metrics` on the board's server, over a real SQLite store: what each gauge reads, how jobs
are counted whatever events they sent, and the board's login guarding it off loopback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.web import Access
from provisioning.jobs import JobFinished, StepFinished
from provisioning.records import BobState, JobState, NewJob
from provisioning.store import OutboxMessage
from tests.bot.metrics.scrape import Scrape, labels
from tests.bot.web.site import Site, board_site
from tests.fleets import make_fleet
from tests.handlers.jenkins_world import TOKEN_ENV, controller, seed_ready
from tests.jenkins_double import JenkinsDouble
from tests.ports import free_port

FLEET = make_fleet(((2, 3), (2,)))


async def scrape(site: Site) -> Scrape:
    status, text = await site.get("/metrics")
    assert 200 == status, text
    return Scrape.parse(text)


async def test_bobs_are_counted_by_host_and_state_and_the_rest_of_each_host_is_free(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        await seed_ready(site.rt.store, FLEET, 3)  # placement order: host-a's disks first
        await site.rt.store.set_bob_state("bob003", BobState.DESTROYING)
        got = await scrape(site)

    assert {
        labels(host="host-a", state="ready"): 2,
        labels(host="host-a", state="destroying"): 1,
    } == {k: v for k, v in got.series("bob_bobs").items() if v}
    assert 0 == got.get("bob_bobs", host="host-b", state="ready")  # every state is there
    assert {labels(host="host-a"): 2, labels(host="host-b"): 2} == got.series("bob_free_slots")


async def test_the_slack_backlog_counts_messages_whose_latest_text_slack_does_not_have(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        store = site.rt.store
        lease = timedelta(minutes=1)
        messages = [OutboxMessage(key, "C1", "text", []) for key in ("a", "b")]
        await store.outbox_put(messages, "me", lease)
        empty = await scrape(site)  # premise: written, nothing sent
        await store.outbox_sent("a", 1, "1.0")
        one = await scrape(site)
        await store.outbox_put([OutboxMessage("a", "C1", "edited", [])], "me", lease)
        edited = await scrape(site)

    assert [2, 1, 2] == [s.get("bob_slack_outbox_backlog") for s in (empty, one, edited)]


async def test_each_controller_is_up_when_it_answers_and_down_when_it_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    server = JenkinsDouble().start()
    monkeypatch.setenv(TOKEN_ENV, server.tokens["admin"])
    answers = controller(server.url)
    gone = answers.model_copy(update={"name": "ci-gone", "url": f"http://127.0.0.1:{free_port()}"})
    fleet = FLEET.model_copy(update={"jenkins": (answers, gone)})
    try:
        async with board_site(tmp_path, fleet) as site:
            got = await scrape(site)
    finally:
        server.stop()

    assert {labels(controller="ci-main"): 1, labels(controller="ci-gone"): 0} == got.series(
        "bob_controller_up"
    )


async def test_a_job_that_ends_before_it_starts_is_counted_under_its_kind(tmp_path):
    # A job whose steps cannot be rebuilt ends with job.finished and no job.started.
    async with board_site(tmp_path, FLEET) as site:
        job = await site.rt.store.create_job(
            NewJob(kind="rebuild-base", params={}, requested_by="t", source="test")
        )
        await site.rt.bus.publish(JobFinished(job_id=job.id, state=JobState.FAILED, duration_s=0))
        got = await scrape(site)

    assert {labels(kind="rebuild-base", outcome="failed"): 1} == got.series("bob_jobs_total")


async def test_a_skipped_step_is_not_observed_and_a_local_step_is_labelled_local(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        for outcome, host in (("skipped", "host-a"), ("succeeded", None)):
            await site.rt.bus.publish(
                StepFinished(
                    job_id="j1",
                    step="reserve",
                    lane="bob001",
                    host=host,
                    index=0,
                    outcome=outcome,
                    duration_s=0.2,
                )
            )
        got = await scrape(site)

    count = "bob_step_duration_seconds_count"
    assert {labels(step="reserve", host="local", outcome="succeeded"): 1} == got.series(count)
    assert 1 == got.get(
        "bob_step_duration_seconds_bucket", step="reserve", host="local", outcome="succeeded",
        le="0.25",
    )  # fmt: skip


async def test_off_loopback_the_metrics_need_the_boards_login(tmp_path):
    access = Access(login_required=True, password="s3cret")
    async with board_site(tmp_path, FLEET, access) as site:
        refused, _ = await site.get("/metrics")
        allowed, text = await site.get("/metrics", headers={"Authorization": "Bearer s3cret"})

    assert (401, 200) == (refused, allowed)
    assert "bob_free_slots" in text
