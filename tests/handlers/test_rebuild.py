"""rebuild-base requests: which hosts, how many at once, the dry run and the submitted job."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.provision import Caller
from handlers.rebuild import plan_rebuild, select_hosts, submit_rebuild
from handlers.render import render_rebuild_plan
from handlers.requests import RebuildBase, build
from provisioning.bases.versions import STATE_SCRIPT
from provisioning.errors import UsageError
from provisioning.fakes import FakeShell
from provisioning.hosts.errors import HostError, HostUnreachable
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


class Hosts:
    """Each host's shell, answering the bases script with what its base lxcpath holds."""

    def __init__(self, **listings: str | HostError) -> None:
        self.shells: dict[str, FakeShell] = {}
        for host, listing in listings.items():
            shell = FakeShell(host)
            if isinstance(listing, HostError):
                shell.on("sh", "-c", STATE_SCRIPT, raises=listing)
            else:
                shell.on("sh", "-c", STATE_SCRIPT, stdout=listing)
            self.shells[host] = shell

    def get(self, host: str) -> FakeShell:
        return self.shells[host]


async def test_the_dry_run_says_what_the_job_would_build_on_each_host_as_the_host_is(store):
    await store.record_base("host-a", 4)  # the records may be behind or ahead: the host decides
    hosts = Hosts(
        # the legacy base, and a v2 a failed rebuild left: numbers are never reused
        **{"host-a": "version base\nversion base-v2\n", "host-c": "version base\n"}
    )

    plan = await plan_rebuild(FLEET, store, RebuildBase(), hosts)

    assert [
        "would rebuild the base on 2 host(s), one host at a time, stopping at the first failure:",
        "  host-a: v1 → v3 from rootfs / (rsync, 13 excludes) (overlay), verify, swap, "
        "collect unused old versions",
        "  host-c: v1 → v2 from rootfs / (rsync, 13 excludes) (overlay), verify, swap, "
        "collect unused old versions",
        "  skipped (drained; name them to include): host-b",
    ] == render_rebuild_plan(plan).splitlines()


async def test_the_dry_run_says_where_the_job_would_stop(store):
    hosts = Hosts(
        **{
            "host-a": "version base-v2\ncurrent base-v2\nlock job=0123abcd version=3\n",
            "host-b": HostUnreachable(
                host="host-b", address="10.0.0.2", port=22, reason="connection refused"
            ),
        }
    )

    plan = await plan_rebuild(FLEET, store, RebuildBase(hosts=("host-a", "host-b")), hosts)

    assert [
        "  host-a: job 0123abcd is rebuilding the base already; if it is not running, remove "
        "/var/lib/bob/base/.bob-rebuild; the job would stop here",
        "  host-b: cannot read its bases (cannot reach 10.0.0.2:22: connection "
        "refused); the job would stop here",
    ] == render_rebuild_plan(plan).splitlines()[1:]


async def test_the_dry_run_changes_nothing(store):
    await plan_rebuild(FLEET, store, RebuildBase(), Hosts(**{h: "" for h in ("host-a", "host-c")}))

    assert ([], []) == (await store.list_jobs(), await store.audit_log())


async def test_submitting_records_a_job_with_the_hosts_in_order_and_an_audit_entry(store):
    job = await submit_rebuild(FLEET, store, RebuildBase(parallel=2), CALLER)

    audit = await store.audit_log()
    assert (REBUILD_BASE, {"hosts": ["host-a", "host-c"], "parallel": 2}) == (job.kind, job.params)
    assert [("submitted", f"job {job.id}: host-a, host-c (drained, skipped: host-b)")] == [
        (e.outcome, e.detail) for e in audit
    ]


async def test_a_request_naming_an_unknown_host_is_audited_as_such_and_makes_no_job(store):
    with pytest.raises(UsageError):
        await submit_rebuild(FLEET, store, RebuildBase(hosts=("host-z",)), CALLER)

    assert ([], ["unknown-host"]) == (
        await store.list_jobs(),
        [e.outcome for e in await store.audit_log()],
    )
