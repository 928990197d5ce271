"""The app in a staging Bob: started by the configured command, up once its port answers."""

from __future__ import annotations

import asyncio
import ipaddress
import time

from provisioning.config.models import StagingSettings
from provisioning.errors import BobError
from provisioning.hosts.shell import HostShell, LineCallback
from provisioning.lxc import commands
from provisioning.pipeline.containers import Container
from provisioning.staging.checkout import in_app_argv

PORT_WAIT_S = 60.0
CONNECT_S = 2.0


class AppDown(BobError):
    """The app did not answer on its port in time."""


async def run_in_app(
    container: Container,
    staging: StagingSettings,
    command: tuple[str, ...],
    on_line: LineCallback | None = None,
) -> None:
    """``command`` in the Bob's checkout; CommandFailed (with its output) when it fails."""
    argv = commands.attach(
        container.host, container.disk, container.name, in_app_argv(staging.env, command)
    )
    shell: HostShell = container.shell
    if on_line is None:
        await shell.run(argv, timeout=staging.deploy_timeout_s)
    else:
        await shell.stream(argv, on_line, timeout=staging.deploy_timeout_s)


async def answers(address: ipaddress.IPv4Address, port: int) -> bool:
    try:
        async with asyncio.timeout(CONNECT_S):
            _, writer = await asyncio.open_connection(str(address), port)
    except (OSError, TimeoutError):
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def wait_port(
    address: ipaddress.IPv4Address, port: int, within_s: float = PORT_WAIT_S
) -> None:
    """Until a TCP connection to the app succeeds (from bob's machine, as the gateway's)."""
    deadline = time.monotonic() + within_s
    while not await answers(address, port):
        if time.monotonic() > deadline:
            raise AppDown(f"nothing answers on {address}:{port} after {within_s:g} s")
        await asyncio.sleep(0.2)
