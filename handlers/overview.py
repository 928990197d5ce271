"""The fleet overview: every Bob and reservation in its host/disk slot, and the free room."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from handlers.attachments import Attachment, JenkinsTruth
from provisioning.config.models import Fleet
from provisioning.jobs.liveness import JobStatus
from provisioning.records import BobRecord, BobState, ReservationRecord

INTERRUPTED = JobStatus.INTERRUPTED.value


@dataclass(frozen=True)
class SlotView:
    name: str
    slot: int
    state: str
    ip: ipaddress.IPv4Address | None
    job_id: str | None
    detail: str = ""
    flag: str = ""  # where the controllers and bob's records disagree
    base_version: int | None = None
    stale: bool = False  # cloned from an older base than its host's current one
    host: str = ""
    disk: str = ""
    expires_at: datetime | None = None  # made with a time to live: destroyed after this


@dataclass(frozen=True)
class DiskView:
    name: str
    max_bobs: int
    bobs: list[SlotView]

    @property
    def free(self) -> int:
        return max(self.max_bobs - len(self.bobs), 0)


@dataclass(frozen=True)
class HostView:
    name: str
    datacenter: str
    backend: str
    drained: bool
    disks: list[DiskView]
    # Why placement skips the host right now (drained at run time, cooling down), if it does.
    unavailable: str = ""
    base_version: int | None = None  # the host's current base, when known

    @property
    def used(self) -> int:
        return sum(len(d.bobs) for d in self.disks)

    @property
    def capacity(self) -> int:
        return sum(d.max_bobs for d in self.disks)


@dataclass(frozen=True)
class Overview:
    hosts: list[HostView]
    # Records on hosts or disks the config no longer has: shown, never silently dropped.
    unplaced: list[SlotView] = field(default_factory=list)
    # One line per Jenkins controller, and agents bob made that its store does not know.
    controllers: list[str] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)
    # Controllers whose idle agents `bob serve` detaches and destroys, after how long (s).
    idle_after_s: dict[str, float] = field(default_factory=dict)


def build_overview(
    fleet: Fleet,
    bobs: list[BobRecord],
    reservations: list[ReservationRecord],
    *,
    host: str | None = None,
    jenkins: JenkinsTruth | None = None,
    unavailable: Mapping[str, str] | None = None,
    base_versions: Mapping[str, int] | None = None,
    interrupted: Collection[str] = (),
    unfinished: Collection[str] | None = None,
) -> Overview:
    """``jenkins``: attachments as the controllers report them (without it, bob's records);
    ``base_versions``: each host's current base version (``store.base_versions()``);
    ``interrupted``: ids of jobs no runner holds, whose Bobs in the making show as such;
    ``unfinished``: ids of unfinished jobs: a Bob destroying under none of them is flagged as
    a destroy that failed, with the command that finishes it."""
    current = base_versions or {}
    by_disk: dict[tuple[str, str], list[SlotView]] = {}
    for b in bobs:
        if jenkins is not None:
            seen = jenkins.by_bob.get(b.name, Attachment())
            detail, flag = seen.detail, seen.flag
        else:
            detail, flag = (f"{b.controller}/{b.label}" if b.controller else ""), ""
        if unfinished is not None and b.state is BobState.DESTROYING and b.job_id not in unfinished:
            flag = destroy_failed(b.name, b.job_id)
        newest = current.get(b.host)
        stale = b.base_version is not None and newest is not None and b.base_version < newest
        view = SlotView(
            b.name,
            b.slot,
            _state(b.state.value, b.job_id, interrupted),
            b.ip,
            b.job_id,
            detail,
            flag=flag,
            base_version=b.base_version,
            stale=stale,
            host=b.host,
            disk=b.disk,
            expires_at=b.expires_at,
        )
        by_disk.setdefault((b.host, b.disk), []).append(view)
    for r in reservations:
        state = _state("reserved", r.job_id, interrupted)
        view = SlotView(
            r.name, r.slot, state, r.ip, r.job_id, host=r.host, disk=r.disk, expires_at=r.expires_at
        )
        by_disk.setdefault((r.host, r.disk), []).append(view)

    hosts: list[HostView] = []
    known: set[tuple[str, str]] = set()
    for h in fleet.hosts:
        disks = []
        for d in h.disks:
            known.add((h.name, d.name))
            views = sorted(by_disk.get((h.name, d.name), []), key=lambda v: (v.slot, v.name))
            disks.append(DiskView(d.name, d.max_bobs, views))
        if host is None or h.name == host:
            hosts.append(
                HostView(
                    h.name,
                    h.datacenter,
                    h.storage.backend,
                    h.drained,
                    disks,
                    unavailable=(unavailable or {}).get(h.name, ""),
                    base_version=current.get(h.name),
                )
            )
    unplaced = [v for key, views in sorted(by_disk.items()) if key not in known for v in views]
    return Overview(
        hosts=hosts,
        unplaced=unplaced if host is None else [],
        controllers=jenkins.controllers if jenkins is not None else [],
        strays=jenkins.strays if jenkins is not None else [],
        idle_after_s={c.name: c.idle_after_s for c in fleet.jenkins if c.idle_after_s},
    )


def destroy_failed(name: str, job_id: str | None) -> str:
    """What a Bob left by a failed destroy says, wherever it is shown."""
    return f"destroy failed (job {job_id}): `bob destroy {name}` again finishes it"


def _state(state: str, job_id: str | None, interrupted: Collection[str]) -> str:
    """A Bob still being made by a job that no runner holds is neither reserved nor creating:
    nothing is working on it until someone resumes or cancels that job."""
    if state in ("reserved", "creating") and job_id in interrupted:
        return INTERRUPTED
    return state
