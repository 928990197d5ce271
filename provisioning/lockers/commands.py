"""Argv for the locker commands bob runs on a host. Pure: no I/O, table-tested.

Multi-command work is a fixed script whose paths arrive as positional parameters, so no name
or path is ever parsed by a shell.
"""

from __future__ import annotations

from provisioning.config.models import BtrfsStorage, Host, LvmStorage
from provisioning.lockers.layout import (
    hook_path,
    locker_path,
    mounted_at,
    staging,
    wormhole,
)
from provisioning.lxc.commands import volume_group

Argv = list[str]

# LXC runs it before every start of a Bob, in the host's mount namespace, with the Bob's name as
# $1. The wormhole must be a shared mount *before* LXC binds it into the Bob: the Bob's copy
# then receives every mount made under it on the host (LXC makes the Bob's tree a slave, so
# nothing flows back). A bind to itself is what makes a plain directory a mount to share.
HOOK = """#!/bin/sh
# Written by bob (docs/lockers.md): makes this Bob's wormhole a shared mount before it starts.
set -e
w="$(dirname "$0")/$1"
mkdir -p "$w"
mountpoint -q "$w" || mount --rbind "$w" "$w"
mount --make-shared "$w"
"""

# $1 locker, $2 staging point, $3 target in the wormhole, $4 mount options (rw or ro).
# The bind is made (and made read-only) in a private staging directory and then moved into the
# wormhole: a read-only remount made after the bind has propagated stays on the host's copy and
# the Bob's stays writable (measured, docs/lockers.md). Exit 3: the Bob has no wormhole.
MOUNT = r"""set -e
locker=$1 stage=$2 target=$3 options=$4
mountpoint -q "$target" && exit 0
mountpoint -q "${target%/*}" || { echo "bob: ${target%/*} is not a wormhole mount" >&2; exit 3; }
[ -d "$locker" ] || { echo "bob: no locker at $locker" >&2; exit 1; }
staged=${stage%/*}
mkdir -p "$staged"
mountpoint -q "$staged" || { mount --bind "$staged" "$staged"; mount --make-private "$staged"; }
mkdir -p "$stage" "$target"
mount --bind -o "$options" "$locker" "$stage"
mount --move "$stage" "$target" || { umount "$stage"; rmdir "$stage"; exit 1; }
rmdir "$stage"
"""

# $1 a mount in a wormhole: unmounted (which takes it out of the Bob) and its directory removed.
UNMOUNT = r"""set -e
if mountpoint -q "$1"; then umount "$1"; fi
if [ -d "$1" ]; then rmdir "$1"; fi
"""

# $1 a Bob's wormhole, after the Bob stopped: every locker out, then the wormhole itself. The
# lockers' own volumes are never touched.
CLOSE = r"""set -e
for t in "$1"/*; do
  [ -d "$t" ] || continue
  if mountpoint -q "$t"; then umount "$t"; fi
  rmdir "$t"
done
if mountpoint -q "$1"; then umount -R "$1"; fi
if [ -d "$1" ]; then rmdir "$1"; fi
"""


def make(host: Host, name: str, size: str | None) -> list[Argv]:
    """The commands that make locker ``name``: a directory, a btrfs subvolume, or a logical
    volume (on the host's first disk's group) with a filesystem, mounted at the locker's path."""
    path = str(locker_path(host, name))
    storage = host.storage
    if isinstance(storage, BtrfsStorage):
        return [["btrfs", "subvolume", "create", path]]
    if isinstance(storage, LvmStorage):
        vg = volume_group(storage, host.disks[0].name)
        device = f"/dev/{vg}/locker-{name}"
        return [
            ["lvcreate", "--yes", "-L", size or storage.size, "-n", f"locker-{name}", vg],
            [f"mkfs.{storage.filesystem}", "-q", device],
            ["mkdir", "-p", path],
            ["mount", device, path],
        ]
    return [["mkdir", path]]


def remove(host: Host, name: str) -> list[Argv]:
    """The commands that delete locker ``name`` and its data (never while it is mounted)."""
    path = str(locker_path(host, name))
    storage = host.storage
    if isinstance(storage, BtrfsStorage):
        return [["btrfs", "subvolume", "delete", path]]
    if isinstance(storage, LvmStorage):
        vg = volume_group(storage, host.disks[0].name)
        return [
            ["umount", path],
            ["lvremove", "--yes", f"{vg}/locker-{name}"],
            ["rmdir", path],
        ]
    return [["rm", "-rf", "--one-file-system", path]]


def volume_kind(host: Host) -> str:
    """What a locker is on this host's backend: ``btrfs``, ``lvm`` or ``dir``."""
    backend = host.storage.backend
    return backend if backend in ("btrfs", "lvm") else "dir"


def size_enforced(host: Host) -> bool:
    """Whether ``--size`` bounds the locker here (only a logical volume has a size)."""
    return isinstance(host.storage, LvmStorage)


def mount(host: Host, name: str, bob: str, *, read_only: bool) -> Argv:
    return [
        "sh",
        "-c",
        MOUNT,
        "bob-locker-mount",
        str(locker_path(host, name)),
        str(staging(host, bob, name)),
        str(mounted_at(host, bob, name)),
        "ro" if read_only else "rw",
    ]


def unmount(host: Host, name: str, bob: str) -> Argv:
    return ["sh", "-c", UNMOUNT, "bob-locker-unmount", str(mounted_at(host, bob, name))]


def is_mounted(host: Host, name: str, bob: str) -> Argv:
    return ["mountpoint", "-q", str(mounted_at(host, bob, name))]


def close_wormhole(host: Host, bob: str) -> Argv:
    return ["sh", "-c", CLOSE, "bob-wormhole-close", str(wormhole(host, bob))]


# $1 the hook's path, $2 its size; the content on stdin. A cut-off write is never renamed in.
INSTALL = r"""set -e
mkdir -p "${1%/*}"
tmp="$1.$$"
cat > "$tmp"
[ "$(wc -c < "$tmp")" -eq "$2" ] || { rm -f "$tmp"; echo "bob: $1 not written" >&2; exit 1; }
chmod 0755 "$tmp"
mv -f "$tmp" "$1"
"""


def install_hook(host: Host) -> Argv:
    """Writes :data:`HOOK` (given on stdin) to the host's hook path, executable."""
    size = str(len(HOOK.encode()))
    return ["sh", "-c", INSTALL, "bob-hook-install", str(hook_path(host)), size]
