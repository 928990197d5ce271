"""Which Bobs ``attach`` may take: unattached, ready, in placement order, one heavy per disk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from provisioning.config.models import Fleet
from provisioning.errors import ShortfallError, UsageError
from provisioning.jenkins.models import JenkinsNode
from provisioning.jenkins.rules import choose
from provisioning.records import BobRecord, BobState
from tests.fleets import make_fleet

NOW = datetime(2025, 1, 1, tzinfo=UTC)
CONTROLLERS = [
    {
        "name": "ci-main",
        "url": "http://127.0.0.1:1/",
        "user": "bob",
        "token_env": "T1",
        "labels": {"heavy": 1, "light": 4},
        "heavy_labels": ["heavy"],
    },
    {
        "name": "ci-old",
        "url": "http://127.0.0.1:2/",
        "user": "bob",
        "token_env": "T2",
        "labels": {"big": 1, "small": 2},
        "heavy_labels": ["big"],
    },
]


def fleet(layout: Sequence[Sequence[int]] = ((4, 5, 5),), drained: Sequence[str] = ()) -> Fleet:
    base = make_fleet(layout, drained=drained)
    return Fleet.model_validate({**base.model_dump(mode="json"), "jenkins": CONTROLLERS})


def full(layout: Sequence[Sequence[int]] = ((4, 5, 5),)) -> list[BobRecord]:
    """Every slot of every disk filled, numbered in placement order: bob001 = host-a/disk1#0."""
    bobs: list[BobRecord] = []
    for h, disks in enumerate(layout):
        for d, size in enumerate(disks):
            for slot in range(size):
                bobs.append(
                    BobRecord(
                        name=f"bob{len(bobs) + 1:03d}",
                        host=f"host-{chr(97 + h)}",
                        disk=f"disk{d + 1}",
                        slot=slot,
                        ip=None,
                        state=BobState.READY,
                        created_at=NOW,
                    )
                )
    return bobs


def node(name: str, labels: str) -> JenkinsNode:
    return JenkinsNode(
        name=name, labels=labels, executors=1, offline=False, idle=True, managed=True
    )


def nodes(
    main: Sequence[JenkinsNode] = (), old: Sequence[JenkinsNode] = ()
) -> dict[str, list[JenkinsNode]]:
    return {"ci-main": list(main), "ci-old": list(old)}


@pytest.mark.parametrize(
    ("layout", "count", "attached", "expected"),
    [
        # classic 4/5/5: one heavy per disk, first slot of each disk in placement order
        (((4, 5, 5),), 3, [], ["bob001", "bob005", "bob010"]),
        (((4, 5, 5),), 2, [], ["bob001", "bob005"]),
        # disk1 already has a heavy node on ci-main: it is skipped
        (((4, 5, 5),), 2, [node("bob002", "heavy")], ["bob005", "bob010"]),
        # a heavy label on *another* controller counts too
        (((4, 5, 5),), 3, [node("bob006", "big")], ["bob001", "bob010"]),
        # a light label on the disk does not block
        (((4, 5, 5),), 3, [node("bob001", "light")], ["bob002", "bob005", "bob010"]),
        # two hosts: six disks
        (
            ((4, 5, 5), (4, 5, 5)),
            6,
            [],
            ["bob001", "bob005", "bob010", "bob015", "bob019", "bob024"],
        ),
        # one big disk: only one heavy ever
        (((14,),), 3, [], ["bob001"]),
    ],
)
def test_heavy_label_takes_one_bob_per_disk(
    layout: Sequence[Sequence[int]], count: int, attached: list[JenkinsNode], expected: list[str]
) -> None:
    on_main = [n for n in attached if n.labels in ("heavy", "light")]
    on_old = [n for n in attached if n not in on_main]
    choice = choose(fleet(layout), "ci-main", "heavy", count, full(layout), nodes(on_main, on_old))

    assert expected == [b.name for b in choice.chosen]
    assert (1, True) == (choice.executors, choice.heavy)


def test_a_light_label_takes_bobs_in_placement_order_with_its_executors() -> None:
    choice = choose(fleet(), "ci-main", "light", 5, full(), nodes([node("bob002", "light")]))

    assert ["bob001", "bob003", "bob004", "bob005", "bob006"] == [b.name for b in choice.chosen]
    assert 4 == choice.executors
    assert {"bob002": "already attached to ci-main"} == choice.refused


