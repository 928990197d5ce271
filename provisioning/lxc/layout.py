"""Where things live on a physical host.

Every disk is an LXC lxcpath ``{storage.root}/{disk}``; the bases clones start from are
containers in lxcpath ``{storage.root}/base``: ``base`` (version 1), ``base-v2`` … with the
symlink ``current`` naming the one new clones use (see :mod:`provisioning.bases.versions`).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from provisioning.config.models import Host

BASE_NAME = "base"


def disk_path(host: Host, disk: str) -> PurePosixPath:
    return PurePosixPath(host.storage.root) / disk


def base_path(host: Host) -> PurePosixPath:
    """The lxcpath of the host's base versions."""
    return PurePosixPath(host.storage.root) / BASE_NAME


def base_dir(host: Host, name: str) -> PurePosixPath:
    """One base version's container directory (``config`` and ``rootfs``)."""
    return base_path(host) / name


def container_dir(host: Host, disk: str, name: str) -> PurePosixPath:
    return disk_path(host, disk) / name


def config_path(host: Host, disk: str, name: str) -> PurePosixPath:
    return container_dir(host, disk, name) / "config"
