"""A clone's config keeps the base's lines and carries bob's network, limits and hooks once."""

import ipaddress

import pytest

from provisioning.config.models import CgroupLimits
from provisioning.lxc.cgroups import (
    CgroupLayout,
    layout_from_fstype,
    limit_lines,
    memory_bytes,
    shares_to_weight,
)
from provisioning.lxc.config import Autostart, NetworkSpec, owner_of, render, with_autostart

BASE = """\
lxc.include = /usr/share/lxc/config/common.conf
lxc.rootfs.path = overlay:/var/lib/bob/base/base/rootfs:/var/lib/bob/disk1/bob001/delta0
lxc.uts.name = base
lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.net.0.ipv4.address = 10.0.3.5/24
lxc.cgroup.memory.limit_in_bytes = 1
lxc.start.auto = 0
lxc.start.delay = 60
"""
NET = NetworkSpec(
    bridge="br0",
    address=ipaddress.IPv4Address("10.250.1.11"),
    prefix_length=24,
    gateway=ipaddress.IPv4Address("10.250.1.1"),
)


def rendered(**overrides):
    args = {
        "name": "bob001",
        "job_id": "beef",
        "network": NET,
        "limits": CgroupLimits(memory="256M", cpu_shares=512),
        "layout": CgroupLayout.V1,
        "hooks": {"pre-start": "/usr/local/bin/bob-pre"},
        "autostart": Autostart(order=2, delay=5),
    }
    args.update(overrides)
    return render(BASE, **args)


def test_the_clone_config_replaces_network_limits_and_name():
    assert [
        "lxc.include = /usr/share/lxc/config/common.conf",
        "lxc.rootfs.path = overlay:/var/lib/bob/base/base/rootfs:/var/lib/bob/disk1/bob001/delta0",
        "",
        "# bob: managed by bob: name=bob001 job=beef",
        "lxc.uts.name = bob001",
        "lxc.net.0.type = veth",
        "lxc.net.0.link = br0",
        "lxc.net.0.flags = up",
        "lxc.net.0.name = eth0",
        "lxc.net.0.hwaddr = 02:00:0a:fa:01:0b",
        "lxc.net.0.ipv4.address = 10.250.1.11/24",
        "lxc.net.0.ipv4.gateway = 10.250.1.1",
        "lxc.cgroup.memory.limit_in_bytes = 268435456",
        "lxc.cgroup.cpu.shares = 512",
        "lxc.hook.pre-start = /usr/local/bin/bob-pre",
        "lxc.start.auto = 1",
        "lxc.start.order = 2",
        "lxc.start.delay = 5",
    ] == rendered().splitlines()


def test_rendering_twice_writes_every_line_once():
    again = render(
        rendered(),
        name="bob001",
        job_id="beef",
        network=NET,
        limits=CgroupLimits(memory="256M", cpu_shares=512),
        layout=CgroupLayout.V1,
        hooks={"pre-start": "/usr/local/bin/bob-pre"},
        autostart=Autostart(order=2, delay=5),
    )
    assert rendered() == again


def test_autostart_lines_are_replaced_and_nothing_else_changes():
    config = rendered()

    again = with_autostart(config, Autostart(order=7, delay=30))

    assert config.splitlines()[:-3] == again.splitlines()[:-3]
    assert ["lxc.start.auto = 1", "lxc.start.order = 7", "lxc.start.delay = 30"] == (
        again.splitlines()[-3:]
    )
    assert again == with_autostart(again, Autostart(order=7, delay=30))


def test_a_rootfs_override_replaces_the_bases():
    lines = rendered(rootfs_path="dir:/srv/bob/disk1/bob001/rootfs").splitlines()
    assert ["lxc.rootfs.path = dir:/srv/bob/disk1/bob001/rootfs"] == [
        line for line in lines if line.startswith("lxc.rootfs.path")
    ]


def test_the_marker_names_the_owner():
    assert ("bob001", "beef") == owner_of(rendered())
    assert owner_of(BASE) is None


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (
            CgroupLayout.V1,
            [
                "lxc.cgroup.memory.limit_in_bytes = 2147483648",
                "lxc.cgroup.cpu.shares = 1024",
                "lxc.cgroup.cpuset.cpus = 0-1",
            ],
        ),
        (
            CgroupLayout.V2,
            [
                "lxc.cgroup2.memory.max = 2147483648",
                "lxc.cgroup2.cpu.weight = 39",
                "lxc.cgroup2.cpuset.cpus = 0-1",
            ],
        ),
    ],
)
def test_limits_use_the_keys_of_the_hosts_cgroup_layout(layout, expected):
    limits = CgroupLimits(memory="2G", cpu_shares=1024, cpuset="0-1")
    assert expected == limit_lines(limits, layout)


def test_no_limits_no_lines():
    assert [] == limit_lines(CgroupLimits(memory=None), CgroupLayout.V2)


@pytest.mark.parametrize(
    ("fstype", "layout"),
    [("cgroup2fs\n", CgroupLayout.V2), ("tmpfs\n", CgroupLayout.V1)],
)
def test_layout_detection_reads_the_cgroup_root_filesystem(fstype, layout):
    assert layout == layout_from_fstype(fstype)


@pytest.mark.parametrize(
    ("text", "expected"), [("512", 512), ("4K", 4096), ("256M", 268435456), ("1G", 1073741824)]
)
def test_memory_sizes(text, expected):
    assert expected == memory_bytes(text)


@pytest.mark.parametrize(("shares", "weight"), [(2, 1), (1024, 39), (262144, 10000)])
def test_cpu_shares_map_onto_weights(shares, weight):
    assert weight == shares_to_weight(shares)
