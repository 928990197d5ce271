"""Config mistakes are caught at load time and told the operator's way: the place as the
operator names it (``host-a/disk1.max_bobs``), in bob's words, one line per problem, all at once.

Each case changes config/example.yaml in one place and names the exact line bob prints.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from provisioning.config import parse_fleet
from provisioning.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE: dict[str, Any] = yaml.safe_load((ROOT / "config" / "example.yaml").read_text())

Change = Callable[[dict[str, Any]], object]


def problems_in(change: Change) -> list[str]:
    data = copy.deepcopy(EXAMPLE)
    change(data)
    with pytest.raises(ConfigError) as caught:
        parse_fleet(yaml.safe_dump(data), source="fleet.yaml")
    return str(caught.value).splitlines()


def host(n: int, **values: object) -> Change:
    return lambda data: data["hosts"][n].update(values)


def disk(h: int, d: int, **values: object) -> Change:
    return lambda data: data["hosts"][h]["disks"][d].update(values)


def subnet(n: int, **values: object) -> Change:
    return lambda data: data["subnets"][n].update(values)


def reserve(n: int, first: str, last: str) -> Change:
    return lambda data: data["subnets"][n]["reserved"].append({"first": first, "last": last})


CAUGHT_AT_LOAD = {
    "a reserved range outside its subnet": (
        reserve(0, "10.250.9.2", "10.250.9.9"),
        "subnet 10.250.1.0/24.reserved[2]: 10.250.9.2-10.250.9.9 is not inside 10.250.1.0/24",
    ),
    "a reserved range that runs past its subnet": (
        reserve(0, "10.250.1.250", "10.250.2.5"),
        "subnet 10.250.1.0/24.reserved[2]: 10.250.1.250-10.250.2.5 is not inside 10.250.1.0/24",
    ),
    "two subnets with one CIDR": (
        subnet(1, cidr="10.250.1.0/24", gateway="10.250.1.1", reverse_zone=None),
        "subnet 10.250.1.0/24.cidr: 10.250.1.0/24 is configured twice (subnets 1 and 2)",
    ),
    "overlapping subnets": (
        subnet(1, cidr="10.250.1.128/25", gateway="10.250.1.129", reverse_zone=None),
        "subnet 10.250.1.128/25.cidr: 10.250.1.128/25 overlaps subnet 10.250.1.0/24",
    ),
    "a reverse zone that does not cover its CIDR": (
        subnet(1, reverse_zone="3.250.10.in-addr.arpa"),
        "subnet 10.250.2.0/24.reverse_zone: 3.250.10.in-addr.arpa does not cover 10.250.2.0/24: "
        "the PTR name of 10.250.2.0 is 0.2.250.10.in-addr.arpa",
    ),
    "a reverse zone narrower than its CIDR": (
        subnet(1, cidr="10.250.2.0/23", gateway="10.250.2.1"),
        "subnet 10.250.2.0/23.reverse_zone: 2.250.10.in-addr.arpa does not cover 10.250.2.0/23: "
        "the PTR name of 10.250.3.255 is 255.3.250.10.in-addr.arpa",
    ),
    "a reverse zone bob cannot derive, with DNS configured": (
        subnet(1, cidr="10.250.4.0/22", gateway="10.250.4.1", reverse_zone=None),
        "subnet 10.250.4.0/22.reverse_zone: not set, and a /22 is not on an octet boundary: "
        "name the zone that holds this subnet's PTR records",
    ),
    "a gateway outside its subnet": (
        subnet(0, gateway="10.9.9.1"),
        "subnet 10.250.1.0/24.gateway: 10.9.9.1 is not inside 10.250.1.0/24",
    ),
    "two hosts with one name": (
        host(1, name="host-a"),
        "host-a: two hosts are named host-a (hosts 1 and 2)",
    ),
    "two disks with one name": (
        disk(0, 2, name="disk1"),
        "host-a/disk1: two disks are named disk1 (disks 1 and 3)",
    ),
    "a host in a datacenter without a subnet": (
        host(2, datacenter="dc9"),
        "host-c.datacenter: dc9 has no subnet (subnets are in: dc1, dc2)",
    ),
}

TOLD_THE_OPERATORS_WAY = {
    "an unknown key, with the field it likely meant": (
        disk(0, 0, max_bob=3),
        'host-a/disk1.max_bob: unknown field; did you mean "max_bobs"?',
    ),
    "an unknown key at the top level": (
        lambda data: data.update(subnet=[]),
        'subnet: unknown field; did you mean "subnets"?',
    ),
    "an unknown key inside a storage backend": (
        host(0, storage={"backend": "lvm", "sizee": "20G"}),
        'host-a.storage.sizee: unknown field; did you mean "size"?',
    ),
    "a secret where its variable's name belongs": (
        lambda data: data["jenkins"][0].update(token="s3cret"),
        'jenkins ci-main.token: unknown field; did you mean "token_env"?',
    ),
    "an unknown key like no known one": (
        lambda data: data["web"].update(zzz=1),
        "web.zzz: unknown field; known here: bind, port, user, password_env, url",
    ),
    "not a number": (
        disk(0, 1, max_bobs="lots"),
        "host-a/disk2.max_bobs: must be a whole number (got 'lots')",
    ),
    "below the least": (
        disk(1, 0, max_bobs=-1),
        "host-b/disk1.max_bobs: must be at least 0 (got -1)",
    ),
    "above the most": (
        host(0, ssh={"address": "10.250.0.2", "port": 70000}),
        "host-a.ssh.port: must be at most 65535 (got 70000)",
    ),
    "not a hostname label": (
        host(0, bridge="br0", name="Host_A"),
        "Host_A.name: must be a lower-case hostname label: letters, digits and '-', "
        "not at either end (got 'Host_A')",
    ),
    "a required field left out": (
        lambda data: data["hosts"][0].pop("ssh"),
        "host-a.ssh: required, but not set",
    ),
    "a choice bob does not know": (
        lambda data: data["dns"].update(allocation="bogus"),
        "dns.allocation: must be one of 'axfr' or 'scan' (got 'bogus')",
    ),
    "an unknown storage backend": (
        host(0, storage={"backend": "zfs"}),
        "host-a.storage: backend 'zfs' is not one bob knows; "
        "choose one of 'dir', 'btrfs', 'overlay', 'lvm'",
    ),
    "a network with host bits": (
        subnet(0, cidr="10.250.1.5/24"),
        "subnet 10.250.1.5/24.cidr: must be an IPv4 network with nothing after the prefix, "
        "e.g. 10.250.1.0/24 (got '10.250.1.5/24')",
    ),
    "a secret pasted where its variable's name belongs, not echoed": (
        lambda data: data["jenkins"][0].update(token_env="11a9f0c3e2d4"),
        "jenkins ci-main.token_env: must be an environment variable's name (A-Z, 0-9, _) "
        "(the value is not shown)",
    ),
    "a list item without a name, counted from 1": (
        lambda data: data["hosts"][1]["base"]["source"]["packages"].append("Not A Package"),
        "host-b.base.source.packages[4]: must match ^[a-z0-9][a-z0-9+.-]+$ (got 'Not A Package')",
    ),
}


@pytest.mark.parametrize(("change", "line"), CAUGHT_AT_LOAD.values(), ids=list(CAUGHT_AT_LOAD))
def test_a_mistake_is_caught_at_load_time(change: Change, line: str) -> None:
    assert [f"fleet.yaml: {line}"] == problems_in(change)


@pytest.mark.parametrize(
    ("change", "line"), TOLD_THE_OPERATORS_WAY.values(), ids=list(TOLD_THE_OPERATORS_WAY)
)
def test_a_mistake_is_told_the_operators_way(change: Change, line: str) -> None:
    assert [f"fleet.yaml: {line}"] == problems_in(change)


def test_every_problem_is_told_at_once_one_line_each() -> None:
    def many(data: dict[str, Any]) -> None:
        data["hosts"][0]["disks"][0]["max_bob"] = 3
        data["hosts"][2]["disks"][1]["max_bobs"] = "x"
        data["subnets"][0]["reserved"].append({"first": "10.9.0.1", "last": "10.9.0.2"})
        data["subnets"][1]["reverse_zone"] = "3.250.10.in-addr.arpa"
        data["hosts"][1]["name"] = "host-c"  # hosts are broken: their names go unchecked
        data["jenkins"].append({**data["jenkins"][0]})

    assert [
        'fleet.yaml: host-a/disk1.max_bob: unknown field; did you mean "max_bobs"?',
        "fleet.yaml: host-c/disk2.max_bobs: must be a whole number (got 'x')",
        "fleet.yaml: subnet 10.250.1.0/24.reserved[2]: 10.9.0.1-10.9.0.2 is not inside "
        "10.250.1.0/24",
        "fleet.yaml: subnet 10.250.2.0/24.reverse_zone: 3.250.10.in-addr.arpa does not cover "
        "10.250.2.0/24: the PTR name of 10.250.2.0 is 0.2.250.10.in-addr.arpa",
        "fleet.yaml: jenkins ci-main: two jenkins controllers are named ci-main "
        "(jenkins controllers 1 and 2)",
    ] == problems_in(many)


def test_a_config_error_exits_2_with_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(EXAMPLE)
    data["subnets"][1].update(cidr="10.250.1.0/24", gateway="10.250.1.1", reverse_zone=None)
    data["jenkins"][0]["timeout"] = "soon"
    data["hosts"][0]["disks"][0]["max_bob"] = 4
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(data))

    assert 2 == main(["plan", "create", "1", "--config", str(path)])
    # the subnets are valid on their own, so the check across them runs beside the others
    assert [
        f'bob: {path}: host-a/disk1.max_bob: unknown field; did you mean "max_bobs"?',
        f"bob: {path}: jenkins ci-main.timeout: must be a number (got 'soon')",
        f"bob: {path}: subnet 10.250.1.0/24.cidr: 10.250.1.0/24 is configured twice "
        "(subnets 1 and 2)",
    ] == capsys.readouterr().err.splitlines()
