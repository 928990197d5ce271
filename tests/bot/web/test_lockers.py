"""Lockers on the board: the panel lists each locker and where it is mounted; its forms go
through the same checks as the CLI (a refusal names the reason and starts no job); only a POST
with the session's CSRF token changes anything. (The locker jobs themselves run on the real
sandbox: tests/provisioning/lockers/test_sandbox_lockers.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

from provisioning.lockers.records import LockerRecord, MountRecord
from tests.bot.web.site import board_site
from tests.fleets import make_fleet

FLEET = make_fleet(((3,), (2,)))


async def a_mounted_locker(site) -> None:
    store = site.rt.store
    made = datetime.now(UTC)
    await store.add_locker(
        LockerRecord(name="cache", host="host-a", backend="dir", job_id="j", created_at=made)
    )
    await store.add_locker_mount(MountRecord(locker="cache", bob="bob001", job_id="j"))


async def test_the_panel_lists_lockers_and_where_they_are_mounted(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        await a_mounted_locker(site)
        status, page = await site.get("/lockers")

        assert 200 == status
        assert "cache" in page
        assert "mounted in bob001" in page
        assert 'id="locker-mount"' in page
        assert '<a href="/lockers">Lockers</a>' in page


async def test_a_refused_change_says_why_and_starts_no_job(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        await a_mounted_locker(site)
        response = await site.post("/lockers", {"action": "destroy", "name": "cache", "yes": "1"})
        assert 400 == response.status
        _, page = await site.get("/lockers")  # still listed, still mounted
        assert "mounted in bob001" in page

        unticked = await site.post("/lockers", {"action": "destroy", "name": "cache"})
        assert 400 == unticked.status
        assert [] == await site.rt.store.list_jobs()


async def test_a_change_without_the_sessions_token_is_refused(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        form = {"action": "create", "name": "data", "host": "host-a"}
        response = await site.post("/lockers", form, token=None)
        assert response.status in (400, 403)
        assert [] == await site.rt.store.list_jobs()


async def test_a_valid_change_becomes_a_locker_job_and_opens_its_page(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        form = {"action": "create", "name": "data", "host": "host-b", "size": "5G"}
        response = await site.post("/lockers", form)

        [job] = await site.rt.store.list_jobs()
        assert 303 == response.status
        assert f"/jobs/{job.id}" == response.headers["Location"]
        assert "locker-create" == job.kind
        assert {"name": "data", "host": "host-b", "size": "5G"} == job.params["locker"]
        await site.jobs.wait()  # the hosts are not there: it fails, and is undone, at once
