"""``sandbox status``: what is running of the sandbox recorded in a state directory."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sandbox import containers, dns_server, network, sshd, state
from sandbox.bind_config import ADDRESS, bind_layout
from sandbox.inside import HostView
from sandbox.layout import HostLayout, host_layouts
from sandbox.options import DnsStatus, HostStatus, SandboxOptions, SandboxStatus
from sandbox.paths import StatePaths


async def sandbox_status(state_dir: Path) -> SandboxStatus:
    options = state.read(StatePaths(state_dir))
    if options is None:
        return SandboxStatus(state_dir, None, ())
    hosts = await asyncio.gather(*(_host_status(h) for h in host_layouts(options)))
    return SandboxStatus(state_dir, options, tuple(hosts), await _dns_status(options))


async def _dns_status(options: SandboxOptions) -> DnsStatus:
    bind = bind_layout(options)
    pid = dns_server.our_pid(bind)
    # without our named, whatever answers on that port is not the sandbox's DNS
    unanswered = await dns_server.unanswered(bind) if pid is not None else list(bind.zones)
    return DnsStatus(ADDRESS, bind.port, pid, tuple(unanswered))


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
