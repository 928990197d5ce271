"""Argv for the LXC and storage commands bob runs on a host. Pure: no I/O, table-tested.

Every value is a separate argv element and the shell adapter joins them with ``shlex.join``, so no
name, path or label is ever interpreted by a shell.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from provisioning.config.models import Host, LvmStorage
from provisioning.lxc.layout import BASE_NAME, base_path, container_dir, disk_path

Argv = list[str]


def _lxc(tool: str, host: Host, disk: str, name: str, *args: str) -> Argv:
    return [tool, "-P", str(disk_path(host, disk)), "-n", name, *args]


def info(host: Host, disk: str, name: str) -> Argv:
    """State only (``-s``), no headers (``-H``): prints e.g. ``RUNNING``."""
    return _lxc("lxc-info", host, disk, name, "-s", "-H")


def start(host: Host, disk: str, name: str, log_file: str) -> Argv:
    # -o to a file, never a pipe: the daemonized monitor would hold the pipe open forever.
    return _lxc("lxc-start", host, disk, name, "-d", "-o", log_file, "-l", "INFO")


def wait_running(host: Host, disk: str, name: str, seconds: int) -> Argv:
    return _lxc("lxc-wait", host, disk, name, "-s", "RUNNING", "-t", str(seconds))


def stop(host: Host, disk: str, name: str) -> Argv:
    # -k: busybox init takes ~2 s to stop cleanly and a Bob being removed has nothing to flush.
    return _lxc("lxc-stop", host, disk, name, "-k")


def cgroup(host: Host, disk: str, name: str, file: str, value: str | None = None) -> Argv:
    """Read a running container's cgroup file (e.g. ``memory.max``), or write ``value`` to it."""
    return _lxc("lxc-cgroup", host, disk, name, file, *(() if value is None else (value,)))


def destroy(host: Host, disk: str, name: str) -> Argv:
    return _lxc("lxc-destroy", host, disk, name, "-f")


def attach(host: Host, disk: str, name: str, command: Sequence[str]) -> Argv:
    return _lxc("lxc-attach", host, disk, name, "--clear-env", "--", *command)


def clone(host: Host, disk: str, name: str, base: str = BASE_NAME) -> list[Argv]:
    """The commands that make container ``name`` on ``disk`` from the host's base ``base``."""
    storage = host.storage
    if isinstance(storage, LvmStorage):
        return lvm_clone(host, disk, name, storage, base)
    return [copy(host, base, str(disk_path(host, disk)), name)]


def copy(host: Host, base: str, lxcpath: str, name: str) -> Argv:
    """lxc-copy of base ``base`` as the backend clones it (an LVM host verifies a dir copy)."""
    copy = ["lxc-copy", "-P", str(base_path(host)), "-n", base, "-p", lxcpath, "-N", name]
    storage = host.storage
    if storage.backend == "overlay":
        return [*copy, "-s", "-B", "overlay"]
    if storage.backend == "btrfs":
        return [*copy, "-s"]
    return [*copy, "-B", "dir"]


def remove(host: Host, disk: str, name: str) -> list[Argv]:
    """The commands that remove container ``name`` and its volume (after it is stopped)."""
    if isinstance(host.storage, LvmStorage):
        return lvm_remove(host, disk, name, host.storage)
    return [destroy(host, disk, name)]


def volume_group(storage: LvmStorage, disk: str) -> str:
    return f"{storage.volume_group_prefix}-{disk}"


def lvm_clone(
    host: Host, disk: str, name: str, storage: LvmStorage, base_name: str = BASE_NAME
) -> list[Argv]:
    """The original layout: a logical volume per Bob, ext3, filled from the base by rsync."""
    vg = volume_group(storage, disk)
    device = f"/dev/{vg}/{name}"
    target = container_dir(host, disk, name)
    rootfs = target / "rootfs"
    base = base_path(host) / base_name
    return [
        ["lvcreate", "--yes", "-L", storage.size, "-n", name, vg],
        [f"mkfs.{storage.filesystem}", "-q", device],
        ["mkdir", "-p", str(rootfs)],
        ["mount", device, str(rootfs)],
        ["rsync", "-aHAX", "--numeric-ids", f"{base / 'rootfs'}/", f"{rootfs}/"],
        ["cp", str(base / "config"), str(target / "config")],
    ]


def lvm_remove(host: Host, disk: str, name: str, storage: LvmStorage) -> list[Argv]:
    target = container_dir(host, disk, name)
    return [
        ["umount", str(target / "rootfs")],
        ["lvremove", "--yes", f"{volume_group(storage, disk)}/{name}"],
        ["rm", "-rf", "--one-file-system", str(target)],
    ]


def rootfs_of(host: Host, disk: str, name: str) -> PurePosixPath:
    return container_dir(host, disk, name) / "rootfs"
