"""Read-only commands: they look at the store and the config and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.attachments import Controllers, compare, read_nodes
from handlers.create_plan import DryRun, planner, read_dns_for_dry_run
from handlers.overview import Overview, build_overview
from handlers.provision import drained_in_config
from handlers.requests import ListBobs, ListJobs, PlanCreate, ShowJob
from provisioning.config.models import Fleet
from provisioning.core.health import unavailable
from provisioning.dns.port import DnsZoneClient
from provisioning.errors import UsageError
from provisioning.jobs.liveness import interrupted
from provisioning.ports import FleetStore, HostStates, JobStore, StateStore
from provisioning.records import JobRecord, JournalEntry


async def dry_run_create(
    fleet: Fleet,
    store: StateStore,
    request: PlanCreate,
    dns: DnsZoneClient | None,
    dns_problem: str | None = None,
) -> DryRun:
    """The plan ``create`` would carry out now, without reserving anything: the same planner
    over the same store, fleet and DNS zones (see handlers.create_plan). ``dns_problem``: why
    no client could be made (a secret not set), which the plan then says."""
    view = await read_dns_for_dry_run(fleet, dns, dns_problem)
    skip = await unavailable_hosts(store)
    plan = planner(fleet, view, request.count, host=request.host, unavailable=skip)
    return DryRun(plan(await store.occupants()), view.notes)


async def unavailable_hosts(store: HostStates, fleet: Fleet | None = None) -> dict[str, str]:
    """Hosts placement skips now (drained at run time, cooling down), with the reason; with
    ``fleet``, also those drained in the config."""
    skip = drained_in_config(fleet) if fleet else {}
    return {**skip, **unavailable(await store.host_states(), datetime.now(UTC))}


async def fleet_overview(
    fleet: Fleet, store: StateStore, request: ListBobs, controllers: Controllers | None = None
) -> Overview:
    """Bobs in their slots; with ``controllers``, attachments as the controllers report them."""
    if request.host is not None and request.host not in {h.name for h in fleet.hosts}:
        known = ", ".join(h.name for h in fleet.hosts)
        raise UsageError(f"unknown host {request.host!r}; known hosts: {known}")
    bobs, reservations = await store.list_bobs(), await store.list_reservations()
    truth = None
    if controllers:
        lists = await read_nodes(controllers)
        truth = compare(bobs, lists, [r.name for r in reservations], fleet.naming)
    now = datetime.now(UTC)
    skip = unavailable(await store.host_states(), now)
    return build_overview(
        fleet,
        bobs,
        reservations,
        host=request.host,
        jenkins=truth,
        unavailable=skip,
        base_versions=await store.base_versions(),
        interrupted=await interrupted_jobs(store, now),
        unfinished={j.id for j in await store.unfinished_jobs()},
    )


async def interrupted_jobs(store: JobStore, now: datetime) -> set[str]:
    """Ids of the unfinished jobs no runner holds (see provisioning.jobs.liveness)."""
    return {j.id for j in await store.unfinished_jobs() if interrupted(j, now)}


async def recent_jobs(store: JobStore, request: ListJobs) -> list[JobRecord]:
    return await store.list_jobs(request.limit)


async def job_detail(store: JobStore, request: ShowJob) -> tuple[JobRecord, list[JournalEntry]]:
    job = await find_job(store, request.job_id)
    return job, await store.journal(job.id)


# How many of the jobs an ambiguous prefix matches are named.
AMBIGUOUS_SHOWN = 5


async def find_job(store: JobStore, typed: str) -> JobRecord:
    """The job a user named: by its id, or by any start of it no other job's id shares."""
    ids = await store.job_ids_starting(typed, limit=AMBIGUOUS_SHOWN + 1)
    if typed in ids or len(ids) == 1:
        return await store.get_job(typed if typed in ids else ids[0])
    if not ids:
        raise UsageError(f"no job with id {typed!r}")
    shown = ", ".join(ids[:AMBIGUOUS_SHOWN]) + (", …" if len(ids) > AMBIGUOUS_SHOWN else "")
    many = f"more than {AMBIGUOUS_SHOWN}" if len(ids) > AMBIGUOUS_SHOWN else str(len(ids))
    raise UsageError(f"job id {typed!r} is ambiguous: {many} jobs start with it ({shown})")


async def count_bobs(store: FleetStore, *, host: str | None = None) -> int:
    """Bobs that exist or are being made (reservations), on ``host`` or the whole fleet."""
    held = await store.occupants()
    return sum(1 for o in held if host is None or o.host == host)
