"""Placement: first usable host in config order, first disk with room, all or nothing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisioning.core.models import SlotRef
from provisioning.core.placement import place
from provisioning.errors import ShortfallError, UsageError
from tests.fleets import make_fleet

CLASSIC = make_fleet([(4, 5, 5), (4, 5, 5), (4, 5, 5)])


def disks_of(slots):
    return [f"{s.host}/{s.disk}" for s in slots]


def test_the_classic_layout_fills_disk1_then_disk2_then_disk3():
    slots = place(CLASSIC, [], 14)
    assert ["host-a/disk1"] * 4 + ["host-a/disk2"] * 5 + ["host-a/disk3"] * 5 == disks_of(slots)


def test_a_full_host_spills_to_the_next_in_config_order():
    first = place(CLASSIC, [], 14)
    assert ["host-b/disk1", "host-b/disk1"] == disks_of(place(CLASSIC, first, 2))


def test_slot_numbers_are_the_lowest_free_on_the_disk():
    held = [SlotRef(host="host-a", disk="disk1", slot=n) for n in (0, 2)]
    assert [1, 3] == [s.slot for s in place(CLASSIC, held, 2)]


def test_a_freed_slot_is_reused_before_moving_on():
    held = [s for s in place(CLASSIC, [], 14) if (s.disk, s.slot) != ("disk2", 3)]
    assert [SlotRef(host="host-a", disk="disk2", slot=3)] == place(CLASSIC, held, 1)


def test_drained_hosts_are_skipped():
    fleet = make_fleet([(4, 5, 5), (4, 5, 5)], drained=["host-a"])
    assert {"host-b"} == {s.host for s in place(fleet, [], 5)}


def test_unavailable_hosts_are_skipped():
    slots = place(CLASSIC, [], 3, unavailable={"host-a": "cooling down"})
    assert {"host-b"} == {s.host for s in slots}


def test_naming_a_host_places_only_there():
    assert {"host-c"} == {s.host for s in place(CLASSIC, [], 6, host="host-c")}


def test_naming_an_unknown_host_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown host 'host-z'; known hosts: host-a, host-b"):
        place(CLASSIC, [], 1, host="host-z")


def test_naming_a_drained_host_is_refused():
    fleet = make_fleet([(4, 5, 5), (4, 5, 5)], drained=["host-b"])
    with pytest.raises(UsageError, match="host-b cannot take Bobs: drained"):
        place(fleet, [], 1, host="host-b")


@pytest.mark.parametrize("count", [0, -3])
def test_count_must_be_positive(count):
    with pytest.raises(UsageError, match="at least 1"):
        place(CLASSIC, [], count)


def test_a_shortfall_says_how_much_room_there_is_and_where():
    fleet = make_fleet([(4, 5, 5), (2, 1)], drained=[])
    held = place(fleet, [], 13)
    with pytest.raises(ShortfallError) as caught:
        place(fleet, held, 5)
    assert (
        "need room for 5 Bobs, the fleet has room for 4: "
        "host-a 1 (disk3 1), host-b 3 (disk1 2, disk2 1)"
    ) == str(caught.value)
    assert (5, 4) == (caught.value.requested, caught.value.available)


def test_a_shortfall_names_skipped_hosts():
    fleet = make_fleet([(1,), (5,)], drained=["host-b"])
    with pytest.raises(ShortfallError, match=r"room for 1: host-a 1 \(disk1 1\); host-b drained"):
        place(fleet, [], 2)


def test_a_full_fleet_says_full():
    fleet = make_fleet([(1,)])
    with pytest.raises(ShortfallError, match="room for 0: host-a full"):
        place(fleet, place(fleet, [], 1), 1)


def test_placement_is_deterministic():
    assert place(CLASSIC, [], 20) == place(CLASSIC, [], 20)


layouts = st.lists(
    st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=4), min_size=1, max_size=4
)


@given(layout=layouts, batches=st.lists(st.integers(min_value=1, max_value=12), max_size=8))
def test_repeated_plans_never_overfill_a_disk_and_are_all_or_nothing(layout, batches):
    fleet = make_fleet(layout)
    limits = {(h.name, d.name): d.max_bobs for h in fleet.hosts for d in h.disks}
    held: list[SlotRef] = []
    for count in batches:
        room = fleet.capacity - len(held)
        if count > room:
            with pytest.raises(ShortfallError) as caught:
                place(fleet, held, count)
            assert room == caught.value.available
            continue
        new = place(fleet, held, count)
        assert count == len(new)
        held += new
    per_disk: dict[tuple[str, str], list[int]] = {}
    for s in held:
        per_disk.setdefault((s.host, s.disk), []).append(s.slot)
    for disk, slots in per_disk.items():
        assert len(slots) == len(set(slots)) <= limits[disk]
        assert all(0 <= slot < limits[disk] for slot in slots)
