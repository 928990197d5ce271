"""Which Bobs `bob serve` destroys, and why: a time to live that ended, or an agent idle longer
than its controller's idle_after_s. Only ready Bobs no job is working on; never a busy agent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.expiry import Expired, due, in_flight
from provisioning.jenkins.models import JenkinsNode
from provisioning.records import BobRecord, BobState, JobRecord, JobState

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def bob(
    name: str, state: BobState = BobState.READY, expires_in_s: float | None = None
) -> BobRecord:
    return BobRecord(
        name=name, host="host-a", disk="disk1", slot=1, ip=None, state=state, created_at=NOW,
        expires_at=None if expires_in_s is None else NOW + timedelta(seconds=expires_in_s),
    )  # fmt: skip


def agent(
    name: str, idle_s: float, *, busy: bool = False, offline: bool = False, managed: bool = True
) -> JenkinsNode:
    return JenkinsNode(
        name=name, executors=1, offline=offline, idle=not busy, managed=managed,
        idle_since_ms=int((NOW.timestamp() - idle_s) * 1000),
    )  # fmt: skip


def names(found: list[Expired]) -> list[str]:
    return [e.name for e in found]


@pytest.mark.parametrize(
    ("expires_in_s", "is_due"), [(-1, True), (0, True), (1, False), (None, False)]
)
def test_a_bob_is_due_once_its_time_to_live_has_ended(
    expires_in_s: float | None, is_due: bool
) -> None:
    assert (["bob001"] if is_due else []) == names(
        due([bob("bob001", expires_in_s=expires_in_s)], {}, {}, NOW)
    )


def test_the_reason_says_how_long_ago_the_time_to_live_ended() -> None:
    (found,) = due([bob("bob001", expires_in_s=-125)], {}, {}, NOW)
    assert "bob001 (its time to live ended 2m5s ago)" == found.line()


@pytest.mark.parametrize("state", [BobState.CREATING, BobState.DESTROYING, BobState.FAILED])
def test_only_ready_bobs_expire(state: BobState) -> None:
    assert [] == due([bob("bob001", state, expires_in_s=-60)], {}, {}, NOW)


def test_a_bob_an_unfinished_job_works_on_is_left_to_that_job() -> None:
    assert [] == due([bob("bob001", expires_in_s=-60)], {}, {}, NOW, in_flight=["bob001"])


@pytest.mark.parametrize(
    ("node", "is_due"),
    [
        (agent("bob001", idle_s=601), True),
        (agent("bob001", idle_s=600), True),
        (agent("bob001", idle_s=599), False),
        (agent("bob001", idle_s=3600, busy=True), False),
        (agent("bob001", idle_s=3600, offline=True), False),  # the reconciler's to report
        (agent("bob001", idle_s=3600, managed=False), False),  # not bob's agent
    ],
)
def test_an_online_idle_agent_of_bobs_is_due_after_its_controllers_idle_after(
    node: JenkinsNode, is_due: bool
) -> None:
    found = due([bob("bob001")], {"ci-main": [node]}, {"ci-main": 600.0}, NOW)
    assert (["bob001"] if is_due else []) == names(found)


def test_a_controller_without_idle_after_keeps_its_idle_agents() -> None:
    nodes = {"ci-main": [agent("bob001", 86400)], "ci-other": [agent("bob002", 86400)]}
    found = due([bob("bob001"), bob("bob002")], nodes, {"ci-other": 60.0}, NOW)
    assert ["bob002"] == names(found)
    assert "idle on ci-other for 1d, more than its idle_after_s (1m)" == found[0].reason


def test_an_agent_node_whose_bob_bob_does_not_know_is_not_destroyed_here() -> None:
    assert [] == due([], {"ci-main": [agent("bob009", 86400)]}, {"ci-main": 60.0}, NOW)


def test_a_bob_due_for_both_reasons_is_destroyed_once_for_its_time_to_live() -> None:
    found = due(
        [bob("bob001", expires_in_s=-1)], {"ci-main": [agent("bob001", 999)]}, {"ci-main": 1.0}, NOW
    )
    (only,) = found
    assert "time to live" in only.reason


def test_unfinished_jobs_name_their_bobs_and_agents() -> None:
    def job(**params: object) -> JobRecord:
        return JobRecord(
            id="j", kind="k", state=JobState.RUNNING, params=params, created_at=NOW,
            updated_at=NOW, requested_by="t", source="test",
        )  # fmt: skip

    jobs = [job(bobs=[{"name": "bob001"}]), job(agents=[{"name": "bob002"}]), job(count=3)]
    assert {"bob001", "bob002"} == in_flight(jobs)
