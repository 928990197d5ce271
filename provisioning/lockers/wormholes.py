"""A Bob's wormhole: the LXC lines that give it one, and the hook those lines name."""

from __future__ import annotations

from collections.abc import Sequence

from provisioning.config.models import Host
from provisioning.hosts.shell import HostShell
from provisioning.lockers import commands
from provisioning.lockers.layout import host_path_line, wormhole_lines


def bob_mounts(host: Host, bob: str, host_paths: Sequence[str]) -> list[str]:
    """Every mount line bob writes into a Bob's config: its wormhole, the configured host paths."""
    return [*wormhole_lines(host, bob), *(host_path_line(p) for p in host_paths)]


async def install_hook(shell: HostShell, host: Host) -> None:
    """The hook every Bob's config names, written (again: it is tiny) before a Bob is configured.

    Every Bob of a job on the host writes it at once, so each writes beside it under a name of
    its own (the writing shell's PID) and renames: a rename is atomic, a shared temp is not.
    """
    await shell.run(commands.install_hook(host), input=commands.HOOK)
