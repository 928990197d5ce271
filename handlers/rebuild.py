"""rebuild-base: which hosts, in what order, how many at once; the plan and the job.

The same for every front end: the CLI and Slack both show :func:`plan_rebuild` (the dry run,
and what a confirmation asks about) and then call :func:`submit_rebuild`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass

from handlers.provision import Caller
from handlers.requests import RebuildBase
from provisioning.bases.sources import describe
from provisioning.config.models import Fleet
from provisioning.errors import BobError, ConflictError, UnknownHostError, UsageError
from provisioning.hosts.errors import HostError
from provisioning.pipeline.host_bases import HostBases
from provisioning.pipeline.kinds import REBUILD_BASE, rebuild_lanes
from provisioning.pipeline.rebuild import version_to_build
from provisioning.ports import Shells, StateStore
from provisioning.records import JobRecord, NewJob


@dataclass(frozen=True)
class HostRebuild:
    host: str
    lane: str
    backend: str
    source: str
    current: int | None  # the version new clones start from now, read on the host
    builds: int | None  # the version the job builds there; None: it would stop at this host
    problem: str | None = None  # why it would stop (the host unreadable, another rebuild)

    def describe(self) -> str:
        if self.builds is None:
            return f"{self.host}: {self.problem}; the job would stop here"
        now = f"v{self.current}" if self.current is not None else "no base"
        return (
            f"{self.host}: {now} → v{self.builds} from {self.source} ({self.backend}), verify, "
            "swap, collect unused old versions"
        )


@dataclass(frozen=True)
class RebuildPlan:
    hosts: list[HostRebuild]
    skipped: list[str]  # drained hosts left out of "all"
    parallel: int


def select_hosts(
    fleet: Fleet, request: RebuildBase, drained: Collection[str] = ()
) -> tuple[list[str], list[str]]:
    """(hosts to rebuild in config order, drained hosts skipped); an unknown name is refused.

    ``drained``: hosts drained at run time (``bob drain``), skipped like those in the config.
    """
    known = [h.name for h in fleet.hosts]
    if request.hosts:
        unknown = [h for h in request.hosts if h not in known]
        if unknown:
            raise UnknownHostError(
                f"no host named {', '.join(unknown)} in the config (hosts: {', '.join(known)})"
            )
        return [h for h in known if h in request.hosts], []
    chosen = [h.name for h in fleet.hosts if not (h.drained or h.name in drained)]
    skipped = [h.name for h in fleet.hosts if h.drained or h.name in drained]
    if not chosen:
        raise UsageError("every host is drained; name the hosts to rebuild")
    return chosen, skipped


async def plan_rebuild(
    fleet: Fleet, store: StateStore, request: RebuildBase, shells: Shells
) -> RebuildPlan:
    """What the job would do on each host, from the host's bases as they are now: the version
    comes from the function the job's ``lock`` step uses, read from the same place."""
    hosts, skipped = select_hosts(fleet, request, await _drained(store))
    lanes = rebuild_lanes(hosts, request.parallel)
    return RebuildPlan(
        hosts=list(await asyncio.gather(*(_host_plan(fleet, shells, h, lanes[h]) for h in hosts))),
        skipped=skipped,
        parallel=min(request.parallel, len(hosts)),
    )


async def _host_plan(fleet: Fleet, shells: Shells, name: str, lane: str) -> HostRebuild:
    host = fleet.host(name)
    bases = HostBases(shells.get(name), host)
    current: int | None = None
    builds: int | None = None
    problem: str | None = None
    try:
        state = await bases.state()
        current = state.current_version
        builds = version_to_build(state, name, bases.lock_path)
    except HostError as exc:
        problem = f"cannot read its bases ({str(exc).removeprefix(f'{name}: ')})"
    except ConflictError as exc:
        problem = str(exc).removeprefix(f"{name}: ")
    return HostRebuild(
        host=name,
        lane=lane,
        backend=host.storage.backend,
        source=describe(host.base.source),
        current=current,
        builds=builds,
        problem=problem,
    )


async def submit_rebuild(
    fleet: Fleet, store: StateStore, request: RebuildBase, caller: Caller
) -> JobRecord:
    """A rebuild-base job for the selected hosts, recorded in the audit log."""
    try:
        hosts, skipped = select_hosts(fleet, request, await _drained(store))
    except BobError as exc:
        await store.audit(caller.rejection(exc))
        raise
    job = await store.create_job(
        NewJob(
            kind=REBUILD_BASE,
            params={"hosts": hosts, "parallel": request.parallel},
            requested_by=caller.actor,
            source=caller.source,
        )
    )
    detail = f"job {job.id}: {', '.join(hosts)}" + (
        f" (drained, skipped: {', '.join(skipped)})" if skipped else ""
    )
    await store.audit(caller.entry("submitted", detail))
    return job


async def _drained(store: StateStore) -> set[str]:
    return {s.host for s in await store.host_states() if s.drained}
