"""The JSON documents ``--json`` prints: one model each, the shape docs/json.md documents.

docs/json.md is generated from these models (``python -m handlers.json_reference``), and the
tests parse what the commands print back into them with unknown fields refused, so the shape a
script relies on, its documentation and the output cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from handlers.overview import Overview, SlotView
from provisioning.core.models import CreatePlan
from provisioning.hostcheck import HostReport, Outcome
from provisioning.jobs.liveness import JobStatus, job_status
from provisioning.records import JobRecord, JournalEntry, StepEvent


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Slot(_Document):
    """A Bob, or a reservation a create job holds for one."""

    name: str = Field(description="the Bob's name, e.g. `bob007`")
    host: str = Field(description="the host it is on")
    disk: str = Field(description="the host's disk it is on")
    slot: int = Field(description="its slot number on that disk")
    state: str = Field(
        description="`reserved`, `creating`, `ready`, `destroying`, `failed`, or "
        "`interrupted` (a create no runner holds: `bob resume` or `bob cancel` its job)"
    )
    ip: str | None = Field(description="its IPv4 address")
    job_id: str | None = Field(description="the job that made (or is making) it")
    attachment: str = Field(
        description="`controller/label` it is an agent of, as the controller reports it "
        "(bob's records with `--no-jenkins`); empty if none"
    )
    flag: str = Field(description="what disagrees about it (controllers, records); empty if none")
    base_version: int | None = Field(description="the base version it was cloned from")
    stale: bool = Field(description="cloned from an older base than its host's current one")
    expires_at: datetime | None = Field(
        description="made with a time to live (`create --ttl`): when `bob serve` destroys it"
    )


class Disk(_Document):
    name: str = Field(description="the disk's name in the config")
    max_bobs: int = Field(description="how many Bobs it may hold")
    free: int = Field(description="slots left")
    bobs: list[Slot] = Field(description="its Bobs and reservations, by slot")


class HostListing(_Document):
    name: str = Field(description="the host's name in the config")
    datacenter: str = Field(description="its datacenter")
    backend: str = Field(description="its storage backend: `overlay`, `btrfs`, `dir` or `lvm`")
    drained: bool = Field(description="drained in the config")
    unavailable: str | None = Field(
        description="why placement skips it now (drained with `bob drain`, cooling down after "
        "failures); null if it does not"
    )
    base_version: int | None = Field(description="its current base version, when known")
    used: int = Field(description="Bobs and reservations on it")
    capacity: int = Field(description="slots on all its disks")
    free: int = Field(description="slots left")
    disks: list[Disk] = Field(description="its disks, in config order")


class Jenkins(_Document):
    controllers: list[str] = Field(description="one line per controller: what it reported")
    strays: list[str] = Field(description="agents bob made that its records do not know")


class ListDocument(_Document):
    """`bob list --json [HOST]`"""

    hosts: list[HostListing] = Field(description="the hosts, in config order")
    unplaced: list[Slot] = Field(
        description="Bobs on a host or disk no longer in the config (never silently dropped)"
    )
    jenkins: Jenkins | None = Field(
        description="what the controllers report; null with `--no-jenkins` or no controllers"
    )


class Job(_Document):
    id: str = Field(description="the job's id (any unique prefix of it names it too)")
    kind: str = Field(description="`create`, `destroy`, `attach`, `detach`, `rebuild-base`, …")
    state: JobStatus = Field(
        description="as stored, except `interrupted`: unfinished with no runner holding it"
    )
    requested_by: str = Field(description="who asked")
    source: str = Field(description="through what: `cli`, `slack`, `web`, …")
    created_at: datetime = Field(description="when it was asked for (ISO 8601, UTC)")
    started_at: datetime | None = Field(description="when a runner first started it")
    finished_at: datetime | None = Field(description="when it ended")
    error: str | None = Field(description="why it failed or was cancelled")
    cancel_requested: bool = Field(description="someone asked for it to be cancelled")


class JobsDocument(_Document):
    """`bob jobs --json [--limit N]`"""

    jobs: list[Job] = Field(description="the most recent jobs, newest first")


class Step(_Document):
    """One journal entry: a step started, ended, was undone, or printed output."""

    step_index: int = Field(description="the step's position in the job")
    lane: str = Field(description="what it works on: a Bob's name, a host, `job`")
    step: str = Field(description="the step's name: `clone`, `dns`, `start`, …")
    host: str | None = Field(description="the host it ran on; null for local steps")
    event: StepEvent = Field(description="what happened")
    at: datetime = Field(description="when (ISO 8601, UTC)")
    duration_s: float | None = Field(description="for an ending: how long the step took")
    detail: str | None = Field(description="output, error text, or what was undone")


class JobDocument(_Document):
    """`bob job ID --json`"""

    job: Job = Field(description="the job")
    steps: list[Step] = Field(description="its journal, oldest first")


class PlannedBob(_Document):
    name: str = Field(description="the name it would get")
    host: str = Field(description="the host it would go to")
    disk: str = Field(description="the disk")
    slot: int = Field(description="the slot on that disk")
    ip: str = Field(description="its address")
    prefix_length: int = Field(description="the subnet's prefix length")
    gateway: str = Field(description="the subnet's gateway")


class SkippedHost(_Document):
    host: str = Field(description="a host placement left out")
    reason: str = Field(description="why: drained, cooling down until …")


class PlanDocument(_Document):
    """`bob plan create N --json [--host HOST]`"""

    bobs: list[PlannedBob] = Field(description="where each new Bob would go")
    skipped: list[SkippedHost] = Field(description="hosts placement left out, and why")
    notes: list[str] = Field(description="what the plan could not know (DNS not read, …)")


class Check(_Document):
    check: str = Field(description="`ssh`, `lxc`, `bridge`, `disk NAME`, … (`host check -h`)")
    outcome: Outcome = Field(description="`ok`, `FAIL`, or `skip` (a check it needs failed)")
    detail: str = Field(description="what was found")
    fix: str | None = Field(description="for a failure: who makes it right, and how")


class HostCheckDocument(_Document):
    """`bob host check --json [HOST…]`"""

    ok: bool = Field(description="every check of every host passed (the exit code is 0)")
    hosts: dict[str, list[Check]] = Field(description="each host's checks, by host name")


def list_document(overview: Overview) -> ListDocument:
    jenkins = (
        Jenkins(controllers=overview.controllers, strays=overview.strays)
        if overview.controllers or overview.strays
        else None
    )
    return ListDocument(
        hosts=[
            HostListing(
                name=h.name,
                datacenter=h.datacenter,
                backend=h.backend,
                drained=h.drained,
                unavailable=h.unavailable or None,
                base_version=h.base_version,
                used=h.used,
                capacity=h.capacity,
                free=max(h.capacity - h.used, 0),
                disks=[
                    Disk(name=d.name, max_bobs=d.max_bobs, free=d.free, bobs=_slots(d.bobs))
                    for d in h.disks
                ],
            )
            for h in overview.hosts
        ],
        unplaced=_slots(overview.unplaced),
        jenkins=jenkins,
    )


def _slots(views: Sequence[SlotView]) -> list[Slot]:
    return [
        Slot(
            name=v.name,
            host=v.host,
            disk=v.disk,
            slot=v.slot,
            state=v.state,
            ip=str(v.ip) if v.ip else None,
            job_id=v.job_id,
            attachment=v.detail,
            flag=v.flag,
            base_version=v.base_version,
            stale=v.stale,
            expires_at=v.expires_at,
        )
        for v in views
    ]


def job_summary(job: JobRecord, now: datetime) -> Job:
    return Job(
        id=job.id,
        kind=job.kind,
        state=job_status(job, now),
        requested_by=job.requested_by,
        source=job.source,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error,
        cancel_requested=job.cancel_requested,
    )


def jobs_document(jobs: Sequence[JobRecord], now: datetime) -> JobsDocument:
    return JobsDocument(jobs=[job_summary(j, now) for j in jobs])


def job_document(job: JobRecord, journal: Sequence[JournalEntry], now: datetime) -> JobDocument:
    steps = [
        Step(
            step_index=e.step_index,
            lane=e.lane,
            step=e.step,
            host=e.host,
            event=e.event,
            at=e.at,
            duration_s=e.duration_s,
            detail=e.detail,
        )
        for e in journal
    ]
    return JobDocument(job=job_summary(job, now), steps=steps)


def plan_document(
    plan: CreatePlan, skipped: Mapping[str, str], notes: Sequence[str]
) -> PlanDocument:
    return PlanDocument(
        bobs=[
            PlannedBob(
                name=b.name,
                host=b.host,
                disk=b.disk,
                slot=b.slot,
                ip=str(b.ip),
                prefix_length=b.prefix_length,
                gateway=str(b.gateway),
            )
            for b in plan.bobs
        ],
        skipped=[SkippedHost(host=h, reason=why) for h, why in sorted(skipped.items())],
        notes=list(notes),
    )


def host_check_document(reports: Sequence[HostReport]) -> HostCheckDocument:
    return HostCheckDocument(
        ok=all(r.ok for r in reports),
        hosts={
            report.host: [
                Check(check=r.check, outcome=r.outcome, detail=r.detail, fix=r.fix)
                for r in report.results
            ]
            for report in reports
        },
    )


# What docs/json.md documents, in its order: the command, and its document.
DOCUMENTS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("list", ListDocument),
    ("jobs", JobsDocument),
    ("job", JobDocument),
    ("plan create", PlanDocument),
    ("host check", HostCheckDocument),
)


def to_json(document: BaseModel) -> str:
    return document.model_dump_json(indent=2)
