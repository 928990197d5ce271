"""What the sandbox hosts really hold, read over SSH and /proc without asking bob.

The drill compares bob's records and claims against these readings. Every value reaches the
remote shell as a positional argument of a fixed script.
"""

from __future__ import annotations

import asyncio
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from sandbox import SandboxInfo, sshd, state
from sandbox.layout import DISKS, STORAGE_ROOT, host_layouts
from sandbox.mounts import SSHD
from sandbox.paths import StatePaths

DISK_NAMES = tuple(name for name, _ in DISKS)
READ_TIMEOUT_S = 60.0

# One line per entry of a disk directory, "entry DISK NAME", and per container,
# "container DISK NAME STATE IPV4" (IPV4 "-" when it has none).
_READ = """
root=$1; shift
for disk in "$@"; do
  for entry in "$root/$disk"/* "$root/$disk"/.[!.]*; do
    if [ -e "$entry" ]; then echo "entry $disk ${entry##*/}"; fi
  done
  for name in $(lxc-ls -P "$root/$disk" -1); do
    state=$(lxc-info -P "$root/$disk" -n "$name" -s -H)
    address=$(lxc-info -P "$root/$disk" -n "$name" -i -H | head -n 1)
    echo "container $disk $name $state ${address:--}"
  done
done
"""


@dataclass(frozen=True)
class Container:
    host: str
    disk: str
    name: str
    state: str
    address: str | None


@dataclass(frozen=True)
class HostsView:
    containers: tuple[Container, ...]
    entries: tuple[tuple[str, str, str], ...]  # (host, disk, entry) in the disks' directories


class WitnessError(Exception):
    """A host could not be read: the drill cannot judge, which is not bob's failure."""


async def read_hosts(info: SandboxInfo) -> HostsView:
    """Every container and disk-directory entry on every host, one SSH round trip per host."""
    outputs = await asyncio.gather(*(_read_host(info, h.name, h.address) for h in info.hosts))
    containers: list[Container] = []
    entries: list[tuple[str, str, str]] = []
    for host, out in zip((h.name for h in info.hosts), outputs, strict=True):
        for line in out.splitlines():
            kind, *fields = line.split()
            if kind == "entry":
                disk, entry = fields
                entries.append((host, disk, entry))
            else:
                disk, name, status, address = fields
                containers.append(
                    Container(host, disk, name, status, None if address == "-" else address)
                )
    return HostsView(tuple(sorted(containers, key=lambda c: c.name)), tuple(sorted(entries)))


async def _read_host(info: SandboxInfo, host: str, address: str) -> str:
    argv = sshd.ssh_argv(
        StatePaths(info.state_dir),
        address,
        # ssh hands its words to the remote shell joined by spaces: one quoted command line.
        [shlex.join(["sh", "-c", _READ, "read", str(STORAGE_ROOT), *DISK_NAMES])],
    )
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(READ_TIMEOUT_S):
            out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise WitnessError(f"reading {host}: ssh exited {proc.returncode}: {err.decode()[-500:]}")
    return out.decode()


def strays(info: SandboxInfo) -> dict[str, list[str]]:
    """Per host, the processes in its network namespace besides its keeper and its sshd.

    With no Bob on a host this is empty: no lxc monitor, no command bob started that outlived
    the job (a cancelled lane's remote command, say).
    """
    options = state.read(StatePaths(info.state_dir))
    if options is None:
        raise WitnessError(f"no sandbox recorded in {info.state_dir}")
    found: dict[str, list[str]] = {}
    for layout in host_layouts(options):
        keeper = sshd.keeper_pid(layout)
        if keeper is None:
            raise WitnessError(f"{layout.name} has no keeper process")
        namespace = os.readlink(f"/proc/{keeper}/ns/net")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == keeper:
                continue
            try:
                if os.readlink(entry / "ns" / "net") != namespace:
                    continue
                exe = os.readlink(entry / "exe")
                argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                continue  # gone meanwhile, or a kernel thread
            if exe != SSHD:
                found.setdefault(layout.name, []).append(f"{entry.name} {argv}")
    return found
