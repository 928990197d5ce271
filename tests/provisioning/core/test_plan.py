"""The create plan: names, slots and addresses together, all or nothing."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisioning.core.models import Occupant
from provisioning.core.plan import plan_create
from provisioning.errors import ShortfallError, UsageError
from tests.fleets import make_fleet

IP = ipaddress.IPv4Address


def occupant(name, host="host-a", disk="disk1", slot=0, ip=None):
    return Occupant(name=name, host=host, disk=disk, slot=slot, ip=IP(ip) if ip else None)


def test_five_bobs_on_the_classic_layout():
    plan = plan_create(make_fleet(), [], 5)
    assert [
        "bob001 on host-a/disk1, 10.250.1.2",
        "bob002 on host-a/disk1, 10.250.1.3",
        "bob003 on host-a/disk1, 10.250.1.4",
        "bob004 on host-a/disk1, 10.250.1.5",
        "bob005 on host-a/disk2, 10.250.1.6",
    ] == [b.describe() for b in plan.bobs]


def test_addresses_skip_network_gateway_reserved_and_used():
    fleet = make_fleet(reserved=[("10.250.1.2", "10.250.1.9")])
    held = [occupant("bob001", ip="10.250.1.10")]
    plan = plan_create(fleet, held, 2)
    assert [IP("10.250.1.11"), IP("10.250.1.12")] == [b.ip for b in plan.bobs]


def test_addresses_taken_elsewhere_are_not_reused():
    plan = plan_create(make_fleet(), [], 1, other_addresses=[IP("10.250.1.2")])
    assert IP("10.250.1.3") == plan.bobs[0].ip


def test_names_taken_elsewhere_are_not_reused():
    plan = plan_create(make_fleet(), [], 2, other_names=["bob001", "bob003"])
    assert ["bob002", "bob004"] == plan.names


def test_each_bob_gets_its_subnets_gateway_and_prefix():
    bob = plan_create(make_fleet(cidr="10.250.4.0/22"), [], 1).bobs[0]
    assert (IP("10.250.4.1"), 22) == (bob.gateway, bob.prefix_length)


def test_a_subnet_with_no_free_address_is_a_shortfall():
    fleet = make_fleet(cidr="10.250.1.0/29")  # 6 hosts, minus the gateway: 5 usable
    with pytest.raises(
        ShortfallError, match=r"need 6 addresses, only 5 free in subnets 10.250.1.0/29"
    ):
        plan_create(fleet, [], 6)


@pytest.mark.parametrize("count", [0, -1, 10_001])
def test_count_out_of_range_is_a_usage_error(count):
    with pytest.raises(UsageError, match="between 1 and 10000"):
        plan_create(make_fleet(), [], count)


@given(
    held_numbers=st.sets(st.integers(min_value=1, max_value=30), max_size=14),
    count=st.integers(min_value=1, max_value=40),
)
def test_a_plan_has_exactly_n_unique_new_bobs_or_is_a_shortfall(held_numbers, count):
    fleet = make_fleet([(4, 5, 5), (4, 5, 5)])
    first = plan_create(fleet, [], len(held_numbers)) if held_numbers else None
    held = [
        occupant(f"bob{n:03d}", b.host, b.disk, b.slot, str(b.ip))
        for n, b in zip(sorted(held_numbers), first.bobs if first else [], strict=True)
    ]
    room = fleet.capacity - len(held)
    if count > room:
        with pytest.raises(ShortfallError):
            plan_create(fleet, held, count)
        return
    plan = plan_create(fleet, held, count)
    assert count == len(plan.bobs)
    names = [b.name for b in plan.bobs] + [o.name for o in held]
    ips = [b.ip for b in plan.bobs] + [o.ip for o in held]
    slots = [(b.host, b.disk, b.slot) for b in plan.bobs] + [(o.host, o.disk, o.slot) for o in held]
    assert len(names) == len(set(names))
    assert len(ips) == len(set(ips))
    assert len(slots) == len(set(slots))
