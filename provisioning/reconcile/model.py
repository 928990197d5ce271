"""What the reconciler read from each system, and what it found to disagree."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from provisioning.bases.versions import BaseState
from provisioning.dns.port import ZoneRecord
from provisioning.jenkins.models import JenkinsNode
from provisioning.lockers.records import LockerRecord, MountRecord
from provisioning.records import BobRecord, JobRecord, ReservationRecord


@dataclass(frozen=True)
class SeenContainer:
    disk: str
    name: str
    state: str  # RUNNING, STOPPED, … or ABSENT when a directory holds no container LXC knows
    owner_job: str | None  # the job in bob's marker line of its config; None: not bob's config


@dataclass(frozen=True)
class HostScan:
    containers: list[SeenContainer]
    marks: dict[tuple[str, str], str]  # (disk, name) → job id of a clone mark left on the disk
    bases: BaseState | None = None  # the host's base versions; None: no base directory
    rootfs_lines: list[str] = field(default_factory=list)  # "config:lxc.rootfs.path = …"
    # (disk, name) → its config's lxc.start.auto, .order, .delay ("-": none). A container not
    # in here was not read for them: nothing is known about its autostart.
    autostart: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    lockers: set[str] = field(default_factory=set)  # the locker volumes in {root}/lockers
    # (Bob, locker) of every mount under a wormhole: what is mounted into which Bob.
    locker_mounts: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class Truth:
    """Everything read in one reconcile pass. A system that could not be read is in ``errors``
    (``host:NAME``, ``dns:ZONE``, ``jenkins:NAME``) and its part is simply missing."""

    bobs: list[BobRecord]
    reservations: list[ReservationRecord]
    unfinished: list[JobRecord]
    finished_jobs: set[str]  # ids of reservation-holding jobs that are over
    hosts: dict[str, HostScan] = field(default_factory=dict)
    zones: dict[str, list[ZoneRecord]] = field(default_factory=dict)
    nodes: dict[str, list[JenkinsNode]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # Hosts left out of this pass (``--host``): not read either, so nothing about them is known.
    skipped_hosts: set[str] = field(default_factory=set)
    # Controller → node → since when bob has seen that managed agent offline; and when read.
    offline_since: dict[str, dict[str, datetime]] = field(default_factory=dict)
    read_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    lockers: list[LockerRecord] = field(default_factory=list)
    mounts: list[MountRecord] = field(default_factory=list)
    # Bobs stopped on purpose (staging environments switched off when idle): not a difference.
    parked: set[str] = field(default_factory=set)


class Kind(StrEnum):
    CONTAINER_WITHOUT_RECORD = "container-without-record"
    FOREIGN_CONTAINER = "foreign-container"
    CLONE_MARK_LEFT = "clone-mark-left"
    RECORD_WITHOUT_CONTAINER = "record-without-container"
    CONTAINER_NOT_RUNNING = "container-not-running"
    AUTOSTART_DIFFERS = "autostart-differs"
    RECORD_STUCK = "record-stuck"
    STALE_RESERVATION = "stale-reservation"
    DNS_WITHOUT_BOB = "dns-without-bob"
    BOB_WITHOUT_DNS = "bob-without-dns"
    NODE_WITHOUT_BOB = "node-without-bob"
    ATTACHMENT_NOT_RECORDED = "attachment-not-recorded"
    RECORDED_ATTACHMENT_GONE = "recorded-attachment-gone"
    BASE_UNREFERENCED = "base-unreferenced"
    AGENT_OFFLINE = "agent-offline"
    FOREIGN_NODE = "foreign-node"
    JOB_INTERRUPTED = "job-interrupted"
    BASE_HALF_BUILT = "base-half-built"
    LOCKER_MOUNT_MISSING = "locker-mount-missing"
    LOCKER_WITHOUT_RECORD = "locker-without-record"
    LOCKER_MOUNT_WITHOUT_BOB = "locker-mount-without-bob"
    UNREADABLE = "unreadable"
    UNKNOWN = "unknown"


class Repair(StrEnum):
    REMOVE_CONTAINER = "remove-container"
    REMOVE_MARK = "remove-clone-mark"
    DESTROY_BOB = "destroy-bob"
    RELEASE_RESERVATION = "release-reservation"
    RELEASE_DNS = "release-dns"
    REGISTER_DNS = "register-dns"
    REMOVE_NODE = "remove-node"
    RECORD_ATTACHMENT = "record-attachment"
    CLEAR_ATTACHMENT = "clear-attachment"
    REMOVE_BASE = "remove-base"
    START_CONTAINER = "start-container"
    SET_AUTOSTART = "set-autostart"


# Repairs that take something away a person might still want: asked for explicitly.
DESTRUCTIVE = frozenset({Repair.REMOVE_CONTAINER, Repair.DESTROY_BOB, Repair.REMOVE_NODE})


@dataclass(frozen=True)
class Finding:
    kind: Kind
    subject: str  # a Bob's name, a controller's, a zone's
    detail: str
    host: str | None = None
    disk: str | None = None
    repair: Repair | None = None
    # What the repair needs: an address, zones, a controller, a job id …
    args: dict[str, str] = field(default_factory=dict)
    # The systems this finding was read from or its repair touches ("host:NAME", "dns:ZONE",
    # "jenkins:NAME"): if one of them could not be read, the finding cannot be told.
    depends: frozenset[str] = frozenset()
    # Findings (their ``key``) whose repair must succeed before this one may be repaired.
    waits_for: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        where = f" on {self.host}" + (f"/{self.disk}" if self.disk else "") if self.host else ""
        return f"{self.kind.value} {self.subject}{where}"

    @property
    def destructive(self) -> bool:
        return self.repair in DESTRUCTIVE

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "subject": self.subject,
            "host": self.host,
            "disk": self.disk,
            "detail": self.detail,
            "repair": self.repair.value if self.repair else None,
            "destructive": self.destructive,
            "waits_for": list(self.waits_for),
        }

    def line(self) -> str:
        where = f" on {self.host}" + (f"/{self.disk}" if self.disk else "") if self.host else ""
        fix = f"  [fix: {self.repair.value}]" if self.repair else "  [report only]"
        return f"{self.kind.value:<26} {self.subject}{where}: {self.detail}{fix}"


def address(text: str) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None
