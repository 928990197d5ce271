"""The overview puts every Bob and reservation in its slot and never drops a record."""

import ipaddress
from datetime import UTC, datetime

from handlers.attachments import NodeLists, compare
from handlers.overview import build_overview
from handlers.render import render_job, render_overview
from provisioning.records import (
    BobRecord,
    BobState,
    JobRecord,
    JobState,
    JournalEntry,
    ReservationRecord,
    StepEvent,
)
from tests.fleets import make_fleet

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FLEET = make_fleet([(2, 1), (1,)], drained=["host-b"])


def bob(name, host="host-a", disk="disk1", slot=0, state=BobState.READY, **extra):
    ip = ipaddress.IPv4Address(f"10.250.1.{int(name[-1]) + 10}")
    return BobRecord(
        name=name, host=host, disk=disk, slot=slot, ip=ip, state=state, created_at=NOW, **extra
    )


def reservation(name, host="host-a", disk="disk1", slot=0):
    return ReservationRecord(
        name=name, host=host, disk=disk, slot=slot, ip=None, job_id="beef", created_at=NOW
    )


def test_bobs_and_reservations_fill_their_disks_in_slot_order():
    overview = build_overview(
        FLEET, [bob("bob2", slot=1), bob("bob3", disk="disk2")], [reservation("bob1")]
    )
    a = overview.hosts[0]
    assert [["bob1", "bob2"], ["bob3"]] == [[v.name for v in d.bobs] for d in a.disks]
    assert ([0, 0], 3, 3) == ([d.free for d in a.disks], a.used, a.capacity)


def test_records_on_hosts_the_config_lost_are_listed_apart():
    overview = build_overview(FLEET, [bob("bob7", host="host-gone")], [])
    assert ["bob7"] == [v.name for v in overview.unplaced]


def test_filtering_by_host_keeps_only_that_host():
    overview = build_overview(FLEET, [bob("bob1")], [], host="host-b")
    assert (["host-b"], []) == ([h.name for h in overview.hosts], overview.unplaced)


def test_the_text_view_marks_drained_hosts_full_disks_and_controllers():
    text = render_overview(
        build_overview(FLEET, [bob("bob1", controller="ci-main", label="heavy")], [])
    )
    assert [
        "host-a (dc1, overlay): 1/3 used, 2 free",
        "  disk1  1/2  1 free",
        "    bob1        ready       10.250.1.11      ci-main/heavy",
        "  disk2  0/1  1 free",
        "host-b (dc1, overlay)  DRAINED: 0/1 used, 1 free",
        "  disk1  0/1  1 free",
    ] == text.splitlines()


def entry(index, step, event, duration=None, detail=None):
    return JournalEntry(
        job_id="beef",
        step_index=index,
        step=step,
        lane="bob001",
        host="host-a",
        event=event,
        at=NOW,
        duration_s=duration,
        detail=detail,
    )


def test_the_job_view_shows_each_finished_step_once_with_its_timing():
    job = JobRecord(
        id="beef",
        kind="create",
        params={},
        state=JobState.FAILED,
        requested_by="alice",
        source="cli",
        created_at=NOW,
        error="clone failed",
    )
    journal = [
        entry(0, "reserve", StepEvent.STARTED),
        entry(0, "reserve", StepEvent.SUCCEEDED, 0.012),
        entry(1, "clone", StepEvent.STARTED),
        entry(1, "clone", StepEvent.FAILED, 1.5, "rsync exited 23"),
        entry(1, "clone", StepEvent.UNDO_STARTED),
        entry(1, "clone", StepEvent.UNDONE, 0.2),
        entry(0, "reserve", StepEvent.UNDO_STARTED),
    ]
    assert [
        "job beef: create, failed",
        "  requested by alice via cli at 2026-11-22 12:00:00 UTC",
        "  error: clone failed",
        "  steps:",
        "      0.012s  succeeded   bob001:reserve @host-a",
        "      1.500s  failed      bob001:clone @host-a  rsync exited 23",
        "      0.200s  undone      bob001:clone @host-a",
        "              undo-started bob001:reserve @host-a",
    ] == render_job(job, journal, NOW).splitlines()


def test_the_job_view_keeps_every_line_of_a_batch_of_output_under_its_entry():
    job = JobRecord(
        id="beef",
        kind="rebuild-base",
        params={},
        state=JobState.RUNNING,
        requested_by="alice",
        source="cli",
        created_at=NOW,
    )
    journal = [
        entry(1, "build", StepEvent.STARTED),
        entry(1, "build", StepEvent.LOG, detail="I: Retrieving InRelease\nI: Retrieving Release"),
    ]

    assert [
        "              started     bob001:build @host-a",
        "              log         bob001:build @host-a  I: Retrieving InRelease",
        "                I: Retrieving Release",
    ] == render_job(job, journal, NOW).splitlines()[-3:]


def test_bobs_from_an_older_base_than_their_hosts_current_one_are_stale():
    bobs = [bob("bob1", base_version=1), bob("bob2", slot=1, base_version=2), bob("bob3", slot=2)]
    overview = build_overview(FLEET, bobs, [], base_versions={"host-a": 2})
    views = overview.hosts[0].disks[0].bobs
    assert [(1, True), (2, False), (None, False)] == [(v.base_version, v.stale) for v in views]


def test_the_listing_shows_each_hosts_base_version_and_marks_stale_bobs():
    bobs = [bob("bob1", base_version=1), bob("bob2", slot=1, base_version=2)]
    text = render_overview(build_overview(FLEET, bobs, [], base_versions={"host-a": 2}))
    lines = text.splitlines()
    assert "host-a (dc1, overlay, base v2): 2/3 used, 1 free" == lines[0]
    assert ["base v1 STALE", "base v2"] == [" ".join(line.split()[3:]) for line in lines[2:4]]
    assert "host-b (dc1, overlay)  DRAINED: 0/1 used, 1 free" == lines[5]


def test_a_bob_a_failed_destroy_left_says_so_and_how_to_finish_it():
    left = bob("bob1", state=BobState.DESTROYING, job_id="dead")
    going = bob("bob2", slot=1, state=BobState.DESTROYING, job_id="live")

    text = render_overview(build_overview(FLEET, [left, going], [], unfinished={"live"}))

    assert "! destroy failed (job dead): `bob destroy bob1` again finishes it" in text
    assert 1 == text.count("destroy failed")  # not bob2: its destroy is under way


def test_the_listing_shows_when_a_bob_made_with_a_time_to_live_expires():
    expires = datetime(2026, 12, 3, 20, 30, tzinfo=UTC)
    text = render_overview(build_overview(FLEET, [bob("bob1", expires_at=expires)], []))
    assert "    bob1        ready       10.250.1.11      expires 2026-12-03 20:30 UTC" in text


def test_the_listing_says_which_controllers_remove_idle_agents_and_after_how_long():
    from provisioning.config.models import JenkinsController

    config = JenkinsController(
        name="ci-main", url="http://ci.example", user="bob", token_env="CI_TOKEN",
        idle_after_s=1800,
    )  # fmt: skip
    fleet = FLEET.model_copy(update={"jenkins": (config,)})
    text = render_overview(build_overview(fleet, [], [], jenkins=compare([], NodeLists({}, {}))))
    assert "  ci-main: agents idle 30m are detached and their Bobs destroyed" in text.splitlines()
