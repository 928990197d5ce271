"""A real BIND per test, serving a forward zone and a reverse zone with holes in it.

The default reverse zone 1.250.10.in-addr.arpa has PTRs for .10, .11 and .13 — .12 is the hole —
and the subnet 10.250.1.0/24 has its gateway at .1 and .2–.9 reserved, so the first free
address is 10.250.1.12. The forward zone bob.test holds a hand-made ``bob002``.
"""

from __future__ import annotations

import ipaddress

import pytest

from provisioning.config.models import AddressRange, Subnet
from provisioning.dns import DnsClient
from tests.bind import BindServer, StartBind, Zone, ptr_lines

FORWARD = "bob.test"
REVERSE = "1.250.10.in-addr.arpa"
USED = ("10.250.1.10", "10.250.1.11", "10.250.1.13")
HAND_MADE = ("bob002 A 10.250.1.10", "printer A 10.250.1.11")


def default_zones() -> list[Zone]:
    return [Zone(FORWARD, HAND_MADE), Zone(REVERSE, ptr_lines(USED, REVERSE))]


def subnet(cidr: str = "10.250.1.0/24", gateway: str = "10.250.1.1", **extra: object) -> Subnet:
    values: dict[str, object] = {
        "cidr": cidr,
        "gateway": gateway,
        "datacenter": "dc1",
        "forward_zone": FORWARD,
        "reserved": [
            AddressRange(
                first=ipaddress.IPv4Address("10.250.1.2"), last=ipaddress.IPv4Address("10.250.1.9")
            )
        ]
        if cidr == "10.250.1.0/24"
        else [],
    }
    return Subnet.model_validate(values | extra)


@pytest.fixture
def bind(start_bind: StartBind) -> BindServer:
    return start_bind(default_zones())


@pytest.fixture
def client(bind: BindServer) -> DnsClient:
    return DnsClient(bind.settings(), bind.secret)
