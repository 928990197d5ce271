"""`/metrics` scraped as Prometheus would, on a real sandbox fleet, around two creates made on
the board: one that succeeds on host-a and one that fails on host-b (its bridge disappears when
the Bob starts, as in the pipeline's fault drills).

The counters and the step histogram move by exactly what the jobs' journals say happened; the
gauges read the store as it is after each job.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from provisioning.config import load_fleet
from provisioning.core.models import PlannedBob
from provisioning.records import JobState, JournalEntry, StepEvent
from tests.bot.metrics.scrape import Scrape, labels
from tests.bot.web.site import Site, board_site
from tests.bot.web.test_browser import destroy_all
from tests.provisioning.pipeline.faults import BridgeRenamed, inject_at
from tests.sandbox.fixtures import require_sandbox, sandbox_fleet

pytestmark = pytest.mark.slow

STEP = "bob_step_duration_seconds"


async def scrape(site: Site) -> Scrape:
    status, text = await site.get("/metrics")
    assert 200 == status, text
    return Scrape.parse(text)


async def make_on(site: Site, host: str) -> str:
    """Make it for one Bob on ``host``; the job id once the job is over."""
    response = await site.post("/make", {"count": "1", "host": host})
    assert 303 == response.status, await response.text()
    await site.jobs.wait()
    return response.headers["Location"].rsplit("/", 1)[1]


def steps_in(journal: list[JournalEntry]) -> Counter[tuple[str, str, str]]:
    """(step, host, outcome) of every step that ran to an end, as the histogram labels them."""
    ended = (e for e in journal if e.event in (StepEvent.SUCCEEDED, StepEvent.FAILED))
    return Counter((e.step, e.host or "local", e.event.value) for e in ended)


def observed(after: Scrape, before: Scrape) -> Counter[tuple[str, str, str]]:
    moved = after.minus(before, STEP + "_count")
    return Counter(
        {(dict(k)["step"], dict(k)["host"], dict(k)["outcome"]): int(n) for k, n in moved.items()}
    )


async def test_a_create_and_a_failed_create_move_the_counters_and_the_histogram(
    tmp_path: Path,
) -> None:
    require_sandbox()
    async with sandbox_fleet(tmp_path / "sandbox", hosts=2) as info:
        fleet = load_fleet(info.config_path)
        capacity = {h.name: sum(d.max_bobs for d in h.disks) for h in fleet.hosts}
        async with board_site(tmp_path, fleet) as site:
            store = site.rt.store
            try:
                start = await scrape(site)
                made = await make_on(site, "host-a")
                after_made = await scrape(site)
                # The next Bob's bridge is renamed away when its start begins; healed once
                # the start has failed, so the job's undo meets a host that works again.
                victim = PlannedBob.model_construct(name="bob002", host="host-b")
                injection = inject_at(site.rt.bus, info, victim, "start", BridgeRenamed())
                try:
                    failed = await make_on(site, "host-b")
                finally:
                    await injection.heal()
                after_failed = await scrape(site)
                made_journal, failed_journal = (
                    await store.journal(made),
                    await store.journal(failed),
                )
                states = (await store.get_job(made)).state, (await store.get_job(failed)).state
            finally:
                await destroy_all(site.rt)

    assert (JobState.SUCCEEDED, JobState.FAILED) == states
    assert injection.injected
    jobs = "bob_jobs_total"
    assert {labels(kind="create", outcome="succeeded"): 1} == after_made.minus(start, jobs)
    assert {labels(kind="create", outcome="failed"): 1} == after_failed.minus(after_made, jobs)

    # Every step that ended is one observation, labelled with its step, host and outcome.
    assert steps_in(made_journal) == observed(after_made, start)
    assert steps_in(failed_journal) == observed(after_failed, after_made)
    assert ("start", "host-b", "failed") in steps_in(failed_journal)
    # A step that runs nothing on a host is labelled local, not with its Bob's host.
    assert ("reserve", "local", "succeeded") in steps_in(made_journal)
    assert ("clone", "host-a", "succeeded") in steps_in(made_journal)
    # The time observed is at least the journal's (the event is timed just after the entry).
    for before, after, journal in (
        (start, after_made, made_journal),
        (after_made, after_failed, failed_journal),
    ):
        spent = sum(
            e.duration_s or 0
            for e in journal
            if e.event is not StepEvent.STARTED
            and e.event in (StepEvent.SUCCEEDED, StepEvent.FAILED)
        )
        moved = sum(after.minus(before, STEP + "_sum").values())
        assert spent > 0
        assert moved >= spent

    # The gauges: the made Bob is ready on host-a and takes a slot; the failed one left nothing.
    assert 1 == after_failed.get("bob_bobs", host="host-a", state="ready")
    assert 0 == sum(
        v for k, v in after_failed.series("bob_bobs").items() if dict(k)["host"] == "host-b"
    )
    assert capacity["host-a"] - 1 == after_failed.get("bob_free_slots", host="host-a")
    assert capacity["host-b"] == after_failed.get("bob_free_slots", host="host-b")
    assert 0 == after_failed.get("bob_slack_outbox_backlog")
