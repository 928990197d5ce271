"""The reconciler's comparison, one disagreement at a time (pure: a Truth in, findings out)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest

from provisioning.bases.versions import BaseState
from provisioning.config.models import JenkinsController
from provisioning.dns.port import ZoneRecord
from provisioning.jenkins.models import JenkinsNode
from provisioning.reconcile.compare import compare
from provisioning.reconcile.model import HostScan, SeenContainer, Truth
from provisioning.reconcile.scan import parse
from provisioning.records import BobRecord, BobState, JobRecord, JobState, ReservationRecord
from tests.fleets import make_fleet

NOW = datetime(2026, 11, 22, tzinfo=UTC)
FLEET = make_fleet([(4,), (4,)])


def bob(name: str, *, host: str = "host-a", state: BobState = BobState.READY, **kw) -> BobRecord:
    slot = int(name[-1])
    fields = {"ip": ipaddress.IPv4Address(f"10.250.1.{10 + slot}"), "job_id": "j0", **kw}
    return BobRecord(
        name=name, host=host, disk="disk1", slot=slot, state=state, created_at=NOW, **fields
    )


def running(*names: str, owner: str | None = "j0") -> HostScan:
    return HostScan([SeenContainer("disk1", n, "RUNNING", owner) for n in names], {})


def truth(bobs=(), hosts=None, **kw) -> Truth:
    base = {"reservations": [], "unfinished": [], "finished_jobs": set()}
    return Truth(bobs=list(bobs), hosts=hosts or {}, **{**base, **kw})


def found(t: Truth) -> list[tuple[str, str, str | None]]:
    return [
        (f.kind.value, f.subject, f.repair.value if f.repair else None) for f in compare(FLEET, t)
    ]


def test_records_and_containers_that_agree_are_no_finding():
    assert [] == found(truth([bob("bob001")], {"host-a": running("bob001"), "host-b": running()}))


def test_a_container_bob_made_without_a_record_is_removable():
    t = truth([], {"host-a": running("bob001")})

    assert [("container-without-record", "bob001", "remove-container")] == found(t)


def test_a_container_without_bobs_marker_is_reported_and_never_removed():
    t = truth([], {"host-a": running("lab", owner=None)})

    assert [("foreign-container", "lab", None)] == found(t)


def test_a_clone_mark_with_no_container_is_a_leftover():
    t = truth([], {"host-a": HostScan([], {("disk2", "bob004"): "j9"})})

    assert [("clone-mark-left", "bob004", "remove-clone-mark")] == found(t)


def test_a_record_whose_container_is_gone_is_destroyed_properly():
    t = truth([bob("bob001")], {"host-a": running()})

    assert [("record-without-container", "bob001", "destroy-bob")] == found(t)


def test_an_unreadable_host_is_a_finding_and_not_taken_as_empty():
    t = truth([bob("bob001")], {}, errors={"host:host-a": "HostUnreachable: timed out"})

    assert [("unreadable", "host:host-a", None)] == found(t)


def test_a_stopped_container_of_a_ready_bob_is_started_again():
    scan = HostScan([SeenContainer("disk1", "bob001", "STOPPED", "j0")], {})

    [finding] = compare(FLEET, truth([bob("bob001")], {"host-a": scan}))

    assert ("container-not-running", "bob001", "start-container") == (
        finding.kind.value,
        finding.subject,
        finding.repair and finding.repair.value,
    )
    assert {"address": "10.250.1.11"} == finding.args
    assert not finding.destructive  # starting takes nothing away: no --yes needed


@pytest.mark.parametrize("state", ["FROZEN", "STOPPING", "ABSENT"])
def test_a_container_down_in_another_way_is_left_to_a_person(state):
    scan = HostScan([SeenContainer("disk1", "bob001", state, "j0")], {})

    assert [("container-not-running", "bob001", None)] == found(
        truth([bob("bob001")], {"host-a": scan})
    )


def test_a_stopped_bob_on_a_host_left_out_of_the_pass_is_not_started():
    """--host host-b: host-a's scan (say, from an earlier read) is not this pass's truth."""
    scan = HostScan([SeenContainer("disk1", "bob001", "STOPPED", "j0")], {})
    t = truth([bob("bob001")], {"host-a": scan}, skipped_hosts={"host-a"})

    assert [("unknown", "bob001", None)] == found(t)


def started_as(has: tuple[str, str, str], *, state: str = "RUNNING") -> HostScan:
    return HostScan(
        [SeenContainer("disk1", "bob001", state, "j0")], {}, None, [], {("disk1", "bob001"): has}
    )


def test_a_ready_bob_whose_config_autostarts_as_configured_is_no_finding():
    # bob001: slot 1; make_fleet's disks keep the default start_delay of 5 s.
    assert [] == found(truth([bob("bob001")], {"host-a": started_as(("1", "1", "5"))}))


@pytest.mark.parametrize(
    ("has", "says"),
    [
        (("-", "-", "-"), "has no lxc.start lines"),  # made before bob wrote them
        (("1", "1", "30"), "says auto=1 order=1 delay=30"),  # the disk's delay changed since
        (("0", "1", "5"), "says auto=0 order=1 delay=5"),  # switched off by hand
    ],
)
def test_a_ready_bob_that_would_not_come_back_as_configured_gets_its_lines(has, says):
    [finding] = compare(FLEET, truth([bob("bob001")], {"host-a": started_as(has)}))

    assert ("autostart-differs", "bob001", "set-autostart") == (
        finding.kind.value,
        finding.subject,
        finding.repair and finding.repair.value,
    )
    assert {"order": "1", "delay": "5"} == finding.args
    assert finding.detail.startswith(f"its LXC config {says};")
    assert not finding.destructive


def test_a_bob_being_made_or_failed_is_not_given_autostart_lines():
    for state in (BobState.CREATING, BobState.FAILED):
        t = truth(
            [bob("bob001", state=state, job_id="j1")], {"host-a": started_as(("-", "-", "-"))}
        )
        assert "autostart-differs" not in [f.kind.value for f in compare(FLEET, t)]


def test_names_a_running_job_works_on_are_left_alone():
    job = JobRecord(
        id="j1",
        kind="create",
        params={"plan": {"bobs": [{"name": "bob002"}]}},
        state=JobState.RUNNING,
        requested_by="t",
        source="test",
        created_at=NOW,
        owner="runner-1",
        lease_expires_at=NOW + timedelta(seconds=20),
    )
    t = truth(
        [bob("bob001", state=BobState.CREATING, job_id="j1")],
        {"host-a": running("bob002")},
        unfinished=[job],
        read_at=NOW,
    )

    assert [] == found(t)


def test_a_record_stuck_mid_create_with_no_job_is_destroyed():
    t = truth(
        [bob("bob001", state=BobState.CREATING, job_id="gone")], {"host-a": running("bob001")}
    )

    assert [("record-stuck", "bob001", "destroy-bob")] == found(t)


def test_a_reservation_of_a_finished_job_is_released():
    held = ReservationRecord(
        name="bob003", host="host-a", disk="disk1", slot=3, ip=None, job_id="j5", created_at=NOW
    )

    assert [("stale-reservation", "bob003", "release-reservation")] == found(
        truth(reservations=[held], finished_jobs={"j5"})
    )


def zone(*records: tuple[str, str, str]) -> list[ZoneRecord]:
    return [ZoneRecord(name, rtype, 300, data) for name, rtype, data in records]


def test_dns_tagged_for_a_name_bob_does_not_know_is_released_and_untagged_records_are_not_bobs():
    t = truth(
        zones={
            "bob.test": zone(
                ("bob009.bob.test", "A", "10.250.1.19"),
                ("bob009.bob.test", "TXT", "bob job=j1 name=bob009"),
                ("printer.bob.test", "A", "10.250.1.200"),
            ),
            "1.250.10.in-addr.arpa": zone(
                ("19.1.250.10.in-addr.arpa", "PTR", "bob009.bob.test."),
                ("19.1.250.10.in-addr.arpa", "TXT", "bob job=j1 name=bob009"),
            ),
        }
    )

    findings = compare(FLEET, t)
    assert [("dns-without-bob", "bob009", "release-dns")] == found(t)
    assert {
        "address": "10.250.1.19",
        "forward_zone": "bob.test",
        "reverse_zone": "1.250.10.in-addr.arpa",
    } == findings[0].args


def test_a_ready_bob_without_its_a_or_ptr_is_registered_again():
    t = truth(
        [bob("bob001")],
        {"host-a": running("bob001")},
        zones={
            "bob.test": zone(("bob001.bob.test", "A", "10.250.1.11")),
            "1.250.10.in-addr.arpa": zone(),
        },
    )

    findings = compare(FLEET, t)
    assert [("bob-without-dns", "bob001", "register-dns")] == found(t)
    assert "no PTR record for 10.250.1.11" == findings[0].detail


def node(name: str, labels: str = "light", managed: bool = True) -> JenkinsNode:
    return JenkinsNode(
        name=name, labels=labels, executors=1, offline=False, idle=True, managed=managed
    )


def test_agents_compared_with_the_records():
    bobs = [
        bob("bob001", controller="ci-main", label="light"),
        bob("bob002"),
        bob("bob003", controller="ci-main", label="light"),
    ]
    t = truth(
        bobs,
        {"host-a": running("bob001", "bob002", "bob003")},
        nodes={
            "ci-main": [
                node("bob001"),
                node("bob002"),
                node("bob009"),
                node("manual", managed=False),
            ]
        },
    )

    assert [
        ("attachment-not-recorded", "bob002", "record-attachment"),
        ("node-without-bob", "bob009", "remove-node"),
        ("recorded-attachment-gone", "bob003", "clear-attachment"),
    ] == sorted(found(t))


def test_destructive_repairs_are_marked():
    t = truth([], {"host-a": running("bob001")}, nodes={"ci-main": [node("bob002")]})

    assert [True, True] == [f.destructive for f in compare(FLEET, t)]


def test_the_host_scan_output_is_parsed_line_by_line():
    scan = parse(
        "M disk1 bob004 j9\n"
        "C disk1 bob001 RUNNING j0\n"
        "C disk2 lab STOPPED -\n"
        "C disk3 half ABSENT -\n"
        "S /var/lib/bob/disk1/bob001/config:lxc.start.auto = 1\n"
        "S /var/lib/bob/disk1/bob001/config:  lxc.start.order=0\n"
        "S /var/lib/bob/disk1/bob001/config:lxc.start.delay = 9\n"
        "S /var/lib/bob/disk1/bob001/config:lxc.start.delay = 5\n"
        "garbage line\n"
    )

    assert {("disk1", "bob004"): "j9"} == scan.marks
    assert [
        SeenContainer("disk1", "bob001", "RUNNING", "j0"),
        SeenContainer("disk2", "lab", "STOPPED", None),
        SeenContainer("disk3", "half", "ABSENT", None),
    ] == scan.containers
    # The last of each line counts, as LXC reads it; a config without any sets none; a directory
    # LXC does not know as a container has no config to tell.
    assert {("disk1", "bob001"): ("1", "0", "5"), ("disk2", "lab"): ("-", "-", "-")} == (
        scan.autostart
    )


def overlay_fleet_scan(
    rootfs_lines: list[str], bobs: list[BobRecord]
) -> list[tuple[str, str, str | None]]:
    fleet = make_fleet([(4,)])
    bases = BaseState(versions={1: "base", 2: "base-v2", 3: "base-v3"}, current="base-v3")
    scan = HostScan(
        [SeenContainer("disk1", b.name, "RUNNING", "j0") for b in bobs], {}, bases, rootfs_lines
    )
    return [
        (f.kind.value, f.subject, f.repair.value if f.repair else None)
        for f in compare(fleet, truth(bobs, {"host-a": scan}))
    ]


def test_old_bases_no_clone_uses_are_left_behind_and_removable():
    line = (
        "/var/lib/bob/disk1/bob001/config:lxc.rootfs.path = "
        "overlay:/var/lib/bob/base/base-v2/rootfs:/var/lib/bob/disk1/bob001/delta0"
    )

    found = overlay_fleet_scan([line], [bob("bob001", base_version=2)])

    assert [("base-unreferenced", "base", "remove-base")] == found


def test_a_base_an_overlay_bob_came_from_is_in_use_even_without_its_config_line():
    found = overlay_fleet_scan([], [bob("bob001", base_version=1), bob("bob002", base_version=2)])

    assert [] == found


def test_an_agent_offline_longer_than_its_controller_allows_is_reported():
    controller = JenkinsController(
        name="ci-main", url="http://127.0.0.1:1", user="u", token_env="T", offline_after_s=600
    )
    fleet = FLEET.model_copy(update={"jenkins": (controller,)})
    bobs = [
        bob("bob001", controller="ci-main", label="x"),
        bob("bob002", controller="ci-main", label="x"),
    ]
    t = truth(
        bobs,
        {"host-a": running("bob001", "bob002")},
        nodes={"ci-main": [node("bob001", "x"), node("bob002", "x")]},
        offline_since={"ci-main": {"bob001": NOW - timedelta(minutes=11), "bob002": NOW}},
        read_at=NOW,
    )

    findings = compare(fleet, t)
    assert [("agent-offline", "bob001", None)] == [
        (f.kind.value, f.subject, f.repair) for f in findings
    ]
    assert "offline since 2026-11-21 23:49 UTC (11 min, more than 600 s)" in findings[0].detail


def test_a_record_a_failed_destroy_left_says_how_to_finish_it():
    t = truth(
        [bob("bob001", state=BobState.DESTROYING, job_id="j9")], {"host-a": running("bob001")}
    )

    [finding] = [f for f in compare(FLEET, t) if f.subject == "bob001"]

    assert finding.detail.endswith(
        "its destroy failed (job j9); `bob destroy bob001` again finishes it"
    )
