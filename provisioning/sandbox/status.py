"""``sandbox status``: what is running of the sandbox recorded in a state directory."""

from __future__ import annotations

import asyncio
from pathlib import Path

from provisioning.sandbox import containers, network, sshd, state
from provisioning.sandbox.inside import HostView
from provisioning.sandbox.layout import HostLayout, host_layouts
from provisioning.sandbox.options import HostStatus, SandboxStatus
from provisioning.sandbox.paths import StatePaths


async def sandbox_status(state_dir: Path) -> SandboxStatus:
    options = state.read(StatePaths(state_dir))
    if options is None:
        return SandboxStatus(state_dir, None, ())
    hosts = await asyncio.gather(*(_host_status(h) for h in host_layouts(options)))
    return SandboxStatus(state_dir, options, tuple(hosts))


async def _host_status(layout: HostLayout) -> HostStatus:
    pid = sshd.our_pid(layout)
    inside = pid or sshd.keeper_pid(layout)  # the keeper: when a drill stopped sshd
    found: tuple[str, ...] = ()
    if inside is not None:
        listing = await containers.list_containers(HostView(layout.name, inside))
        found = tuple(containers.describe(path, name) for path, name in listing)
    return HostStatus(
        name=layout.name,
        namespace=layout.namespace,
        address=str(layout.host_ip),
        namespace_exists=network.netns_exists(layout.namespace),
        sshd_alive=pid is not None,
        containers=found,
    )
