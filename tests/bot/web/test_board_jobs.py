"""The board tells a job's status as the CLI does: a job no runner holds is `interrupted` (its
Bobs in the making too, and its page says both ways on), and a create's page says which hosts
placement skipped and why."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.provision import Caller, submit_create
from handlers.requests import CreateBobs
from provisioning.core.plan import plan_create
from provisioning.records import JobState, NewJob
from provisioning.store import SqlStore
from tests.bot.web.site import board_site, settings_for
from tests.fleets import make_fleet

FLEET = make_fleet(((2,), (2,)))
CALLER = Caller("tester", "web", "127.0.0.1", "create 1")


async def pages(tmp_path: Path, *paths: str, job_from=None) -> list[str]:
    store = await SqlStore.open(settings_for(FLEET, tmp_path).database_url)
    try:
        job_id = await job_from(store)
        async with board_site(tmp_path, FLEET, store=store) as site:
            got = [await site.get(path.format(job=job_id)) for path in paths]
        assert [200] * len(paths) == [status for status, _ in got]
        return [job_id] + [page for _, page in got]
    finally:
        await store.close()


async def left_by_a_dead_runner(store: SqlStore) -> str:
    job, _ = await store.reserve(NewJob(kind="create"), lambda held: plan_create(FLEET, held, 1))
    await store.claim_job(job.id, "bob@gone:1", timedelta(0))
    await store.set_job_state(job.id, JobState.RUNNING)
    return job.id


async def test_a_job_no_runner_holds_is_interrupted_on_the_board(tmp_path: Path) -> None:
    job_id, board, jobs, job = await pages(
        tmp_path, "/", "/jobs", "/jobs/{job}", job_from=left_by_a_dead_runner
    )

    assert re.search(
        r'<li class="slot bob state-interrupted"[^>]*><span class="name">bob001', board
    )
    assert '<td class="state-interrupted">interrupted</td>' in jobs
    assert 'id="job-state">interrupted</strong>' in job
    assert f"`bob cancel {job_id}` rolls it back" in job


async def cooling_host_a_then_create(store: SqlStore) -> str:
    until = datetime.now(UTC) + timedelta(minutes=10)
    await store.update_host_state(
        "host-a",
        lambda s: s.model_copy(
            update={"failures": 3, "cooling_until": until, "last_error": "CommandFailed: no dir"}
        ),
    )
    job, _ = await submit_create(FLEET, store, CreateBobs(count=1), CALLER)
    return job.id


async def test_a_creates_page_says_which_hosts_it_skipped_and_why(tmp_path: Path) -> None:
    _, job = await pages(tmp_path, "/jobs/{job}", job_from=cooling_host_a_then_create)

    skipped = re.search(r'<pre class="skipped" id="job-skipped">(.*?)</pre>', job, re.S)
    assert skipped is not None
    assert re.fullmatch(
        r"  skipped host-a: cooling down until \d\d:\d\d:\d\d UTC after 3 failures "
        r"\(last: CommandFailed: no dir\)",
        skipped.group(1),
    )
