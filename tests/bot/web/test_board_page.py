"""The board page over real HTTP: hosts out of placement are marked, filters narrow the view,
and the Make it form is pre-filled with the planner's next name and place."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.hosts import drain_host
from provisioning.store import SqlStore
from tests.bot.web.site import board_site, settings_for
from tests.fleets import make_fleet
from tests.handlers.jenkins_world import CALLER, seed_ready

# host-a: room; host-b: drained by an operator; host-c: cooling down; host-d: drained in config
FLEET = make_fleet(((1, 1), (2,), (2,), (2,)), drained=["host-d"])


def host_section(page: str, host: str) -> str:
    found = re.search(rf'<section class="([^"]*)" data-host="{host}">(.*?)</section>', page, re.S)
    assert found is not None, f"no section for {host}"
    return f"{found.group(1)} | {found.group(2)}"


async def board_of_a_fleet_with_unavailable_hosts(tmp_path: Path, path: str) -> str:
    store = await SqlStore.open(settings_for(FLEET, tmp_path).database_url)
    try:
        await seed_ready(store, FLEET, 1)  # bob001 on host-a/disk1
        await drain_host(FLEET, store, "host-b", CALLER, reason="new disks")
        until = datetime.now(UTC) + timedelta(minutes=10)
        await store.update_host_state(
            "host-c",
            lambda s: s.model_copy(
                update={"failures": 3, "cooling_until": until, "last_error": "ssh: timeout"}
            ),
        )
        async with board_site(tmp_path, FLEET, store=store) as site:
            status, page = await site.get(path)
        assert 200 == status
        return page
    finally:
        await store.close()


async def test_hosts_out_of_placement_are_marked_with_the_reason(tmp_path: Path) -> None:
    page = await board_of_a_fleet_with_unavailable_hosts(tmp_path, "/")
    marks = {
        host: re.findall(r'<span class="mark (\w+)">([^<]*)</span>', host_section(page, host))
        for host in ("host-a", "host-b", "host-c", "host-d")
    }
    assert [] == marks["host-a"]
    assert [("drained", "drained by tester: new disks")] == marks["host-b"]
    assert "cooling" == marks["host-c"][0][0]
    assert marks["host-c"][0][1].startswith("cooling down until")
    assert [("drained", "drained in the config")] == marks["host-d"]


async def test_capacity_is_shown_per_host_and_per_disk(tmp_path: Path) -> None:
    page = await board_of_a_fleet_with_unavailable_hosts(tmp_path, "/")
    host_a = host_section(page, "host-a")
    assert '<meter min="0" max="2" value="1"></meter> 1/2 used, 1 free' in host_a
    assert re.search(r'data-disk="disk1">\s*<h3>disk1 <meter min="0" max="1" value="1">', host_a)


async def test_make_it_is_prefilled_with_the_next_name_and_the_first_place_with_room(
    tmp_path: Path,
) -> None:
    page = await board_of_a_fleet_with_unavailable_hosts(tmp_path, "/")
    assert 'id="next-name" value="bob002"' in page
    assert 'id="next-where" value="host-a/disk2"' in page


async def test_the_state_filter_leaves_out_hosts_without_a_match(tmp_path: Path) -> None:
    page = await board_of_a_fleet_with_unavailable_hosts(tmp_path, "/?state=ready")
    assert ["host-a"] == re.findall(r'data-host="([^"]+)">', page)


async def test_the_host_filter_shows_that_host_only(tmp_path: Path) -> None:
    page = await board_of_a_fleet_with_unavailable_hosts(tmp_path, "/?host=host-c")
    assert ["host-c"] == re.findall(r'data-host="([^"]+)">', page)


async def test_make_it_beyond_the_room_left_says_so_and_reserves_nothing(tmp_path: Path) -> None:
    async with board_site(tmp_path, make_fleet(((1, 1),))) as site:
        response = await site.post("/make", {"count": "3"})
        async with site.http.post(
            site.url + "/make", data={"count": "3", "csrf_token": await site.csrf()}
        ) as again:
            page = await again.text()
        jobs = await site.rt.store.list_jobs()
        held = await site.rt.store.list_reservations()
    assert 400 == response.status
    assert re.search(r'<p class="problem" id="plan-problem">[^<]*\b2\b[^<]*</p>', page)
    assert ([], []) == (jobs, held)
