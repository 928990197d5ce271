"""Rebuilding the base from the board: the plan and a confirm button first; only a POST with
the session's CSRF token starts the job. Slots show each Bob's base version and mark stale ones."""

from __future__ import annotations

import re

from provisioning.core.plan import plan_create
from provisioning.records import BobState, NewJob
from provisioning.store import SqlStore
from tests.bot.web.site import board_site, settings_for
from tests.fleets import make_fleet

FLEET = make_fleet(((2,), (2,)), drained=["host-b"])


async def test_the_rebuild_link_shows_the_plan_and_a_confirm_button_first(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        status, page = await site.get("/rebuild-base?hosts=host-a")

        assert 200 == status
        assert "would rebuild the base on 1 host(s), one host at a time" in page
        assert 'id="confirm-rebuild"' in page
        assert '<input type="hidden" name="hosts" value="host-a">' in page
        assert [] == await site.rt.store.list_jobs()


async def test_rebuilding_all_skips_a_drained_host_and_says_so(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        _, page = await site.get("/rebuild-base")

        assert "skipped (drained; name them to include): host-b" in page


async def test_an_unknown_host_is_refused_on_the_plan_page(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        status, page = await site.get("/rebuild-base?hosts=host-z")

        assert 400 == status
        assert "no host named host-z in the config" in page


async def test_confirming_without_the_csrf_token_starts_nothing(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        response = await site.post("/rebuild-base", {"hosts": "host-a"}, token=None)

        assert 403 == response.status
        assert [] == await site.rt.store.list_jobs()


async def test_confirming_starts_a_rebuild_job_and_opens_its_page(tmp_path):
    async with board_site(tmp_path, FLEET) as site:
        response = await site.post("/rebuild-base", {"hosts": "host-a"})

        jobs = await site.rt.store.list_jobs()
        assert 303 == response.status
        assert [("rebuild-base", {"hosts": ["host-a"], "parallel": 1})] == [
            (j.kind, j.params) for j in jobs
        ]
        assert f"/jobs/{jobs[0].id}" == response.headers["Location"]


async def test_slots_show_the_base_version_and_mark_stale_bobs(tmp_path):
    store = await SqlStore.open(settings_for(FLEET, tmp_path).database_url)
    try:
        await store.reserve(
            NewJob(kind="create", params={}, requested_by="t", source="test"),
            lambda held: plan_create(FLEET, held, 2),
        )
        await store.promote_reservation("bob001", BobState.READY, base_version=1)
        await store.promote_reservation("bob002", BobState.READY, base_version=2)
        await store.record_base("host-a", 2)
        async with board_site(tmp_path, FLEET, store=store) as site:
            _, page = await site.get("/")
    finally:
        await store.close()

    assert "host-a <small>dc1 · overlay · base v2</small>" in page
    slots = dict(re.findall(r'data-bob="(bob\d+)"[^>]*>(.*?)</li>', page))
    assert '<span class="base">base v1</span>' in slots["bob001"]
    assert 'class="stale"' in slots["bob001"]
    assert '<span class="base">base v2</span>' in slots["bob002"]
    assert "stale" not in slots["bob002"]
