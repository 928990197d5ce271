"""What every pipeline step needs: the fleet, a shell per host and the store."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from provisioning.config.models import Fleet, Host
from provisioning.dns.port import DnsZoneClient
from provisioning.hosts.shell import HostShell
from provisioning.jenkins.port import JenkinsController
from provisioning.lxc.cgroups import DETECT_ARGV, CgroupLayout, layout_from_fstype
from provisioning.pipeline.outages import UNDO_PATIENCE, Outages, Patience
from provisioning.ports import FleetStore, Shells


async def detect_cgroup_layout(shell: HostShell) -> CgroupLayout:
    """Which cgroup keys LXC enforces on the host ``shell`` reaches."""
    return layout_from_fstype((await shell.run(list(DETECT_ARGV))).stdout)


@dataclass
class Pipeline:
    fleet: Fleet
    shells: Shells
    store: FleetStore
    # None when the fleet config has no dns section: Bobs then get no DNS records.
    dns: DnsZoneClient | None = None
    # The configured controllers by name (empty: no Jenkins; Bobs are then never attached).
    jenkins: Mapping[str, JenkinsController] = field(default_factory=dict)
    _layouts: dict[str, CgroupLayout] = field(default_factory=dict)
    # (job id, Bob) → the base version Clone used, so MarkReady need not read the clone's
    # config back over SSH; after a restart it is empty and MarkReady reads the config.
    cloned_from: dict[tuple[str, str], int | None] = field(default_factory=dict)
    # (job id, Bob) → the config Clone left, for Configure to start from without a read.
    clone_configs: dict[tuple[str, str], str] = field(default_factory=dict)
    # (job id, host) → the base version this job clones from on that host.
    current_bases: dict[tuple[str, str], str] = field(default_factory=dict)
    bases_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Hosts (and controllers) a job's undo found away: one retry window per job and place.
    outages: Outages = field(default_factory=Outages)
    # How long an undo keeps trying a place it cannot reach.
    undo_patience: Patience = UNDO_PATIENCE
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def host(self, name: str) -> Host:
        return self.fleet.host(name)

    def shell(self, host: str) -> HostShell:
        return self.shells.get(host)

    async def cgroup_layout(self, host: str) -> CgroupLayout:
        """Detected once per host: which cgroup keys LXC will enforce there."""
        async with self._lock:
            if host not in self._layouts:
                self._layouts[host] = await detect_cgroup_layout(self.shell(host))
            return self._layouts[host]
