"""`bob list` shows where Bobs are agents as the controllers say, and flags every disagreement
with bob's records: a stray agent, a recorded agent that is gone, a foreign node, a controller
that cannot be read."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

from handlers.attachments import NodeLists, compare
from handlers.overview import build_overview
from handlers.queries import fleet_overview
from handlers.render import render_overview
from handlers.requests import ListBobs
from provisioning.jenkins.errors import JenkinsUnreachable
from provisioning.jenkins.models import JenkinsNode
from provisioning.records import BobRecord, BobState
from tests.fleets import make_fleet
from tests.handlers.jenkins_world import jenkins_world

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FLEET = make_fleet([(4,)])


def bob(name: str, slot: int, controller: str | None = None, label: str | None = None):
    return BobRecord(
        name=name,
        host="host-a",
        disk="disk1",
        slot=slot,
        ip=ipaddress.IPv4Address(f"10.250.1.{10 + slot}"),
        state=BobState.READY,
        controller=controller,
        label=label,
        created_at=NOW,
    )


def node(name: str, labels: str, *, managed: bool = True, **extra) -> JenkinsNode:
    fields = {"executors": 1, "offline": False, "idle": True, **extra}
    return JenkinsNode(name=name, labels=labels, managed=managed, **fields)


def test_agreement_shows_the_controller_and_label_without_a_flag():
    truth = compare(
        [bob("bob001", 0, "ci-main", "heavy")],
        NodeLists({"ci-main": [node("bob001", "heavy")]}, {}),
    )

    assert ("ci-main/heavy", "") == (truth.by_bob["bob001"].detail, truth.by_bob["bob001"].flag)


def test_an_agent_the_records_do_not_know_is_shown_and_flagged():
    truth = compare([bob("bob001", 0)], NodeLists({"ci-main": [node("bob001", "light")]}, {}))

    seen = truth.by_bob["bob001"]
    assert ("ci-main/light", "bob's records say not attached") == (seen.detail, seen.flag)


def test_a_recorded_agent_the_controller_no_longer_has_is_flagged():
    truth = compare([bob("bob001", 0, "ci-main", "light")], NodeLists({"ci-main": []}, {}))

    assert "bob's records say ci-main/light, but ci-main has no such agent" == (
        truth.by_bob["bob001"].flag
    )


def test_a_node_with_a_bobs_name_that_bob_did_not_make_is_flagged():
    lists = NodeLists({"ci-main": [node("bob001", "light", managed=False)]}, {})

    assert (
        "a node named bob001 on ci-main is not bob's"
        == compare([bob("bob001", 0)], lists).by_bob["bob001"].flag
    )


def test_an_agent_bob_made_for_a_bob_the_store_does_not_have_is_a_stray():
    lists = NodeLists(
        {"ci-main": [node("bob007", "light"), node("manual", "x", managed=False)]}, {}
    )

    truth = compare([bob("bob001", 0)], lists)

    assert ["bob007 on ci-main: an agent bob made, but bob's store has no such Bob"] == truth.strays


def test_a_node_bob_did_not_make_but_named_like_a_bob_is_flagged():
    lists = NodeLists(
        {
            "ci-main": [
                node("bob007", "light", managed=False),
                node("bob001", "light", managed=False),  # flagged on bob001's own line
                node("builder-1", "x", managed=False),
            ]
        },
        {},
    )

    truth = compare([bob("bob001", 0)], lists, naming=FLEET.naming)

    assert ["bob007 on ci-main: named like a Bob, but bob did not make this node"] == truth.strays


def test_a_name_still_being_created_is_not_a_stray():
    lists = NodeLists({"ci-main": [node("bob002", "light")]}, {})

    assert [] == compare([], lists, known=["bob002"]).strays


def test_an_unreadable_controller_falls_back_to_the_records_and_says_so():
    error = JenkinsUnreachable("ci-main", "cannot connect", "Connection refused")
    truth = compare([bob("bob001", 0, "ci-main", "heavy")], NodeLists({}, {"ci-main": error}))

    seen = truth.by_bob["bob001"]
    assert ("ci-main/heavy?", "from bob's records: ci-main could not be read") == (
        seen.detail,
        seen.flag,
    )
    assert [f"ci-main: could not be read ({error})"] == truth.controllers


def test_drained_and_busy_agents_say_so():
    lists = NodeLists(
        {
            "ci-main": [
                node("bob001", "light", temporarily_offline=True, offline=True),
                node("bob002", "light", busy_executors=2, idle=False),
            ]
        },
        {},
    )
    truth = compare(
        [bob("bob001", 0, "ci-main", "light"), bob("bob002", 1, "ci-main", "light")], lists
    )

    assert ["ci-main/light (drained)", "ci-main/light (2 busy)"] == [
        truth.by_bob[n].detail for n in ("bob001", "bob002")
    ]
    assert ["ci-main: 2 agents made by bob, 1 online"] == truth.controllers


def test_the_rendered_overview_carries_details_flags_and_strays():
    lists = NodeLists({"ci-main": [node("bob001", "heavy"), node("bob009", "light")]}, {})
    bobs = [bob("bob001", 0, "ci-main", "heavy"), bob("bob002", 1, "ci-main", "light")]

    text = render_overview(build_overview(FLEET, bobs, [], jenkins=compare(bobs, lists)))

    assert "    bob001      ready       10.250.1.10      ci-main/heavy" in text.splitlines()
    assert (
        "    bob002      ready       10.250.1.11      "
        "! bob's records say ci-main/light, but ci-main has no such agent"
    ) in text.splitlines()
    assert text.splitlines()[-3:] == [
        "jenkins:",
        "  ci-main: 2 agents made by bob, 2 online",
        "  ! bob009 on ci-main: an agent bob made, but bob's store has no such Bob",
    ]


async def test_the_overview_reads_the_controller_not_just_the_store(tmp_path):
    async with jenkins_world(tmp_path, ((4,),), 2) as world:
        await world.attach(1, "light")
        del world.double.nodes["bob001"]  # removed by hand in Jenkins
        world.double.add_node("bob002", "light", description='managed by bob {"bob":"bob002"}')

        overview = await fleet_overview(world.fleet, world.store, ListBobs(), world.jenkins)

        slots = {v.name: (v.detail, v.flag) for v in overview.hosts[0].disks[0].bobs}
        assert {
            "bob001": ("", "bob's records say ci-main/light, but ci-main has no such agent"),
            "bob002": ("ci-main/light (offline)", "bob's records say not attached"),
        } == slots
