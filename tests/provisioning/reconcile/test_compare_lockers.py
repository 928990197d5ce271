"""The reconciler's locker differences, one kind at a time (pure: a Truth in, findings out).

Lockers outlive Bobs, so each is reported with no repair: nothing a reconcile --fix would do
may delete a locker's data.
"""

from __future__ import annotations

from datetime import UTC, datetime

from provisioning.lockers.records import LockerRecord, MountRecord
from provisioning.reconcile.compare import compare
from provisioning.reconcile.model import HostScan, Kind, SeenContainer, Truth
from provisioning.reconcile.scan import parse
from provisioning.records import JobRecord, JobState
from tests.fleets import make_fleet
from tests.provisioning.reconcile.test_compare import bob

NOW = datetime(2026, 11, 22, tzinfo=UTC)
FLEET = make_fleet([(4,), (4,)])


def locker(name: str, host: str = "host-a") -> LockerRecord:
    return LockerRecord(name=name, host=host, backend="dir", job_id="j1", created_at=NOW)


def mount(name: str, into: str) -> MountRecord:
    return MountRecord(locker=name, bob=into, job_id="j2")


def scan(lockers=(), mounts=(), bobs=("bob001",)) -> HostScan:
    containers = [SeenContainer("disk1", n, "RUNNING", "j0") for n in bobs]
    return HostScan(containers, {}, lockers=set(lockers), locker_mounts=set(mounts))


def found(truth: Truth) -> list[tuple[Kind, str, str | None]]:
    return [(f.kind, f.subject, f.host) for f in compare(FLEET, truth) if "locker" in f.kind]


def truth(hosts, lockers=(), mounts=(), bobs=None, unfinished=()) -> Truth:
    return Truth(
        bobs=[bob("bob001")] if bobs is None else list(bobs),
        reservations=[],
        unfinished=list(unfinished),
        finished_jobs=set(),
        hosts=hosts,
        lockers=list(lockers),
        mounts=list(mounts),
        read_at=NOW,
    )


def test_lockers_where_the_records_say_are_no_difference():
    seen = {"host-a": scan(["cache"], [("bob001", "cache")])}
    assert found(truth(seen, [locker("cache")], [mount("cache", "bob001")])) == []


def test_a_recorded_mount_the_host_does_not_have_is_reported():
    seen = {"host-a": scan(["cache"])}
    t = truth(seen, [locker("cache")], [mount("cache", "bob001")])
    assert found(t) == [(Kind.LOCKER_MOUNT_MISSING, "cache", "host-a")]
    [finding] = [f for f in compare(FLEET, t) if f.kind is Kind.LOCKER_MOUNT_MISSING]
    assert finding.repair is None
    assert "bob locker unmount cache bob001" in finding.detail


def test_a_locker_no_record_knows_is_reported_unless_a_job_is_making_it():
    seen = {"host-a": scan(["stray"])}
    assert found(truth(seen)) == [(Kind.LOCKER_WITHOUT_RECORD, "stray", "host-a")]
    making = JobRecord(
        id="j9",
        kind="locker-create",
        params={"locker": {"name": "stray", "host": "host-a"}},
        state=JobState.RUNNING,
        requested_by="me",
        source="cli",
        created_at=NOW,
        owner="runner",
        lease_expires_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert found(truth(seen, unfinished=[making])) == []


def test_a_mount_into_a_bob_that_is_gone_is_reported_from_the_records_and_from_the_host():
    seen = {"host-a": scan(["cache"], [("bob009", "cache")])}
    t = truth(seen, [locker("cache")], [mount("cache", "bob009")])
    assert sorted(found(t), key=str) == sorted(
        [
            (Kind.LOCKER_MOUNT_WITHOUT_BOB, "cache", None),
            (Kind.LOCKER_MOUNT_WITHOUT_BOB, "cache", "host-a"),
        ],
        key=str,
    )


def test_a_host_that_could_not_be_read_tells_nothing_about_its_lockers():
    t = truth({}, [locker("cache")], [mount("cache", "bob001")])
    t.errors = {"host:host-a": "unreachable"}
    assert [f.kind for f in compare(FLEET, t) if f.subject == "cache"] == []


def test_the_scan_reads_lockers_and_what_each_wormhole_holds():
    seen = parse("L cache\nL data\nW bob001\nW bob001/cache\nW bob002/data\n")
    assert seen.lockers == {"cache", "data"}
    assert seen.locker_mounts == {("bob001", "cache"), ("bob002", "data")}
