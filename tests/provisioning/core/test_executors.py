"""At most one heavy executor per physical disk, on any controller."""

import pytest

from provisioning.core.executors import choose_heavy
from provisioning.core.models import Occupant


def bob(name, disk="disk1", host="host-a", heavy=False):
    return Occupant(name=name, host=host, disk=disk, slot=int(name[-1]), heavy=heavy)


@pytest.mark.parametrize(
    ("others", "allowed"),
    [
        ([], True),
        ([bob("bob2")], True),
        ([bob("bob2", heavy=True)], False),
        ([bob("bob2", disk="disk2", heavy=True)], True),
        ([bob("bob2", host="host-b", heavy=True)], True),
    ],
)
def test_a_bob_gets_a_heavy_label_only_when_no_other_bob_on_its_disk_is_heavy(others, allowed):
    candidate = bob("bob1")
    chosen, refused = choose_heavy([candidate], [candidate, *others], count=1)
    assert (allowed, not allowed) == (chosen == [candidate], "bob1" in refused)


def test_choose_heavy_takes_one_per_disk_and_says_why_the_rest_were_passed_over():
    candidates = [bob("bob1"), bob("bob2"), bob("bob3", disk="disk2"), bob("bob4", disk="disk3")]
    existing = [bob("bob9", disk="disk3", heavy=True)]
    chosen, refused = choose_heavy(candidates, existing, count=5)
    assert ["bob1", "bob3"] == [b.name for b in chosen]
    assert {
        # bob1 takes disk1 in this very choice: no heavy executor exists there yet
        "bob2": "one heavy per disk: Bobs on host-a/disk1 share a disk with bob1",
        "bob4": "one heavy per disk: host-a/disk3 has its heavy executor on bob9",
    } == refused


def test_choose_heavy_stops_at_the_count():
    candidates = [bob("bob1"), bob("bob2", disk="disk2")]
    chosen, refused = choose_heavy(candidates, [], count=1)
    assert (["bob1"], {}) == ([b.name for b in chosen], refused)
