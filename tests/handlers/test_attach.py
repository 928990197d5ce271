"""`attach` and `detach` against the Jenkins double: which Bobs, which label, and nothing left
half-done. The controller's node table (the double's) is the truth each test reads back."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from handlers.jenkins import submit_attach
from handlers.requests import AttachBobs
from provisioning.config.models import AgentLauncher
from provisioning.errors import BobError, ShortfallError, UsageError
from provisioning.jenkins.errors import JenkinsAuthError, JenkinsCredentialsMissing
from provisioning.jobs.steps import StepContext
from provisioning.pipeline.jenkins_steps import AgentRef, attach_steps
from provisioning.records import JobState, NewJob
from tests.handlers.jenkins_world import CALLER, TOKEN_ENV, jenkins_world
from tests.jenkins_double import JenkinsDouble
from tests.waiting import until


@pytest.mark.parametrize(
    ("layout", "ready", "count", "expected"),
    [
        # one host, disks of 4/5/5, all 14 ready: the first Bob of each disk
        (((4, 5, 5),), 14, 3, ["bob001", "bob005", "bob010"]),
        # two hosts: host-a's two disks, then host-b's
        (((2, 2), (2,)), 6, 3, ["bob001", "bob003", "bob005"]),
        # fewer disks than asked: one per disk, no more
        (((3, 3),), 6, 2, ["bob001", "bob004"]),
        # a disk with no ready Bob is simply not a candidate
        (((2, 2), (2,)), 3, 2, ["bob001", "bob003"]),
    ],
)
async def test_heavy_goes_to_at_most_one_bob_per_disk(tmp_path, layout, ready, count, expected):
    async with jenkins_world(tmp_path, layout, ready) as world:
        job, choice = await world.attach(count, "heavy")

        assert JobState.SUCCEEDED == job.state
        assert expected == [b.name for b in choice.chosen]
        assert {name: "heavy" for name in expected} == world.nodes()
        assert {name: "ci-main/heavy" for name in expected} == await world.recorded()
        placed = {b.name: (b.host, b.disk) for b in await world.store.list_bobs()}
        assert len(expected) == len({placed[n] for n in expected})


async def test_heavy_asks_beyond_the_disks_are_refused_with_the_reason_and_change_nothing(
    tmp_path,
):
    async with jenkins_world(tmp_path, ((5,),), 5) as world:
        with pytest.raises(ShortfallError) as refused:
            await world.attach(2, "heavy")

        message = str(refused.value)
        assert "asked to attach 2 Bobs to ci-main as heavy, 1 available" in message
        assert (
            "not available: 4 one heavy per disk: Bobs on host-a/disk1 share a disk with bob001 "
            "(bob002, bob003, bob004, bob005)"
        ) in message
        assert {} == world.nodes()
        assert {} == await world.recorded()
        assert "shortfall" == (await world.store.audit_log())[0].outcome


async def test_a_heavy_shortfall_on_two_disks_names_the_bob_each_disk_went_to(tmp_path):
    # No heavy executor exists yet: the refusals are about this very choice.
    async with jenkins_world(tmp_path, ((2, 2),), 4) as world:
        with pytest.raises(ShortfallError) as refused:
            await world.attach(3, "heavy")

        message = str(refused.value)
        assert "asked to attach 3 Bobs to ci-main as heavy, 2 available" in message
        assert "one heavy per disk: Bobs on host-a/disk1 share a disk with bob001 (bob002)" in (
            message
        )
        assert "one heavy per disk: Bobs on host-a/disk2 share a disk with bob003 (bob004)" in (
            message
        )
        assert "already has a heavy executor" not in message


async def test_a_heavy_agent_already_on_the_controller_takes_its_disk(tmp_path):
    async with jenkins_world(tmp_path, ((3, 3),), 6) as world:
        await world.attach(1, "heavy")  # bob001, host-a/disk1

        with pytest.raises(ShortfallError, match="1 available"):
            await world.attach(2, "heavy")
        _, choice = await world.attach(1, "heavy")

        assert ["bob004"] == [b.name for b in choice.chosen]
        assert {"bob001": "heavy", "bob004": "heavy"} == world.nodes()


async def test_executors_per_label_come_from_the_config(tmp_path):
    async with jenkins_world(tmp_path, ((4,),), 2) as world:
        await world.attach(1, "heavy")
        await world.attach(1, "light")

        executors = {n.name: n.executors for n in world.double.nodes.values()}
        assert {"bob001": 1, "bob002": 4} == executors


async def test_attaching_again_never_duplicates_a_node(tmp_path):
    async with jenkins_world(tmp_path, ((4,),), 3) as world:
        await world.attach(2, "light")
        _, choice = await world.attach(1, "light")
        with pytest.raises(ShortfallError) as none_left:
            await world.attach(1, "light")

        assert ["bob003"] == [b.name for b in choice.chosen]
        assert ["bob001", "bob002", "bob003"] == sorted(world.nodes())
        assert "0 available" in str(none_left.value)
        assert "3 already attached to ci-main" in str(none_left.value)


async def test_a_rerun_of_the_attach_step_reports_the_node_unchanged(tmp_path):
    async with jenkins_world(tmp_path, ((4,),), 1) as world:
        job, _ = await world.attach(1, "light")
        node = dict(vars(world.double.nodes["bob001"]))

        # What a resumed job does when the crash came after the node was made.
        result = await world.jenkins["ci-main"].attach(await world.spec("bob001", "light", job.id))

        assert "unchanged" == result.status
        assert node == dict(vars(world.double.nodes["bob001"]))
        assert 1 == len(world.double.nodes)


async def test_the_ssh_launcher_connects_to_the_bobs_fqdn_with_the_configured_credential(
    tmp_path,
):
    launcher = AgentLauncher(type="ssh", credentials_id="bob-agent-key", port=2222)
    async with jenkins_world(tmp_path, ((4,),), 1, launcher=launcher) as world:
        await world.attach(1, "light")

        assert {
            "type": "ssh",
            "host": "bob001.bob.test",
            "port": 2222,
            "credentials_id": "bob-agent-key",
        } == world.double.nodes["bob001"].launcher


async def test_a_missing_plugin_fails_the_job_and_leaves_nothing_half_attached(tmp_path):
    launcher = AgentLauncher(type="ssh", credentials_id="bob-agent-key")
    double = JenkinsDouble(ssh_plugin=False)
    async with jenkins_world(tmp_path, ((4,),), 2, double=double, launcher=launcher) as world:
        job, _ = await world.attach(2, "light")

        assert JobState.FAILED == job.state
        assert "Jenkins controller ci-main" in (job.error or "")
        assert "unable to resolve class hudson.plugins.sshslaves.SSHLauncher" in (job.error or "")
        assert {} == world.nodes()
        assert {} == await world.recorded()


async def test_a_controller_that_dies_mid_job_keeps_the_claims_while_its_nodes_may_exist(
    tmp_path,
):
    # The node's removal could not be confirmed: releasing the claim would let another attach
    # take the Bob while the dead controller may still list it as its agent.
    async with jenkins_world(tmp_path, ((4,),), 2) as world:
        world.pipeline.undo_patience = replace(world.pipeline.undo_patience, window_s=0.5)
        request = AttachBobs(count=2, controller="ci-main", label="light")
        job, _ = await submit_attach(world.fleet, world.store, world.jenkins, request, CALLER)
        world.double.stop()
        final = await world.runner.run(job.id)

        assert JobState.FAILED == final.state
        assert "ci-main" in (final.error or "")
        assert "not undone, kept for what 'attach' left: 'claim'" in (final.error or "")
        assert {"bob001": "ci-main/light", "bob002": "ci-main/light"} == await world.recorded()


@pytest.mark.parametrize(
    ("env", "error", "expected"),
    [
        ({TOKEN_ENV: "not-the-token"}, JenkinsAuthError, "access denied (HTTP 401)"),
        ({}, JenkinsCredentialsMissing, TOKEN_ENV),
    ],
)
async def test_bad_credentials_refuse_the_attach_before_any_job(tmp_path, env, error, expected):
    async with jenkins_world(tmp_path, ((4,),), 2, env=env) as world:
        with pytest.raises(error) as refused:
            await world.attach(1, "light")

        assert "ci-main" in str(refused.value)
        assert expected in str(refused.value)
        assert [] == [j for j in await world.store.list_jobs() if j.kind == "attach"]
        assert {} == world.nodes()


async def test_a_failed_undo_of_the_node_keeps_the_claim_and_says_so(tmp_path):
    # The node could not be removed (a build started on it at once): it is still an agent of
    # ci-main, so bob's record must keep saying so, and the claim's undo must fail, not report
    # "claim undone".
    async with jenkins_world(tmp_path, ((4,),), 1) as world:
        job = await world.store.create_job(
            NewJob(kind="attach", params={}, requested_by="tester", source="test")
        )
        bob = await world.store.get_bob("bob001")
        assert bob is not None
        agent = AgentRef(
            name="bob001",
            host=bob.host,
            disk=bob.disk,
            ip=bob.ip,
            controller="ci-main",
            label="light",
        )
        claim, node = attach_steps(world.pipeline, agent)
        ctx = StepContext(job=job)
        await claim.apply(ctx)
        await node.apply(ctx)
        world.double.nodes["bob001"].busy = 1

        with pytest.raises(BobError, match="running 1 build"):
            await node.undo(ctx)
        with pytest.raises(BobError, match="still an agent of ci-main"):
            await claim.undo(ctx)

        assert {"bob001": "light"} == world.nodes()
        assert {"bob001": "ci-main/light"} == await world.recorded()


# ---- detach ------------------------------------------------------------------------------


def templates_run(double: JenkinsDouble) -> list[str]:
    return [s.split("\n", 1)[0].removeprefix("// bob-template: ") for s in double.scripts]


async def test_detach_drains_then_removes_and_clears_the_record(tmp_path):
    async with jenkins_world(tmp_path, ((4,),), 2) as world:
        await world.attach(2, "light")
        world.double.scripts.clear()

        job, absent = await world.detach("bob001")

        assert JobState.SUCCEEDED == job.state
        assert [] == absent
        assert {"bob002": "light"} == world.nodes()
        assert {"bob002": "ci-main/light"} == await world.recorded()
        run = [t for t in templates_run(world.double) if t != "list_nodes"]
        assert ["drain", "detach"] == run


async def test_detach_waits_for_the_running_build_to_finish(tmp_path):
    async with jenkins_world(tmp_path, ((4,),), 1) as world:
        await world.attach(1, "light")
        world.double.nodes["bob001"].busy = 1

        async def waiting_for_the_build() -> bool:
            jobs = await world.store.list_jobs()
            journals = [await world.store.journal(j.id) for j in jobs]
            return any("for 1 build(s) to finish" in (e.detail or "") for j in journals for e in j)

        async def build_finishes() -> int:
            await until(waiting_for_the_build, "detach saying it waits for the build")
            world.double.nodes["bob001"].busy = 0
            return len(world.double.scripts)

        finisher = asyncio.create_task(build_finishes())
        job, _ = await world.detach("bob001", wait=10)
        finished_at = await finisher

        assert JobState.SUCCEEDED == job.state
        assert "detach" in templates_run(world.double)[finished_at:]  # only after the build
        assert {} == world.nodes()


async def test_a_detach_that_times_out_brings_the_agent_back_online(tmp_path):
    async with jenkins_world(tmp_path, ((4,),), 1) as world:
        await world.attach(1, "light")
        world.double.nodes["bob001"].busy = 2

        job, _ = await world.detach("bob001", wait=0.3)

        assert JobState.FAILED == job.state
        assert "still running 2 build(s) after 0.3 s" in (job.error or "")
        node = world.double.nodes["bob001"]
        assert (False, 2) == (node.temporarily_offline, node.busy)
        assert {"bob001": "ci-main/light"} == await world.recorded()


async def test_detaching_a_bob_that_is_on_no_controller_is_a_no_op(tmp_path):
    async with jenkins_world(tmp_path, ((4,),), 2) as world:
        job, absent = await world.detach("bob002")

        assert (None, ["bob002"]) == (job, absent)


async def test_detach_refuses_a_node_bob_did_not_make(tmp_path):
    async with jenkins_world(tmp_path, ((4,),), 1) as world:
        world.double.add_node("bob001", "light", description="made by hand")

        with pytest.raises(UsageError, match="the node bob001 on ci-main was not made by bob"):
            await world.detach("bob001")
        assert ["bob001"] == list(world.nodes())
