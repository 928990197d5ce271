"""The sandbox's names, addresses and fleet config: pure functions of its options."""

import ipaddress
from pathlib import Path

import pytest
from pydantic import ValidationError

from provisioning.config import load_fleet, parse_fleet
from sandbox import SandboxOptions, expected_fleet, render_fleet_config
from sandbox.layout import SANDBOX_NET, host_layouts

ROOT = Path(__file__).resolve().parents[2]


def test_the_embedded_defaults_are_what_up_writes_for_the_default_options():
    embedded = load_fleet(ROOT / "bot" / "defaults" / "sandbox.yaml")
    assert expected_fleet(SandboxOptions()) == embedded


def test_default_hosts_follow_design_section_4():
    actual = [
        (h.name, h.namespace, h.root_veth, str(h.root_ip), str(h.host_ip), str(h.bridge_net))
        for h in host_layouts(SandboxOptions(hosts=3))
    ]
    assert [
        ("host-a", "bobhost-a", "vbobhost-a", "10.250.0.1", "10.250.0.2", "10.250.1.0/24"),
        ("host-b", "bobhost-b", "vbobhost-b", "10.250.0.5", "10.250.0.6", "10.250.2.0/24"),
        ("host-c", "bobhost-c", "vbobhost-c", "10.250.0.9", "10.250.0.10", "10.250.3.0/24"),
    ] == actual


def test_prefix_and_net_index_move_every_name_and_address():
    layouts = host_layouts(SandboxOptions(hosts=2, prefix="bobtest3", net_index=130))
    assert ["bobtest3-a", "bobtest3-b"] == [h.namespace for h in layouts]
    assert ["10.250.130.2", "10.250.130.6"] == [str(h.host_ip) for h in layouts]
    assert ["10.250.131.1", "10.250.132.1"] == [str(h.gateway) for h in layouts]


def test_the_largest_fleet_stays_inside_the_sandbox_range_with_valid_interface_names():
    layouts = host_layouts(SandboxOptions(hosts=8, prefix="abcdefghijkl", net_index=247))
    addresses = [a for h in layouts for a in (h.root_ip, h.host_ip, h.gateway)]
    assert all(a in SANDBOX_NET for a in addresses)
    assert ipaddress.IPv4Network("10.250.255.0/24") == layouts[-1].bridge_net
    assert 15 >= max(len(h.root_veth) for h in layouts)


@pytest.mark.parametrize(
    "bad",
    [
        {"hosts": 0},
        {"hosts": 9},
        {"backend": "lvm"},
        {"prefix": "Bad-Prefix"},
        {"prefix": "waytoolongprefix"},
        {"net_index": 248},
        {"state_dir": "relative/dir"},
        {"state_dir": "/tmp/with space"},
    ],
)
def test_bad_options_are_refused(bad):
    with pytest.raises(ValidationError):
        SandboxOptions.model_validate(bad)


def test_same_fleet_ignores_mirror_and_cache_but_not_the_shape():
    base = SandboxOptions()
    assert base.same_fleet(base.model_copy(update={"debian_mirror": "http://mirror.test/d"}))
    assert not base.same_fleet(SandboxOptions(backend="btrfs"))
    assert not base.same_fleet(SandboxOptions(hosts=3))


def test_the_fleet_config_gives_each_host_its_datacenter_subnet_and_zones():
    options = SandboxOptions(hosts=3, backend="btrfs", state_dir=Path("/srv/sbx"))
    fleet = parse_fleet(render_fleet_config(options), source="test")
    assert ["sbx-a", "sbx-b", "sbx-c"] == [h.datacenter for h in fleet.hosts]
    assert [("10.250.3.0/24", "10.250.3.1", "3.250.10.in-addr.arpa")] == [
        (str(s.cidr), str(s.gateway), s.reverse_zone) for s in fleet.subnets_for("sbx-c")
    ]
    host = fleet.host("host-b")
    assert ("10.250.0.6", 22, "root", 3.0) == (
        host.ssh.address,
        host.ssh.port,
        host.ssh.user,
        host.ssh.connect_timeout,
    )
    assert (Path("/srv/sbx/known_hosts"), Path("/srv/sbx/id_ed25519")) == (
        host.ssh.known_hosts,
        host.ssh.key_file,
    )
    assert ("btrfs", Path("/var/lib/bob")) == (host.storage.backend, host.storage.root)
    assert [("disk1", 4), ("disk2", 5), ("disk3", 5)] == [(d.name, d.max_bobs) for d in host.disks]
    assert ("256M", ("/etc/chef/client.pem",), ("uname", "-a")) == (
        fleet.bob_defaults.cgroup.memory,
        fleet.bob_defaults.strip_identity,
        fleet.bob_defaults.bootstrap,
    )
