"""The commands that fill a new base version from its configured source. Pure: argv only.

A template base is made whole by ``lxc-create``. Every other source gets the container
directory, its ``config`` (written first, so ``lxc-destroy`` can always remove a half-built
base) and an empty ``rootfs`` (a btrfs subvolume where clones are snapshots), then one fill
command: rsync of the host's root or of a golden tree, or debootstrap.
"""

from __future__ import annotations

from typing import Literal

from provisioning.config.models import (
    DebootstrapSource,
    DirectorySource,
    Host,
    RootfsSource,
    TemplateSource,
)
from provisioning.lxc.commands import Argv
from provisioning.lxc.layout import base_dir, base_path

# lxc-create -f: without it /etc/lxc/default.conf's veth on a bridge the host may lack comes
# along. A base has no network: bob writes each clone's network config itself.
EMPTY_NETWORK = "lxc.net.0.type = empty\n"
RSYNC = ("rsync", "-aHAX", "--numeric-ids")


def rootfs_type(host: Host) -> Literal["dir", "btrfs"]:
    """btrfs snapshots need a subvolume to start from; LXC refuses overlay clones of one."""
    return "btrfs" if host.storage.backend == "btrfs" else "dir"


def rootfs_dir(host: Host, name: str) -> str:
    return str(base_dir(host, name) / "rootfs")


def describe(source: RootfsSource | DebootstrapSource | DirectorySource | TemplateSource) -> str:
    """One line for the manifest, the dry run and the job log."""
    if isinstance(source, TemplateSource):
        return f"template {source.template}" + (
            f" {' '.join(source.options)}" if source.options else ""
        )
    if isinstance(source, DebootstrapSource):
        return f"debootstrap {source.suite} ({source.variant or 'default'}) from {source.mirror}"
    if isinstance(source, DirectorySource):
        return f"directory {source.path}"
    return f"rootfs {source.path} (rsync, {len(source.exclude)} excludes)"


def template_create(host: Host, name: str, source: TemplateSource, config_file: str) -> Argv:
    argv = [
        "lxc-create",
        "-P",
        str(base_path(host)),
        "-n",
        name,
        "-t",
        source.template,
        "-B",
        rootfs_type(host),
        "-f",
        config_file,
    ]
    return [*argv, "--", *source.options] if source.options else argv


def lxc_config(host: Host, name: str) -> str:
    """The config of a base bob assembled itself (every source but a template)."""
    return "\n".join(
        [
            "# bob: a base written by rebuild-base",
            "lxc.include = /usr/share/lxc/config/common.conf",
            "lxc.arch = linux64",
            f"lxc.rootfs.path = {rootfs_type(host)}:{rootfs_dir(host, name)}",
            f"lxc.uts.name = {name}",
            "lxc.autodev = 1",
            EMPTY_NETWORK,
        ]
    )


def make_rootfs(host: Host, name: str) -> Argv:
    if rootfs_type(host) == "btrfs":
        return ["btrfs", "subvolume", "create", rootfs_dir(host, name)]
    return ["mkdir", rootfs_dir(host, name)]


def fill(host: Host, name: str, source: RootfsSource | DebootstrapSource | DirectorySource) -> Argv:
    target = rootfs_dir(host, name) + "/"
    if isinstance(source, DirectorySource):
        return [*RSYNC, f"{source.path}/", target]
    if isinstance(source, RootfsSource):
        # --one-file-system: /proc, /sys and every other mount stay behind, excluded or not.
        excludes = [f"--exclude={pattern}" for pattern in source.exclude]
        return [*RSYNC, "--one-file-system", *excludes, f"{str(source.path).rstrip('/')}/", target]
    options = [f"--variant={source.variant}"] if source.variant else []
    if source.packages:
        options.append(f"--include={','.join(source.packages)}")
    # In a private mount namespace: debootstrap's /proc and /sys mounts in the target vanish
    # with it, even when it dies halfway.
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "debootstrap",
        *options,
        source.suite,
        rootfs_dir(host, name),
        source.mirror,
    ]
