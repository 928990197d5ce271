"""Read-only commands: they look at the store and the config and change nothing."""

from __future__ import annotations

from handlers.overview import Overview, build_overview
from handlers.requests import ListBobs, ListJobs, PlanCreate, ShowJob
from provisioning.config.models import Fleet
from provisioning.core.models import CreatePlan
from provisioning.core.plan import plan_create
from provisioning.errors import UsageError
from provisioning.ports import FleetStore, JobStore
from provisioning.records import JobRecord, JournalEntry


async def dry_run_create(fleet: Fleet, store: FleetStore, request: PlanCreate) -> CreatePlan:
    """The plan ``create`` would carry out now, without reserving anything."""
    return plan_create(fleet, await store.occupants(), request.count, host=request.host)


async def fleet_overview(fleet: Fleet, store: FleetStore, request: ListBobs) -> Overview:
    if request.host is not None and request.host not in {h.name for h in fleet.hosts}:
        known = ", ".join(h.name for h in fleet.hosts)
        raise UsageError(f"unknown host {request.host!r}; known hosts: {known}")
    return build_overview(
        fleet,
        await store.list_bobs(),
        await store.list_reservations(),
        host=request.host,
        base_versions=await store.base_versions(),
    )


async def recent_jobs(store: JobStore, request: ListJobs) -> list[JobRecord]:
    return await store.list_jobs(request.limit)


async def job_detail(store: JobStore, request: ShowJob) -> tuple[JobRecord, list[JournalEntry]]:
    job = await store.get_job(request.job_id)
    return job, await store.journal(job.id)


async def count_bobs(store: FleetStore, *, host: str | None = None) -> int:
    """Bobs that exist or are being made (reservations), on ``host`` or the whole fleet."""
    held = await store.occupants()
    return sum(1 for o in held if host is None or o.host == host)
