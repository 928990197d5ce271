"""refresh: which Bobs, what each becomes, and the job.

The same for every front end: the CLI, Slack and the board show :func:`plan_refresh` (the dry
run, and what a confirmation asks about) and then call :func:`submit_refresh`, which plans
again from the records as they are then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import Field

from handlers.provision import Caller
from handlers.requests import DETACH_WAIT_S, HostName, _Request
from provisioning.config.models import Fleet
from provisioning.core.plan import MAX_BATCH
from provisioning.errors import BobError, UnknownHostError, UsageError
from provisioning.pipeline.kinds import REFRESH
from provisioning.pipeline.refresh import Refreshed
from provisioning.ports import StateStore
from provisioning.records import BobRecord, BobState, JobRecord, NewJob


class RefreshBobs(_Request):
    """``names``, or ``stale``: every Bob cloned from an older base than its host's current
    one (``bob list`` marks them STALE); ``host`` narrows either to one host."""

    names: tuple[HostName, ...] = Field(default=(), max_length=MAX_BATCH)
    stale: bool = False
    host: HostName | None = None
    parallel: int = Field(default=1, ge=1, le=16)
    wait: float = Field(default=DETACH_WAIT_S, ge=0, le=86400)


class PlanRefresh(RefreshBobs):
    """``refresh … --dry-run``."""


@dataclass(frozen=True)
class RefreshPlan:
    bobs: list[Refreshed]
    current: Mapping[str, int]  # host → its current base version, as bob's records know it
    parallel: int
    wait: float

    def describe(self, bob: Refreshed) -> str:
        now = self.current.get(bob.host)
        was = f"v{bob.base_version}" if bob.base_version is not None else "unknown base"
        to = f"v{now}" if now is not None else "its current base"
        agent = f", agent {bob.controller}/{bob.label} drained first" if bob.controller else ""
        return f"{bob.name} on {bob.host}/{bob.disk} {bob.ip}: {was} → {to}{agent}"


def is_stale(bob: BobRecord, current: Mapping[str, int]) -> bool:
    """What ``bob list`` marks STALE: cloned from an older base than its host's current one."""
    newest = current.get(bob.host)
    return bob.base_version is not None and newest is not None and bob.base_version < newest


async def plan_refresh(fleet: Fleet, store: StateStore, request: RefreshBobs) -> RefreshPlan:
    """The Bobs the request names (or the stale ones), each checked to be refreshable."""
    if bool(request.names) == request.stale:
        raise UsageError("name the Bobs to refresh, or pass --stale (not both)")
    if request.host is not None and request.host not in {h.name for h in fleet.hosts}:
        known = ", ".join(h.name for h in fleet.hosts)
        raise UnknownHostError(f"no host named {request.host} in the config (hosts: {known})")
    bobs = await store.list_bobs()
    current = await store.base_versions()
    if request.stale:
        chosen = [b for b in bobs if is_stale(b, current)]
    else:
        by_name = {b.name: b for b in bobs}
        unknown = [n for n in request.names if n not in by_name]
        if unknown:
            raise UsageError(f"no Bob named {', '.join(unknown)} (`bob list` shows them all)")
        chosen = [by_name[n] for n in dict.fromkeys(request.names)]
    if request.host is not None:
        chosen = [b for b in chosen if b.host == request.host]
    return RefreshPlan(
        bobs=[_refreshable(fleet, b) for b in chosen],
        current=current,
        parallel=request.parallel,
        wait=request.wait,
    )


def _refreshable(fleet: Fleet, bob: BobRecord) -> Refreshed:
    """The job's view of ``bob``, or a UsageError saying why it cannot be refreshed."""
    if bob.host not in {h.name for h in fleet.hosts}:
        raise UsageError(f"{bob.name} is on host {bob.host}, which is no longer in the config")
    if bob.state is not BobState.READY:
        raise UsageError(f"{bob.name} is {bob.state.value} (job {bob.job_id}), not ready")
    if fleet.host(bob.host).storage.backend == "lvm":
        raise UsageError(f"{bob.name}: refresh does not support lvm hosts ({bob.host}) yet")
    subnet = next((s for s in fleet.subnets if bob.ip is not None and bob.ip in s.cidr), None)
    if bob.ip is None or subnet is None:
        raise UsageError(f"{bob.name}'s address {bob.ip} is in no configured subnet")
    if bob.controller is not None and bob.controller not in {c.name for c in fleet.jenkins}:
        raise UsageError(
            f"{bob.name} is an agent of {bob.controller}, which is no longer in the config"
        )
    return Refreshed(
        name=bob.name,
        host=bob.host,
        disk=bob.disk,
        slot=bob.slot,
        ip=bob.ip,
        gateway=subnet.gateway,
        prefix_length=subnet.cidr.prefixlen,
        job_id=bob.job_id,
        base_version=bob.base_version,
        controller=bob.controller,
        label=bob.label,
    )


def render_refresh_plan(plan: RefreshPlan, verb: str = "would refresh") -> str:
    if not plan.bobs:
        return "nothing to refresh: every Bob is on its host's current base"
    count = len(plan.bobs)
    at_once = min(plan.parallel, count)
    how = "one at a time" if at_once == 1 else f"{at_once} at a time"
    lines = [f"{verb} {count} Bob{'s' if count != 1 else ''} ({how}), same name and address:"]
    lines += [f"  {plan.describe(b)}" for b in plan.bobs]
    return "\n".join(lines)


async def submit_refresh(
    fleet: Fleet, store: StateStore, request: RefreshBobs, caller: Caller
) -> JobRecord | None:
    """A refresh job for the Bobs the request selects now; None when there are none."""
    try:
        plan = await plan_refresh(fleet, store, request)
    except BobError as exc:
        await store.audit(caller.rejection(exc))
        raise
    if not plan.bobs:
        await store.audit(caller.entry("no-op", "nothing to refresh"))
        return None
    names = [b.name for b in plan.bobs]
    job = await store.create_job(
        NewJob(
            kind=REFRESH,
            params={
                "bobs": [b.model_dump(mode="json") for b in plan.bobs],
                "parallel": request.parallel,
                "wait": request.wait,
            },
            requested_by=caller.actor,
            source=caller.source,
        )
    )
    await store.audit(caller.entry("submitted", f"job {job.id}: {', '.join(names)}"))
    return job
