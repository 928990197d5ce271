"""Commands that change the fleet: they reserve, record who asked, and hand a job to the runner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from handlers.create_plan import planner, read_dns
from handlers.plans import dry_run_destroy
from handlers.requests import CreateBobs, DestroyBobs
from provisioning.config.models import Fleet
from provisioning.core.health import unavailable
from provisioning.core.models import CreatePlan
from provisioning.dns.port import DnsZoneClient
from provisioning.errors import BobError, ShortfallError, UnknownHostError, UsageError
from provisioning.pipeline.destroy import Doomed
from provisioning.pipeline.kinds import CREATE, DESTROY
from provisioning.ports import StateStore
from provisioning.records import AuditEntry, BobState, JobRecord, NewJob


class Caller:
    """Who asked, through what, from where: recorded in the audit log and on the job."""

    def __init__(self, actor: str, source: str, origin: str, command: str) -> None:
        self.actor, self.source, self.origin, self.command = actor, source, origin, command

    def entry(self, outcome: str, detail: str | None = None) -> AuditEntry:
        return AuditEntry(
            at=datetime.now(UTC),
            actor=self.actor,
            source=self.source,
            origin=self.origin,
            command=self.command,
            outcome=outcome,
            detail=detail,
        )

    def rejection(self, exc: BobError) -> AuditEntry:
        """The audit entry for a request bob turned down, its outcome saying why: ``refused``
        is kept for access (written where access is checked), so it never hides a typo."""
        return self.entry(rejection_outcome(exc), str(exc))


def rejection_outcome(exc: BobError) -> str:
    if isinstance(exc, ShortfallError):
        return "shortfall"
    if isinstance(exc, UnknownHostError):
        return "unknown-host"
    if isinstance(exc, UsageError):
        return "invalid"
    return "failed"  # the request was fine; something it needed was not (a host check)


async def submit_create(
    fleet: Fleet,
    store: StateStore,
    request: CreateBobs,
    caller: Caller,
    dns: DnsZoneClient | None = None,
    preflight: Callable[[CreatePlan], Awaitable[None]] | None = None,
) -> tuple[JobRecord, CreatePlan]:
    """Plan and reserve in one transaction; the job holds the names, slots and addresses.

    ``preflight`` (the hosts' checks) sees the plan as it stands first, and may refuse it before
    anything is reserved.

    With DNS, names and addresses found in the zones count as taken too (a hand-made record
    is never reused); the job's DNS step then claims each address race-free. The hosts
    placement left out, and why, are kept in the job's ``skipped`` param (see
    :func:`skipped_hosts`) for every front end to say.
    """
    try:
        view = await read_dns(fleet, dns)
        skip = unavailable(await store.host_states(), datetime.now(UTC))
        # Named hosts are the only candidates: the others were not skipped, just not asked.
        skipped = {} if request.host else {**drained_in_config(fleet), **skip}
        plan_now = planner(fleet, view, request.count, host=request.host, unavailable=skip)
        if preflight is not None:
            await preflight(plan_now(await store.occupants()))
        new_job = NewJob(
            kind=CREATE,
            params={
                "count": request.count,
                "host": request.host,
                "skipped": skipped,
                **({"ttl_s": request.ttl_s} if request.ttl_s else {}),
            },
            requested_by=caller.actor,
            source=caller.source,
        )
        job, plan = await store.reserve(new_job, plan_now)
    except BobError as exc:
        await store.audit(caller.rejection(exc))
        raise
    await store.audit(caller.entry("submitted", f"job {job.id}: {', '.join(plan.names)}"))
    return job, plan


def drained_in_config(fleet: Fleet) -> dict[str, str]:
    return {h.name: "drained in the config" for h in fleet.hosts if h.drained}


def skipped_hosts(job: JobRecord) -> dict[str, str]:
    """Host → why a create job's placement left it out (none for other jobs)."""
    skipped = job.params.get("skipped") or {}
    return {str(host): str(why) for host, why in skipped.items()}


async def submit_destroy(
    fleet: Fleet,
    store: StateStore,
    request: DestroyBobs,
    caller: Caller,
    *,
    agents: Mapping[str, str] | None = None,
    wait: float = 0.0,
) -> tuple[JobRecord | None, list[str]]:
    """A destroy job for the named Bobs that exist; also returns the names already gone.

    ``agents``: Bob name → controller it is an agent of (see handlers.jenkins.agents_of); the
    job detaches those first, waiting up to ``wait`` seconds for running builds.
    """
    agents = agents or {}
    known_hosts = {h.name for h in fleet.hosts}
    doomed: list[Doomed] = []
    try:
        plan = await dry_run_destroy(store, request)
    except UsageError as exc:
        await store.audit(caller.rejection(exc))
        raise
    gone = plan.gone
    for bob in plan.doomed:
        name = bob.name
        if bob.host not in known_hosts:
            raise UsageError(f"{name} is on host {bob.host}, which is no longer in the config")
        if bob.state is BobState.CREATING:
            raise UsageError(f"{name} is still being created by job {bob.job_id}")
        doomed.append(
            Doomed(
                name=bob.name,
                host=bob.host,
                disk=bob.disk,
                ip=bob.ip,
                controller=agents.get(bob.name),
            )
        )
    if not doomed:
        await store.audit(caller.entry("no-op", f"already gone: {', '.join(gone)}"))
        return None, gone
    job = await store.create_job(
        NewJob(
            kind=DESTROY,
            params={"bobs": [d.model_dump(mode="json") for d in doomed], "wait": wait},
            requested_by=caller.actor,
            source=caller.source,
        )
    )
    await store.audit(
        caller.entry("submitted", f"job {job.id}: {', '.join(d.name for d in doomed)}")
    )
    return job, gone


async def record_outcome(store: StateStore, caller: Caller, job: JobRecord) -> None:
    await store.audit(
        caller.entry(job.state.value, f"job {job.id}" + (f": {job.error}" if job.error else ""))
    )
