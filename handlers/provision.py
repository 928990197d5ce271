"""Commands that change the fleet: they reserve, record who asked, and hand a job to the runner."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime

from handlers.plans import dry_run_destroy
from handlers.requests import CreateBobs, DestroyBobs
from provisioning.config.models import Fleet
from provisioning.core.health import unavailable
from provisioning.core.models import CreatePlan, Occupant
from provisioning.core.plan import plan_create
from provisioning.dns.allocate import forward_names, used_addresses
from provisioning.dns.port import DnsZoneClient
from provisioning.dns.zone import reverse_zone
from provisioning.errors import BobError, UsageError
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
        names, addresses = await taken_in_dns(fleet, dns) if dns is not None else (set(), set())
        skip = unavailable(await store.host_states(), datetime.now(UTC))
        # Named hosts are the only candidates: the others were not skipped, just not asked.
        skipped = {} if request.host else {**drained_in_config(fleet), **skip}

        def planner(held: Sequence[Occupant]) -> CreatePlan:
            return plan_create(
                fleet,
                held,
                request.count,
                host=request.host,
                other_names=names,
                other_addresses=addresses,
                unavailable=skip,
            )

        if preflight is not None:
            await preflight(planner(await store.occupants()))
        new_job = NewJob(
            kind=CREATE,
            params={"count": request.count, "host": request.host, "skipped": skipped},
            requested_by=caller.actor,
            source=caller.source,
        )
        job, plan = await store.reserve(new_job, planner)
    except BobError as exc:
        await store.audit(caller.entry("refused", str(exc)))
        raise
    await store.audit(caller.entry("submitted", f"job {job.id}: {', '.join(plan.names)}"))
    return job, plan


def drained_in_config(fleet: Fleet) -> dict[str, str]:
    return {h.name: "drained in the config" for h in fleet.hosts if h.drained}


def skipped_hosts(job: JobRecord) -> dict[str, str]:
    """Host → why a create job's placement left it out (none for other jobs)."""
    skipped = job.params.get("skipped") or {}
    return {str(host): str(why) for host, why in skipped.items()}


async def taken_in_dns(
    fleet: Fleet, dns: DnsZoneClient
) -> tuple[set[str], set[ipaddress.IPv4Address]]:
    """Names in the forward zones and, for the axfr strategy, addresses in the reverse zones.

    The scan strategy looks addresses up one by one when it claims them instead.
    """
    names: set[str] = set()
    for zone in sorted({s.forward_zone for s in fleet.subnets}):
        names |= await forward_names(dns, zone)
    addresses: set[ipaddress.IPv4Address] = set()
    if fleet.dns is not None and fleet.dns.allocation == "axfr":
        for zone in sorted({reverse_zone(s) for s in fleet.subnets}):
            addresses |= used_addresses(await dns.axfr(zone))
    return names, addresses


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
        await store.audit(caller.entry("refused", str(exc)))
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
