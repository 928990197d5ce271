"""The composition root for doing work: store, host shells, pipelines, runner and progress bus.

Typed against the seams in :mod:`provisioning.ports`, so a front end can be handed fakes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.port import JenkinsController

# What runs jobs (SSH, pipelines, the runner) is imported when a runtime is made: a command that
# only reads (`bob list`) needs the controllers alone.
if TYPE_CHECKING:
    from bot.settings import Settings
    from provisioning.jobs import JobRunner, ProgressBus
    from provisioning.ports import DnsZoneClient, Shells, Store

# sshd's MaxStartups and the host's disks both suffer past a handful of concurrent clones.
PER_HOST_LIMIT = 6


@dataclass
class Runtime:
    settings: Settings
    store: Store
    dns: DnsZoneClient | None
    bus: ProgressBus
    runner: JobRunner
    jenkins: dict[str, JenkinsController]
    shells: Shells

    def __post_init__(self) -> None:
        self.dns = shared_transfers(self.dns)


def shared_transfers(dns: DnsZoneClient | None) -> DnsZoneClient | None:
    """``dns`` with its zone transfers shared by concurrent readers: every create in this
    process (Slack, the board, the CLI) reads the zones through one transfer at a time."""
    from provisioning.dns import SharedTransfers

    if dns is None or isinstance(dns, SharedTransfers):
        return dns
    return SharedTransfers(dns)


def jenkins_controllers(settings: Settings) -> dict[str, JenkinsController]:
    """The configured controllers by name; tokens are read from the environment at each use."""
    return {c.name: ScriptConsoleController(c) for c in settings.fleet.jenkins}


def dns_client(settings: Settings) -> DnsZoneClient | None:
    """The fleet's DNS server, or None when the config has no dns section."""
    from provisioning.dns import DnsClient, secret_from_env

    if settings.fleet.dns is None:
        return None
    return DnsClient(settings.fleet.dns, secret_from_env(settings.fleet.dns))


@asynccontextmanager
async def runtime(
    settings: Settings, store: Store, owner: str = "bob-cli"
) -> AsyncIterator[Runtime]:
    from provisioning.hosts.ssh import HostPool
    from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
    from provisioning.pipeline import kinds
    from provisioning.pipeline.context import Pipeline
    from provisioning.pipeline.health import HostHealthMonitor

    pool = HostPool(settings.fleet.hosts)
    dns = shared_transfers(dns_client(settings))
    jenkins = jenkins_controllers(settings)
    registry = JobKinds()
    pipeline = Pipeline(fleet=settings.fleet, shells=pool, store=store, dns=dns, jenkins=jenkins)
    kinds.register(registry, pipeline)
    bus = ProgressBus()
    bus.subscribe(HostHealthMonitor(store, settings.fleet.host_health))
    runner = JobRunner(
        store,
        registry,
        bus,
        owner=unique_owner(owner),
        per_host_limit=PER_HOST_LIMIT,
        lease=settings.job_lease,
    )
    try:
        yield Runtime(settings, store, dns, bus, runner, jenkins, pool)
    finally:
        await pool.close_all()
