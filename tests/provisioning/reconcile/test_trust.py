"""What the reconciler may say and repair when it cannot see everything, when one Bob has
several findings, and when a job has no runner (pure: a Truth in, findings out)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest

from provisioning.bases.versions import BaseState, Lock
from provisioning.reconcile.compare import compare, in_progress
from provisioning.reconcile.model import Finding, HostScan, Kind, SeenContainer, Truth
from provisioning.records import BobState, JobRecord, JobState, ReservationRecord
from tests.provisioning.reconcile.test_compare import (
    FLEET,
    NOW,
    bob,
    node,
    running,
    truth,
    zone,
)

DOWN = {"host:host-b": "HostUnreachable: connection refused"}


def found(t: Truth) -> list[tuple[str, str, str | None]]:
    return [
        (f.kind.value, f.subject, f.repair.value if f.repair else None) for f in compare(FLEET, t)
    ]


def reservation(name: str, host: str = "host-b", job: str = "j5") -> ReservationRecord:
    return ReservationRecord(
        name=name,
        host=host,
        disk="disk2",
        slot=int(name[-1]),
        ip=ipaddress.IPv4Address(f"10.250.1.{20 + int(name[-1])}"),
        job_id=job,
        created_at=NOW,
    )


def job(id: str, kind: str = "create", *, lease_s: float | None, **params: object) -> JobRecord:
    return JobRecord(
        id=id,
        kind=kind,
        params=dict(params),
        state=JobState.RUNNING,
        requested_by="t",
        source="test",
        created_at=NOW - timedelta(minutes=5),
        owner="bob@elsewhere:1:abc" if lease_s is not None else None,
        lease_expires_at=NOW + timedelta(seconds=lease_s) if lease_s is not None else None,
    )


# 1. Nothing about a system that could not be read is stale or missing.


def test_reservations_on_a_host_that_cannot_be_read_are_unknown_and_never_released():
    t = truth(
        hosts={"host-a": running()},
        reservations=[reservation("bob008"), reservation("bob009")],
        finished_jobs={"j5"},
        errors=DOWN,
    )

    assert [
        ("unreadable", "host:host-b", None),
        ("unknown", "bob008", None),
        ("unknown", "bob009", None),
    ] == found(t)
    detail = compare(FLEET, t)[1].detail
    assert "host:host-b cannot be read" in detail
    assert "stale" not in detail


@pytest.mark.parametrize(
    ("unreadable", "case"),
    [
        # A record stuck mid-create on a host that is away: destroying it would go there.
        (DOWN, truth([bob("bob001", host="host-b", state=BobState.CREATING, job_id="gone")])),
        # DNS for a name bob does not know: its container may run on the host that is away.
        (
            DOWN,
            truth(
                hosts={"host-a": running()},
                zones={"bob.test": zone(("bob009.bob.test", "TXT", "bob job=j1 name=bob009"))},
            ),
        ),
        # A Bob on a host that is away, missing its A record: it may be gone as a whole.
        (
            DOWN,
            truth([bob("bob001", host="host-b")], zones={"bob.test": zone()}),
        ),
        # A Bob missing its container, attached to a controller that is away: its destroy
        # would detach it there.
        (
            {"jenkins:ci-main": "503"},
            truth([bob("bob001", controller="ci-main", label="light")], {"host-a": running()}),
        ),
    ],
    ids=["record-stuck", "dns-without-bob", "bob-without-dns", "record-without-container"],
)
def test_a_finding_that_depends_on_a_system_that_cannot_be_read_is_unknown_and_not_repaired(
    unreadable: dict[str, str], case: Truth
):
    case.errors = unreadable

    findings = compare(FLEET, case)

    assert [Kind.UNREADABLE, Kind.UNKNOWN] == [f.kind for f in findings]
    assert [None, None] == [f.repair for f in findings]


def test_a_host_left_out_with_host_is_not_read_either():
    t = truth(
        hosts={"host-a": running()},
        zones={"bob.test": zone(("bob009.bob.test", "TXT", "bob job=j1 name=bob009"))},
        skipped_hosts={"host-b"},
    )

    assert [("unknown", "bob009", None)] == found(t)


# 5. Repairs never pull one Bob two ways, and the report does not contradict itself.


def test_a_bob_whose_container_is_gone_is_destroyed_not_given_its_dns_back():
    t = truth([bob("bob001")], {"host-a": running()}, zones={"bob.test": zone()})

    assert [("record-without-container", "bob001", "destroy-bob")] == found(t)


def test_an_agent_of_a_bob_whose_container_is_gone_is_not_recorded_as_attached():
    t = truth([bob("bob001")], {"host-a": running()}, nodes={"ci-main": [node("bob001")]})

    assert [("record-without-container", "bob001", "destroy-bob")] == found(t)


def test_a_reservation_and_dns_of_a_finished_job_are_released_only_after_its_container():
    held = reservation("bob008", host="host-a")
    t = truth(
        hosts={"host-a": HostScan([SeenContainer("disk2", "bob008", "RUNNING", "j5")], {})},
        reservations=[held],
        finished_jobs={"j5"},
        zones={
            "bob.test": zone(
                ("bob008.bob.test", "A", "10.250.1.28"),
                ("bob008.bob.test", "TXT", "bob job=j5 name=bob008"),
            )
        },
    )

    findings = compare(FLEET, t)

    assert [
        ("container-without-record", "bob008", "remove-container"),
        ("stale-reservation", "bob008", "release-reservation"),
        ("dns-without-bob", "bob008", "release-dns"),
    ] == found(t)
    container, claim, records = findings
    assert "reserved by job j5, which is over" in container.detail
    assert "no Bob or reservation" not in container.detail
    assert (container.key,) == claim.waits_for == records.waits_for


def test_a_claim_on_a_name_whose_container_bob_may_not_remove_is_never_released():
    t = truth(
        hosts={"host-a": HostScan([SeenContainer("disk2", "bob008", "RUNNING", None)], {})},
        reservations=[reservation("bob008", host="host-a")],
        finished_jobs={"j5"},
    )

    assert [
        ("foreign-container", "bob008", None),
        ("stale-reservation", "bob008", None),
    ] == found(t)


# 6. A job no runner holds is interrupted: reported, not "being worked on".


def test_a_job_whose_lease_ran_out_is_reported_interrupted_with_both_ways_on():
    t = truth(
        [bob("bob001", state=BobState.CREATING, job_id="j7")],
        {"host-a": running("bob001")},
        unfinished=[job("j7", lease_s=-40, plan={"bobs": [{"name": "bob001"}]})],
        read_at=NOW,
    )

    findings = compare(FLEET, t)

    assert [("job-interrupted", "j7", None)] == found(t)
    assert "holds bob001" in findings[0].detail
    assert "`bob resume j7`" in findings[0].detail
    assert "`bob cancel j7`" in findings[0].detail
    assert set() == in_progress(t)


def test_only_a_job_a_live_runner_holds_is_working_on_its_names():
    t = truth(
        [bob("bob001", state=BobState.CREATING, job_id="j7")],
        {"host-a": running("bob001")},
        unfinished=[job("j7", lease_s=20)],
        read_at=NOW,
    )

    assert ([], {"bob001"}) == (found(t), in_progress(t))


def test_a_base_an_interrupted_rebuild_half_built_is_reported():
    bases = BaseState({1: "base", 2: "base-v2"}, "base", Lock("j8", 2))
    t = truth(
        hosts={"host-a": HostScan([], {}, bases)},
        unfinished=[job("j8", "rebuild-base", lease_s=-5, hosts=["host-a"])],
        read_at=NOW,
    )

    findings = compare(FLEET, t)

    assert [("job-interrupted", "j8", None), ("base-half-built", "base-v2", None)] == found(t)
    assert "half-built by rebuild-base job j8, which is interrupted" in findings[1].detail


# Issue 14: a node bob did not make is reported, never touched.


def test_a_hand_made_node_named_like_a_bob_is_reported_and_never_repaired():
    t = truth(
        [bob("bob006")],
        {"host-a": running("bob006")},
        nodes={"ci-main": [node("bob006", managed=False), node("printer", managed=False)]},
    )

    findings: list[Finding] = compare(FLEET, t)

    assert [("foreign-node", "bob006", None)] == found(t)
    assert "named like a Bob that bob did not make" in findings[0].detail
