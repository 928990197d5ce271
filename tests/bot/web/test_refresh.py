"""Refreshing Bobs from the board: stale Bobs (and their hosts) offer a refresh link; it shows
the plan and a confirm button first, and only a POST with the session's CSRF token starts the
job. (The refresh job itself runs on the real sandbox:
tests/provisioning/pipeline/test_refresh.py.)"""

from __future__ import annotations

import re

from provisioning.core.plan import plan_create
from provisioning.records import BobState, NewJob
from provisioning.store import SqlStore
from tests.bot.web.site import Site, board_site
from tests.fleets import make_fleet

FLEET = make_fleet(((3,), (2,)))


async def stale_bobs(store: SqlStore) -> None:
    """bob001 and bob002 from base v1 on host-a, whose base is v2 now; bob003 from v2."""
    _, plan = await store.reserve(
        NewJob(kind="create"), lambda held: plan_create(FLEET, held, 3, host="host-a")
    )
    for name, version in zip(plan.names, (1, 1, 2), strict=True):
        await store.promote_reservation(name, BobState.READY, base_version=version)
    await store.record_base("host-a", 2)


async def refresh_jobs(site: Site) -> list[list[str]]:
    jobs = await site.rt.store.list_jobs()
    return [[b["name"] for b in j.params["bobs"]] for j in jobs if j.kind == "refresh"]


async def test_stale_bobs_and_their_host_offer_a_refresh(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        await stale_bobs(site.rt.store)
        _, page = await site.get("/")

        links = re.findall(r'<a class="refresh" href="([^"]+)"', page)
        assert [
            "/refresh?stale=1&amp;host=host-a",
            "/refresh?names=bob001",
            "/refresh?names=bob002",
        ] == links


async def test_the_refresh_link_shows_the_plan_and_a_confirm_button_first(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        await stale_bobs(site.rt.store)
        status, page = await site.get("/refresh?stale=1&host=host-a")

        assert 200 == status
        assert "would refresh 2 Bobs (one at a time), same name and address:" in page
        assert "bob001 on host-a/disk1 10.250.1.2: v1 → v2" in page
        assert 'id="confirm-refresh"' in page
        assert '<input type="hidden" name="stale" value="1">' in page
        assert [] == await refresh_jobs(site)


async def test_an_unknown_bob_is_refused_on_the_plan_page(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        status, page = await site.get("/refresh?names=bob404")

        assert 400 == status
        assert "no Bob named bob404" in page


async def test_confirming_without_the_csrf_token_starts_nothing(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        await stale_bobs(site.rt.store)
        response = await site.post("/refresh", {"stale": "1"}, token=None)

        assert 403 == response.status
        assert [] == await refresh_jobs(site)


async def test_confirming_starts_a_refresh_job_and_opens_its_page(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        await stale_bobs(site.rt.store)
        response = await site.post("/refresh", {"stale": "1", "host": "host-a"})

        jobs = [j for j in await site.rt.store.list_jobs() if j.kind == "refresh"]
        assert 303 == response.status
        assert [["bob001", "bob002"]] == await refresh_jobs(site)
        assert f"/jobs/{jobs[0].id}" == response.headers["Location"]
