"""Command lines for each storage backend, including LVM, which cannot run on test machines."""

import pytest

from provisioning.config.models import Host
from provisioning.lxc import commands


def host(storage):
    return Host.model_validate(
        {
            "name": "host-a",
            "ssh": {"address": "10.250.0.2"},
            "datacenter": "dc1",
            "storage": storage,
            "disks": [{"name": "disk1", "max_bobs": 4}, {"name": "disk2", "max_bobs": 5}],
        }
    )


COPY = ["lxc-copy", "-P", "/srv/bob/base", "-n", "base", "-p", "/srv/bob/disk2", "-N", "bob007"]


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        ({"backend": "overlay", "root": "/srv/bob"}, [[*COPY, "-s", "-B", "overlay"]]),
        ({"backend": "btrfs", "root": "/srv/bob"}, [[*COPY, "-s"]]),
        ({"backend": "dir", "root": "/srv/bob"}, [[*COPY, "-B", "dir"]]),
        (
            {"backend": "lvm", "root": "/srv/bob", "size": "30G"},
            [
                ["lvcreate", "--yes", "-L", "30G", "-n", "bob007", "vg-disk2"],
                ["mkfs.ext3", "-q", "/dev/vg-disk2/bob007"],
                ["mkdir", "-p", "/srv/bob/disk2/bob007/rootfs"],
                ["mount", "/dev/vg-disk2/bob007", "/srv/bob/disk2/bob007/rootfs"],
                [
                    "rsync",
                    "-aHAX",
                    "--numeric-ids",
                    "/srv/bob/base/base/rootfs/",
                    "/srv/bob/disk2/bob007/rootfs/",
                ],
                ["cp", "/srv/bob/base/base/config", "/srv/bob/disk2/bob007/config"],
            ],
        ),
        (
            {"backend": "lvm", "root": "/b", "volume_group_prefix": "data", "filesystem": "ext4"},
            [
                ["lvcreate", "--yes", "-L", "20G", "-n", "bob007", "data-disk2"],
                ["mkfs.ext4", "-q", "/dev/data-disk2/bob007"],
                ["mkdir", "-p", "/b/disk2/bob007/rootfs"],
                ["mount", "/dev/data-disk2/bob007", "/b/disk2/bob007/rootfs"],
                [
                    "rsync",
                    "-aHAX",
                    "--numeric-ids",
                    "/b/base/base/rootfs/",
                    "/b/disk2/bob007/rootfs/",
                ],
                ["cp", "/b/base/base/config", "/b/disk2/bob007/config"],
            ],
        ),
    ],
)
def test_clone_commands_per_backend(storage, expected):
    assert expected == commands.clone(host(storage), "disk2", "bob007")


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        (
            {"backend": "overlay", "root": "/srv/bob"},
            [["lxc-destroy", "-P", "/srv/bob/disk1", "-n", "bob001", "-f"]],
        ),
        (
            {"backend": "lvm", "root": "/srv/bob"},
            [
                ["umount", "/srv/bob/disk1/bob001/rootfs"],
                ["lvremove", "--yes", "vg-disk1/bob001"],
                ["rm", "-rf", "--one-file-system", "/srv/bob/disk1/bob001"],
            ],
        ),
    ],
)
def test_remove_commands_per_backend(storage, expected):
    assert expected == commands.remove(host(storage), "disk1", "bob001")


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda h: commands.info(h, "disk1", "bob001"), ["lxc-info", "-s", "-H"]),
        (lambda h: commands.stop(h, "disk1", "bob001"), ["lxc-stop", "-k"]),
        (
            lambda h: commands.wait_running(h, "disk1", "bob001", 10),
            ["lxc-wait", "-s", "RUNNING", "-t", "10"],
        ),
        (
            lambda h: commands.start(h, "disk1", "bob001", "/tmp/l"),
            ["lxc-start", "-d", "-o", "/tmp/l", "-l", "INFO"],
        ),
        (
            lambda h: commands.attach(h, "disk1", "bob001", ["chef-client", "--once"]),
            ["lxc-attach", "--clear-env", "--", "chef-client", "--once"],
        ),
    ],
)
def test_lxc_commands_name_the_disk_lxcpath_and_the_container(build, expected):
    argv = build(host({"backend": "overlay", "root": "/srv/bob"}))
    assert [argv[0], "-P", "/srv/bob/disk1", "-n", "bob001", *expected[1:]] == argv


def test_hostile_text_stays_one_argument():
    argv = commands.attach(host({"backend": "dir"}), "disk1", "bob001", ["echo", "$(rm -rf /); x"])
    assert "$(rm -rf /); x" == argv[-1]
