"""The Attach form, the Jenkins column and the job page of an attach, against the Jenkins double.

Three ready Bobs on one host; controller ``ci-main`` (labels heavy and light) is the
protocol-faithful Jenkins double on loopback. Everything goes over real HTTP to the board.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from handlers.jenkins import submit_attach
from handlers.requests import AttachBobs
from provisioning.config.models import AgentLauncher
from provisioning.store import SqlStore
from tests.bot.web.site import Site, board_site, settings_for
from tests.bot.web.sse_client import collect_until
from tests.fleets import make_fleet
from tests.handlers.jenkins_world import CALLER, TOKEN_ENV, controller, seed_ready
from tests.jenkins_double import JenkinsDouble

LIGHT_2 = {"controller": "ci-main", "label": "light", "count": "2"}


@asynccontextmanager
async def attach_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    double: JenkinsDouble | None = None,
    launcher: AgentLauncher | None = None,
) -> AsyncIterator[tuple[Site, JenkinsDouble]]:
    server = (double or JenkinsDouble()).start()
    monkeypatch.setenv(TOKEN_ENV, server.tokens["admin"])
    fleet = make_fleet(((2, 2),)).model_copy(
        update={"jenkins": (controller(server.url, launcher),)}
    )
    store = await SqlStore.open(settings_for(fleet, tmp_path).database_url)
    try:
        await seed_ready(store, fleet, 3)
        async with board_site(tmp_path, fleet, store=store) as site:
            yield site, server
    finally:
        await store.close()
        server.stop()


async def attach_two(site: Site) -> str:
    """Attach 2 light through the form; the job id, once the job has ended."""
    response = await site.post("/attach", LIGHT_2)
    assert 303 == response.status
    job_id = response.headers["Location"].removeprefix("/jobs/")
    await site.jobs.wait()
    return job_id


async def test_the_attach_preview_names_the_bobs_it_would_take_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with attach_site(tmp_path, monkeypatch) as (site, double):
        status, page = await site.get("/attach?controller=ci-main&label=light&count=2")
        jobs = await site.rt.store.list_jobs()
    assert 200 == status
    plan = re.search(r'<pre class="plan" id="attach-plan">(.*?)</pre>', page, re.S)
    assert plan is not None
    assert "attach 2 of 2 to ci-main with label light" in plan.group(1)
    assert ["bob001", "bob002"] == re.findall(r"(bob\d+) on host-a", plan.group(1))
    assert {} == double.nodes
    assert ["create"] == [j.kind for j in jobs]  # only the seeding's


async def test_attach_from_the_form_registers_the_agents_and_opens_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with attach_site(tmp_path, monkeypatch) as (site, double):
        job_id = await attach_two(site)
        status, page = await site.get(f"/jobs/{job_id}")
    assert 200 == status
    assert 'id="job-state">succeeded<' in page
    assert ["bob001", "bob002"] == re.findall(r'class="lane" data-lane="(bob\d+)"', page)
    assert {"bob001": "light", "bob002": "light"} == {n: x.label for n, x in double.nodes.items()}


async def test_the_board_has_a_column_per_controller_with_its_agents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with attach_site(tmp_path, monkeypatch) as (site, _):
        await attach_two(site)
        _, board = await site.get("/")
    column = re.search(r'data-controller="ci-main">(.*?)</section>', board, re.S)
    assert column is not None
    assert ["bob001", "bob002"] == re.findall(r'data-agent="(bob\d+)"', column.group(1))
    # Inbound agents stay offline until an agent process connects: the double has none.
    assert '<span class="agent">ci-main/light (offline)</span>' in board


async def test_filtering_by_controller_dims_the_bobs_it_does_not_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with attach_site(tmp_path, monkeypatch) as (site, _):
        await attach_two(site)
        _, fragment = await site.get("/board/fragment?controller=ci-main")
    dimmed = re.findall(r'<li class="slot bob state-ready( dim)?" data-bob="(bob\d+)"', fragment)
    assert [("", "bob001"), ("", "bob002"), (" dim", "bob003")] == dimmed


async def test_a_failed_attach_page_tells_the_failure_and_the_undo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the ssh-slaves plugin the controller cannot make an SSH agent: the job fails."""
    no_ssh = JenkinsDouble(ssh_plugin=False)
    ssh = AgentLauncher(type="ssh", credentials_id="bob-key")
    async with attach_site(tmp_path, monkeypatch, no_ssh, ssh) as (site, double):
        job_id = await attach_two(site)
        _, page = await site.get(f"/jobs/{job_id}")
    assert 'id="job-state">failed<' in page
    assert "unable to resolve class hudson.plugins.sshslaves.SSHLauncher" in page
    assert re.search(r'class="lane-state state-undone">undone<', page)
    assert {} == double.nodes


async def test_the_job_stream_tells_the_story_live_then_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with attach_site(tmp_path, monkeypatch) as (site, _):
        rt = site.rt
        request = AttachBobs(count=2, controller="ci-main", label="light")
        job, _ = await submit_attach(rt.settings.fleet, rt.store, rt.jenkins, request, CALLER)
        async with site.http.get(f"{site.url}/jobs/{job.id}/events") as stream:
            assert "text/event-stream" == stream.headers["Content-Type"]
            first = await collect_until(stream, "job")
            run = asyncio.create_task(rt.runner.run(job.id))
            rest = await collect_until(stream, "end")
            await run
    assert 'id="job-state">pending<' in first[0].data
    stories = [m.data for m in rest if m.event == "job"]
    assert len(stories) >= 2  # the page changed while the job ran, not only at the end
    assert 'id="job-state">succeeded<' in stories[-1]
    assert "succeeded" == rest[-1].data


async def test_the_board_stream_says_changed_when_a_job_moves_something(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        attach_site(tmp_path, monkeypatch) as (site, _),
        site.http.get(f"{site.url}/board/events") as stream,
    ):
        # Subscribed before the headers were sent: nothing published from here is missed.
        response = await site.post("/attach", LIGHT_2)
        changed = await collect_until(stream, "changed", timeout=10)
        await site.jobs.wait()
    assert 303 == response.status
    assert "changed" == changed[-1].event


async def test_an_unknown_job_is_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with attach_site(tmp_path, monkeypatch) as (site, _):
        page, _ = await site.get("/jobs/00000000")
        stream, _ = await site.get("/jobs/00000000/events")
        malformed, _ = await site.get("/jobs/not-a-job")
    assert (404, 404, 404) == (page, stream, malformed)


async def test_a_burst_of_board_refreshes_asks_the_controllers_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with attach_site(tmp_path, monkeypatch) as (site, double):
        before = len(double.scripts)
        for _ in range(3):
            await site.get("/board/fragment")
        asked = len(double.scripts) - before
    assert 1 == asked
