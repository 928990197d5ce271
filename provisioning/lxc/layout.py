"""Where things live on a physical host.

Every disk is an LXC lxcpath ``{storage.root}/{disk}``; the base every clone starts from is the
container ``base`` in lxcpath ``{storage.root}/base``.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from provisioning.config.models import Host

BASE_NAME = "base"


def disk_path(host: Host, disk: str) -> PurePosixPath:
    return PurePosixPath(host.storage.root) / disk


def base_path(host: Host) -> PurePosixPath:
    return PurePosixPath(host.storage.root) / BASE_NAME


def container_dir(host: Host, disk: str, name: str) -> PurePosixPath:
    return disk_path(host, disk) / name


def config_path(host: Host, disk: str, name: str) -> PurePosixPath:
    return container_dir(host, disk, name) / "config"
