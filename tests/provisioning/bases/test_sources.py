"""The argv that fill a new base from each kind of source: pure, one table row each."""

import pytest

from provisioning.bases import sources
from provisioning.config.models import (
    DebootstrapSource,
    DirectorySource,
    Host,
    RootfsSource,
    TemplateSource,
)

ROOTFS = "/var/lib/bob/base/base-v3/rootfs"


def host(backend: str) -> Host:
    return Host.model_validate(
        {
            "name": "host-a",
            "ssh": {"address": "10.250.0.2"},
            "datacenter": "dc1",
            "storage": {"backend": backend},
            "disks": [{"name": "disk1", "max_bobs": 4}],
        }
    )


@pytest.mark.parametrize(
    ("source", "argv"),
    [
        (
            DirectorySource(path="/srv/golden"),
            ["rsync", "-aHAX", "--numeric-ids", "/srv/golden/", f"{ROOTFS}/"],
        ),
        (
            RootfsSource(exclude=("/proc/*", "/var/log/*")),
            [
                "rsync",
                "-aHAX",
                "--numeric-ids",
                "--one-file-system",
                "--exclude=/proc/*",
                "--exclude=/var/log/*",
                "/",
                f"{ROOTFS}/",
            ],
        ),
        (
            DebootstrapSource(suite="bookworm", packages=("sysvinit-core",)),
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "debootstrap",
                "--variant=minbase",
                "--include=sysvinit-core",
                "bookworm",
                ROOTFS,
                "http://deb.debian.org/debian",
            ],
        ),
    ],
)
def test_each_source_fills_the_new_rootfs_with_one_command(source, argv):
    assert argv == sources.fill(host("overlay"), "base-v3", source)


def test_a_template_base_is_made_by_lxc_create_with_no_network():
    argv = sources.template_create(
        host("overlay"), "base-v3", TemplateSource(template="busybox"), "/tmp/empty.conf"
    )
    assert [
        "lxc-create",
        "-P",
        "/var/lib/bob/base",
        "-n",
        "base-v3",
        "-t",
        "busybox",
        "-B",
        "dir",
        "-f",
        "/tmp/empty.conf",
    ] == argv


@pytest.mark.parametrize(
    ("backend", "argv"),
    [
        ("btrfs", ["btrfs", "subvolume", "create", ROOTFS]),
        ("overlay", ["mkdir", ROOTFS]),
        ("dir", ["mkdir", ROOTFS]),
    ],
)
def test_a_btrfs_hosts_base_is_a_subvolume_so_clones_can_be_snapshots(backend, argv):
    assert argv == sources.make_rootfs(host(backend), "base-v3")


def test_the_base_config_points_lxc_at_the_new_rootfs_and_has_no_network():
    config = sources.lxc_config(host("btrfs"), "base-v3").splitlines()
    assert f"lxc.rootfs.path = btrfs:{ROOTFS}" in config
    assert ["lxc.net.0.type = empty"] == [line for line in config if line.startswith("lxc.net")]


def test_a_source_path_must_be_absolute():
    with pytest.raises(ValueError, match="absolute"):
        DirectorySource.model_validate({"path": "golden/../etc"})
