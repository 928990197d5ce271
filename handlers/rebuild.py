"""rebuild-base: which hosts, in what order, how many at once; the plan and the job.

The same for every front end: the CLI and Slack both show :func:`plan_rebuild` (the dry run,
and what a confirmation asks about) and then call :func:`submit_rebuild`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from handlers.provision import Caller
from handlers.requests import RebuildBase
from provisioning.bases.sources import describe
from provisioning.config.models import Fleet
from provisioning.errors import BobError, UsageError
from provisioning.pipeline.kinds import REBUILD_BASE, rebuild_lanes
from provisioning.ports import StateStore
from provisioning.records import JobRecord, NewJob


@dataclass(frozen=True)
class HostRebuild:
    host: str
    lane: str
    backend: str
    source: str
    current: int | None  # as the store last saw it; the host's own state decides

    def describe(self) -> str:
        now = f"v{self.current}" if self.current is not None else "v?"
        after = f"v{self.current + 1}" if self.current is not None else "the next version"
        return (
            f"{self.host}: {now} → {after} from {self.source} ({self.backend}), verify, "
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
            raise UsageError(
                f"no host named {', '.join(unknown)} in the config (hosts: {', '.join(known)})"
            )
        return [h for h in known if h in request.hosts], []
    chosen = [h.name for h in fleet.hosts if not (h.drained or h.name in drained)]
    skipped = [h.name for h in fleet.hosts if h.drained or h.name in drained]
    if not chosen:
        raise UsageError("every host is drained; name the hosts to rebuild")
    return chosen, skipped


async def plan_rebuild(fleet: Fleet, store: StateStore, request: RebuildBase) -> RebuildPlan:
    hosts, skipped = select_hosts(fleet, request, await _drained(store))
    lanes = rebuild_lanes(hosts, request.parallel)
    versions = await store.base_versions()
    return RebuildPlan(
        hosts=[
            HostRebuild(
                host=name,
                lane=lanes[name],
                backend=fleet.host(name).storage.backend,
                source=describe(fleet.host(name).base.source),
                current=versions.get(name),
            )
            for name in hosts
        ],
        skipped=skipped,
        parallel=min(request.parallel, len(hosts)),
    )


async def submit_rebuild(
    fleet: Fleet, store: StateStore, request: RebuildBase, caller: Caller
) -> JobRecord:
    """A rebuild-base job for the selected hosts, recorded in the audit log."""
    try:
        hosts, skipped = select_hosts(fleet, request, await _drained(store))
    except BobError as exc:
        await store.audit(caller.entry("refused", str(exc)))
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
