"""rebuild-base requests: which hosts, how many at once, the dry run and the submitted job."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.provision import Caller
from handlers.rebuild import plan_rebuild, select_hosts, submit_rebuild
from handlers.render import render_rebuild_plan
from handlers.requests import RebuildBase, build
from provisioning.errors import UsageError
from provisioning.pipeline.kinds import REBUILD_BASE, rebuild_lanes
from provisioning.store import SqlStore
from tests.fleets import make_fleet

FLEET = make_fleet([(4,), (4,), (4,)], drained=["host-b"])
CALLER = Caller(actor="tester", source="test", origin="pytest", command="rebuild-base")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    try:
        yield store
    finally:
        await store.close()


def test_all_hosts_means_every_host_that_is_not_drained():
    assert (["host-a", "host-c"], ["host-b"]) == select_hosts(FLEET, RebuildBase())


def test_a_drained_host_is_rebuilt_when_named():
    assert (["host-b"], []) == select_hosts(FLEET, RebuildBase(hosts=("host-b",)))


def test_named_hosts_go_in_config_order():
    assert ["host-a", "host-c"] == select_hosts(FLEET, RebuildBase(hosts=("host-c", "host-a")))[0]


def test_an_unknown_host_is_refused_naming_the_known_ones():
    with pytest.raises(UsageError, match="no host named host-z in the config"):
        select_hosts(FLEET, RebuildBase(hosts=("host-z",)))


@pytest.mark.parametrize("parallel", [0, 17])
def test_parallel_is_between_1_and_16(parallel):
    with pytest.raises(UsageError, match="parallel: must be a whole number from 1 to 16"):
        build(RebuildBase, parallel=parallel)


@pytest.mark.parametrize(
    ("parallel", "lanes"),
    [
        (1, ["rebuild", "rebuild", "rebuild"]),
        (2, ["rebuild-1", "rebuild-2", "rebuild-1"]),
        (5, ["rebuild-1", "rebuild-2", "rebuild-3"]),
    ],
)
def test_hosts_are_dealt_into_parallel_lanes_each_taking_its_hosts_one_by_one(parallel, lanes):
    assert lanes == list(rebuild_lanes(["h1", "h2", "h3"], parallel).values())


async def test_the_dry_run_says_what_would_happen_on_each_host(store):
    await store.record_base("host-a", 4)

    plan = await plan_rebuild(FLEET, store, RebuildBase())

    assert [
        "would rebuild the base on 2 host(s), one host at a time, stopping at the first failure:",
        "  host-a: v4 → v5 from rootfs / (rsync, 13 excludes) (overlay), verify, swap, "
        "collect unused old versions",
        "  host-c: v? → the next version from rootfs / (rsync, 13 excludes) (overlay), verify, "
        "swap, collect unused old versions",
        "  skipped (drained; name them to include): host-b",
    ] == render_rebuild_plan(plan).splitlines()


async def test_the_dry_run_changes_nothing(store):
    await plan_rebuild(FLEET, store, RebuildBase())

    assert ([], []) == (await store.list_jobs(), await store.audit_log())


async def test_submitting_records_a_job_with_the_hosts_in_order_and_an_audit_entry(store):
    job = await submit_rebuild(FLEET, store, RebuildBase(parallel=2), CALLER)

    audit = await store.audit_log()
    assert (REBUILD_BASE, {"hosts": ["host-a", "host-c"], "parallel": 2}) == (job.kind, job.params)
    assert [("submitted", f"job {job.id}: host-a, host-c (drained, skipped: host-b)")] == [
        (e.outcome, e.detail) for e in audit
    ]


async def test_a_refused_request_is_audited_and_makes_no_job(store):
    with pytest.raises(UsageError):
        await submit_rebuild(FLEET, store, RebuildBase(hosts=("host-z",)), CALLER)

    assert ([], ["refused"]) == (
        await store.list_jobs(),
        [e.outcome for e in await store.audit_log()],
    )
