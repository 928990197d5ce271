"""When a Bob counts as up: its container RUNNING and its address answering a ping from its host.

The create pipeline waits for it before personalizing a new Bob, and reconcile's repair after
starting a ready Bob whose container had stopped: both by these functions, so they agree.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time

from provisioning.hosts.errors import HostError
from provisioning.lxc import commands
from provisioning.pipeline.containers import Container

READY_TIMEOUT_S = 20.0
READY_POLL_S = 0.1
WAIT_RUNNING_S = 10


def ping_argv(address: ipaddress.IPv4Address) -> list[str]:
    return ["ping", "-c", "1", "-W", "1", "-q", str(address)]


async def wait_ready(
    container: Container, address: ipaddress.IPv4Address, within_s: float = READY_TIMEOUT_S
) -> None:
    """Wait until ``container`` is RUNNING and ``address`` answers; HostError when it does not."""
    shell, name = container.shell, container.name
    await shell.run(
        commands.wait_running(container.host, container.disk, name, WAIT_RUNNING_S),
        timeout=WAIT_RUNNING_S + 5,
    )
    deadline = time.monotonic() + within_s
    while True:
        ping = await shell.run(ping_argv(address), check=False)
        if ping.exit_status == 0:
            return
        if time.monotonic() > deadline:
            said = (ping.stdout + ping.stderr).strip().splitlines()
            raise HostError(
                f"{shell.name}: {address} does not answer ping after "
                f"{within_s:g} s although {name} is RUNNING" + (f": {said[-1]}" if said else ""),
                host=shell.name,
            )
        await asyncio.sleep(READY_POLL_S)


async def is_ready(container: Container, address: ipaddress.IPv4Address) -> bool:
    """Whether it is up now, without waiting."""
    if await container.state() != "RUNNING":
        return False
    return (await container.shell.run(ping_argv(address), check=False)).exit_status == 0
