"""The locker command lines for each storage backend, LVM included (it cannot run here), and the
LXC lines that give a Bob its wormhole."""

from __future__ import annotations

import ipaddress

import pytest

from provisioning.config.models import CgroupLimits
from provisioning.lockers import commands
from provisioning.lockers.layout import has_wormhole, wormhole_lines
from provisioning.lockers.wormholes import bob_mounts
from provisioning.lxc.cgroups import CgroupLayout
from provisioning.lxc.config import Autostart, NetworkSpec, render
from tests.provisioning.lxc.test_commands import host


@pytest.mark.parametrize(
    ("storage", "size", "make", "remove"),
    [
        (
            {"backend": "overlay", "root": "/srv/bob"},
            None,
            [["mkdir", "/srv/bob/lockers/cache"]],
            [["rm", "-rf", "--one-file-system", "/srv/bob/lockers/cache"]],
        ),
        (
            {"backend": "dir", "root": "/srv/bob"},
            "10G",
            [["mkdir", "/srv/bob/lockers/cache"]],
            [["rm", "-rf", "--one-file-system", "/srv/bob/lockers/cache"]],
        ),
        (
            {"backend": "btrfs", "root": "/srv/bob"},
            None,
            [["btrfs", "subvolume", "create", "/srv/bob/lockers/cache"]],
            [["btrfs", "subvolume", "delete", "/srv/bob/lockers/cache"]],
        ),
        (
            {"backend": "lvm", "root": "/srv/bob", "filesystem": "ext4"},
            "10G",
            [
                ["lvcreate", "--yes", "-L", "10G", "-n", "locker-cache", "vg-disk1"],
                ["mkfs.ext4", "-q", "/dev/vg-disk1/locker-cache"],
                ["mkdir", "-p", "/srv/bob/lockers/cache"],
                ["mount", "/dev/vg-disk1/locker-cache", "/srv/bob/lockers/cache"],
            ],
            [
                ["umount", "/srv/bob/lockers/cache"],
                ["lvremove", "--yes", "vg-disk1/locker-cache"],
                ["rmdir", "/srv/bob/lockers/cache"],
            ],
        ),
        (
            {"backend": "lvm", "root": "/b", "volume_group_prefix": "data", "size": "30G"},
            None,  # no --size: the backend's volume size
            [
                ["lvcreate", "--yes", "-L", "30G", "-n", "locker-cache", "data-disk1"],
                ["mkfs.ext3", "-q", "/dev/data-disk1/locker-cache"],
                ["mkdir", "-p", "/b/lockers/cache"],
                ["mount", "/dev/data-disk1/locker-cache", "/b/lockers/cache"],
            ],
            [
                ["umount", "/b/lockers/cache"],
                ["lvremove", "--yes", "data-disk1/locker-cache"],
                ["rmdir", "/b/lockers/cache"],
            ],
        ),
    ],
)
def test_a_locker_is_a_directory_a_subvolume_or_a_logical_volume(storage, size, make, remove):
    where = host(storage)
    assert commands.make(where, "cache", size) == make
    assert commands.remove(where, "cache") == remove


def test_a_mount_is_made_read_only_before_it_is_moved_into_the_wormhole():
    where = host({"backend": "overlay", "root": "/srv/bob"})
    argv = commands.mount(where, "cache", "bob007", read_only=True)
    assert argv[:2] == ["sh", "-c"]
    assert argv[3:] == [
        "bob-locker-mount",
        "/srv/bob/lockers/cache",
        "/srv/bob/lockers/.staging/bob007.cache",
        "/srv/bob/wormholes/bob007/cache",
        "ro",
    ]
    assert commands.mount(where, "cache", "bob007", read_only=False)[-1] == "rw"
    assert commands.unmount(where, "cache", "bob007")[3:] == [
        "bob-locker-unmount",
        "/srv/bob/wormholes/bob007/cache",
    ]


def test_the_wormhole_is_written_once_however_often_the_config_is_rendered():
    where = host({"backend": "overlay", "root": "/srv/bob"})
    mounts = bob_mounts(where, "bob007", ["/opt/jdk"])

    def once(config: str) -> str:
        return render(
            config,
            name="bob007",
            job_id="j1",
            network=NetworkSpec(
                "br0",
                ipaddress.IPv4Address("10.0.0.7"),
                24,
                ipaddress.IPv4Address("10.0.0.1"),
            ),
            limits=CgroupLimits(),
            layout=CgroupLayout.V2,
            hooks={"pre-start": "/etc/lxc/mine.sh"},
            autostart=Autostart(order=7, delay=5),
            mounts=mounts,
        )

    twice = once(once("lxc.rootfs.path = dir:/x\n"))
    assert twice.count("lxc.mount.entry = /srv/bob/wormholes/bob007 lockers") == 1
    assert twice.count("lxc.mount.entry = /opt/jdk opt/jdk none ro,bind,create=dir 0 0") == 1
    # The configured hook stays beside bob's: LXC runs every pre-start hook in turn.
    assert "lxc.hook.pre-start = /etc/lxc/mine.sh" in twice
    assert "lxc.hook.pre-start = /srv/bob/wormholes/.bob-wormhole-hook" in twice
    assert has_wormhole(twice, where, "bob007")
    assert not has_wormhole(twice, where, "bob008")
    assert wormhole_lines(where, "bob007")[1].endswith("rbind,create=dir 0 0")
