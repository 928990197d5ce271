"""A host's base versions, read and changed over its shell with fixed scripts."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from provisioning.bases.versions import (
    CURRENT_LINK,
    LOCK_FILE,
    STATE_SCRIPT,
    BaseState,
    Lock,
    parse_state,
    referenced_bases,
)
from provisioning.config.models import Host
from provisioning.hosts.errors import HostError
from provisioning.hosts.shell import HostShell
from provisioning.lxc.layout import base_dir, base_path
from provisioning.pipeline import remote

# noclobber: of two rebuilds that start at once on one host, exactly one writes the lock.
_LOCK = 'set -C && printf "%s\\n" "$2" > "$1"'
# A new link beside the old, renamed over it: rename(2) replaces the link atomically.
_SWAP = 'cd "$1" && ln -sfn "$2" current.bob-tmp && mv -T current.bob-tmp current'
# Every clone's rootfs line, from every container config outside the base lxcpath.
_ROOTFS_LINES = """
for config in "$1"/*/*/config; do
  [ -f "$config" ] && grep -H '^[[:space:]]*lxc.rootfs.path' "$config"
done
exit 0
"""


@dataclass(frozen=True)
class HostBases:
    shell: HostShell
    host: Host
    timeout: float | None = None

    @property
    def lxcpath(self) -> str:
        return str(base_path(self.host))

    @property
    def lock_path(self) -> str:
        return f"{self.lxcpath}/{LOCK_FILE}"

    async def state(self) -> BaseState:
        result = await self.shell.run(["sh", "-c", STATE_SCRIPT, "state", self.lxcpath])
        return parse_state(result.stdout)

    async def take_lock(self, lock: Lock) -> bool:
        """False when another rebuild holds it."""
        await self.shell.run(["mkdir", "-p", self.lxcpath])
        argv = ["sh", "-c", _LOCK, "lock", self.lock_path, lock.render()]
        return (await self.shell.run(argv, check=False)).exit_status == 0

    async def drop_lock(self) -> None:
        await self.shell.run(["rm", "-f", self.lock_path])

    async def swap(self, name: str) -> None:
        await self.shell.run(["sh", "-c", _SWAP, "swap", self.lxcpath, name])

    async def referenced(self) -> set[str]:
        """Bases some clone on this host still uses as its lower dir."""
        root = str(self.host.storage.root)
        result = await self.shell.run(["sh", "-c", _ROOTFS_LINES, "refs", root])
        return referenced_bases(result.stdout.splitlines(), self.lxcpath)

    async def exists(self, name: str) -> bool:
        return await remote.exists(self.shell, str(base_dir(self.host, name)))

    async def remove(self, name: str) -> bool:
        """Remove one base version, however far its build got; raises if it stays.

        False when it was gone already (another job's collection got there first).

        lxc-destroy knows how its rootfs was made (a btrfs subvolume, a directory) and refuses
        while LXC lists overlay clones of it; a build cut off before its config was written
        is only a directory.
        """
        if name == CURRENT_LINK:
            raise ValueError("the current link is not a base")
        directory = str(base_dir(self.host, name))
        if not await remote.exists(self.shell, directory):
            return False
        said: list[str] = []
        if await remote.exists(self.shell, f"{directory}/config"):
            argv = ["lxc-destroy", "-P", self.lxcpath, "-n", name]
            result = await self.shell.run(argv, check=False, timeout=self.timeout)
            if result.exit_status != 0:
                said.append(f"`{shlex.join(argv)}`: {result.stderr.strip()}")
        if await remote.exists(self.shell, directory) and not said:
            argv = ["rm", "-rf", "--one-file-system", directory]
            result = await self.shell.run(argv, check=False, timeout=self.timeout)
            if result.exit_status != 0:
                said.append(f"`{shlex.join(argv)}`: {result.stderr.strip()}")
        if await remote.exists(self.shell, directory):
            raise HostError(
                f"{self.host.name}: base {name} is still there after removing it: "
                + ("; ".join(said) or "its directory remains"),
                host=self.host.name,
            )
        return True