def test_a_node_bob_did_not_make_is_not_an_attachment_and_blocks_its_bob() -> None:
    by_hand = node("bob002", "light").model_copy(update={"managed": False})

    choice = choose(fleet(), "ci-main", "light", 2, full(), nodes([by_hand]))

    assert ["bob001", "bob003"] == [b.name for b in choice.chosen]
    assert {"bob002": "a node of that name on ci-main was not made by bob"} == choice.refused


def test_the_store_heavy_flag_blocks_a_disk_too() -> None:
    bobs = full()
    bobs[0] = bobs[0].model_copy(update={"heavy": True, "state": BobState.CREATING})

    choice = choose(fleet(), "ci-main", "heavy", 3, bobs, nodes())

    assert ["bob005", "bob010"] == [b.name for b in choice.chosen]


def test_not_ready_drained_and_attached_bobs_are_refused_with_reasons() -> None:
    bobs = full(((4, 5, 5), (4, 5, 5)))
    bobs[0] = bobs[0].model_copy(update={"state": BobState.CREATING})
    choice = choose(
        fleet(((4, 5, 5), (4, 5, 5)), drained=["host-b"]),
        "ci-main",
        "light",
        1,
        bobs,
        nodes(old=[node("bob002", "small")]),
    )

    assert ["bob003"] == [b.name for b in choice.chosen]
    assert "not ready (creating)" == choice.refused["bob001"]
    assert "already attached to ci-old" == choice.refused["bob002"]
    assert "on drained host host-b" == choice.refused["bob015"]


def test_a_shortfall_says_how_many_are_available_and_why_not_the_others() -> None:
    choice = choose(fleet(), "ci-main", "heavy", 5, full(), nodes([node("bob002", "heavy")]))

    with pytest.raises(ShortfallError) as err:
        choice.require_all()

    assert (5, 2) == (err.value.requested, err.value.available)
    message = str(err.value)
    assert "asked to attach 5 Bobs to ci-main as heavy, 2 available" in message
    assert "already attached to ci-main (bob002)" in message
    assert (
        "3 one heavy per disk: host-a/disk1 has its heavy executor on bob002 "
        "(bob001, bob003, bob004)"
    ) in message
    # disk2 and disk3 are full once this very call takes bob005 and bob010
    assert (
        "one heavy per disk: Bobs on host-a/disk2 share a disk with bob005"
        == choice.refused["bob006"]
    )


def test_bobs_that_are_simply_not_needed_are_not_refused() -> None:
    choice = choose(fleet(), "ci-main", "light", 2, full(), nodes())

    assert {} == choice.refused


def test_dry_run_describes_the_choice() -> None:
    text = choose(fleet(), "ci-main", "heavy", 2, full(), nodes()).describe()

    assert text.splitlines()[:3] == [
        "attach 2 of 2 to ci-main with heavy label heavy (1 executor each)",
        "  bob001 on host-a/disk1",
        "  bob005 on host-a/disk2",
    ]


@pytest.mark.parametrize(
    ("controller", "label", "count", "listed", "message"),
    [
        ("ci-nope", "heavy", 1, nodes(), "unknown Jenkins controller 'ci-nope'; known: ci-main"),
        ("ci-main", "big", 1, nodes(), "label 'big' is not configured for ci-main"),
        ("ci-main", "heavy", 0, nodes(), "count must be at least 1"),
        ("ci-main", "heavy", 1, {"ci-main": []}, "no node list from ['ci-old']"),
    ],
)
def test_bad_requests_are_usage_errors(
    controller: str, label: str, count: int, listed: dict[str, list[JenkinsNode]], message: str
) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
        choose(fleet(), controller, label, count, full(), listed)


def test_a_bob_outside_the_naming_scheme_is_never_an_agent() -> None:
    # A pull request's staging Bob (pr-7) serves its app; builds would share its Bob with it.
    bobs = full()
    bobs[0] = bobs[0].model_copy(update={"name": "pr-7"})

    choice = choose(fleet(), "ci-main", "light", 1, bobs, nodes())

    assert ["bob002"] == [b.name for b in choice.chosen]
    assert {"pr-7": "not a build Bob (a staging environment)"} == choice.refused
