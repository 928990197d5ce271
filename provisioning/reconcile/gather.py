"""Read the truth from every system at once: the store, each host, each zone, each controller.

A system that cannot be read is recorded as an error, never taken as "empty": an unreachable
host does not mean its containers are gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from provisioning.config.models import Fleet
from provisioning.dns.port import DnsZoneClient, ZoneRecord
from provisioning.dns.zone import reverse_zone
from provisioning.errors import BobError
from provisioning.jenkins.port import JenkinsController
from provisioning.ports import Shells, StateStore
from provisioning.reconcile.model import Truth
from provisioning.reconcile.scan import scan_host
from provisioning.staging.ports import StageStore
from provisioning.staging.records import StageState

T = TypeVar("T")


async def gather(
    fleet: Fleet,
    store: StateStore,
    shells: Shells,
    dns: DnsZoneClient | None,
    jenkins: Mapping[str, JenkinsController],
    *,
    hosts: Sequence[str] | None = None,
) -> Truth:
    """One pass: one round trip per host, one transfer per zone, one list per controller."""
    reservations = await store.list_reservations()
    held_by = {r.job_id for r in reservations}
    finished: set[str] = set()
    for job_id in sorted(held_by):
        job = await store.get_job(job_id)
        if job.state.finished:
            finished.add(job_id)
    truth = Truth(
        bobs=await store.list_bobs(),
        reservations=reservations,
        unfinished=await store.unfinished_jobs(),
        finished_jobs=finished,
        lockers=await store.list_lockers(),
        mounts=await store.locker_mounts(),
    )
    if isinstance(store, StageStore):
        envs = await store.stage_envs()
        truth.parked = {e.bob for e in envs if e.state is StageState.OFF}
    names = [h.name for h in fleet.hosts if hosts is None or h.name in hosts]
    zones = _zones(fleet) if dns is not None else []

    async def transfer(zone: str) -> list[ZoneRecord]:
        assert dns is not None
        return await dns.axfr(zone)

    scans, transfers, lists = await asyncio.gather(
        _each(names, lambda n: scan_host(shells.get(n), fleet.host(n))),
        _each(zones, transfer),
        _each(list(jenkins), lambda c: jenkins[c].list_nodes()),
    )
    truth.hosts, host_errors = scans
    truth.zones, zone_errors = transfers
    truth.nodes, node_errors = lists
    for controller, listed in truth.nodes.items():
        offline = {n.name for n in listed if n.managed and n.offline}
        truth.offline_since[controller] = await store.track_offline(
            controller, offline, truth.read_at
        )
    truth.skipped_hosts = {h.name for h in fleet.hosts} - set(names)
    truth.errors = {
        **{f"host:{k}": v for k, v in host_errors.items()},
        **{f"dns:{k}": v for k, v in zone_errors.items()},
        **{f"jenkins:{k}": v for k, v in node_errors.items()},
    }
    return truth


def _zones(fleet: Fleet) -> list[str]:
    forward = sorted({s.forward_zone for s in fleet.subnets})
    return forward + sorted({reverse_zone(s) for s in fleet.subnets})


async def _each(
    keys: Sequence[str], read: Callable[[str], Awaitable[T]]
) -> tuple[dict[str, T], dict[str, str]]:
    results = await asyncio.gather(*(read(k) for k in keys), return_exceptions=True)
    values: dict[str, T] = {}
    errors: dict[str, str] = {}
    for key, result in zip(keys, results, strict=True):
        if isinstance(result, BobError):
            errors[key] = str(result)
        elif isinstance(result, BaseException):
            raise result
        else:
            values[key] = result
    return values, errors
