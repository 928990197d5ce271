"""bob refresh on the real sandbox (overlay), with the Jenkins double as controller ``ci-main``.

After ``rebuild-base`` every Bob is STALE; ``bob refresh --stale`` replaces each with a clone of
its host's current base under the same name, disk slot and address, its agent back on the same
controller with the same label. A failure mid-refresh (the host's bridge gone as the new
container starts) puts the old Bob back: its own root filesystem, running, answering ping,
its agent online again, and nothing for the reconciler to report. So does an agent whose
build outlasts ``--wait``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers.jenkins import submit_attach
from handlers.refresh import RefreshBobs, submit_refresh
from handlers.requests import AttachBobs
from provisioning.config import Fleet
from provisioning.dns import DnsClient, secret_from_env
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.port import JenkinsController
from provisioning.jobs import Event, StepFinished, StepStarted
from provisioning.records import BobRecord, BobState, JobState, StepEvent
from provisioning.store import SqlStore
from sandbox import SandboxInfo
from sandbox.layout import STORAGE_ROOT
from tests.handlers.jenkins_world import TOKEN_ENV, controller
from tests.jenkins_double import JenkinsDouble
from tests.provisioning.bases.observe import base_entries, in_bob, state_of
from tests.provisioning.pipeline.faults import BridgeRenamed, Fault, SshdStopped
from tests.provisioning.pipeline.observe import clear_bobs
from tests.provisioning.pipeline.outcome import entries, failures
from tests.provisioning.pipeline.reconciled import (
    assert_no_differences,
    assert_reconciled,
    parse_cli_report,
)
from tests.provisioning.pipeline.runtime import CALLER, bob_runtime, db_url, fleet_variant
from tests.provisioning.pipeline.with_jenkins import with_jenkins
from tests.sandbox.fixtures import host_ssh, own_fleet

pytestmark = pytest.mark.slow

WITNESS = "/witness"  # written into the old Bob: only its own root filesystem has it
MANIFEST = "/etc/bob-base.json"  # written by rebuild-base into every base it builds


@pytest.fixture(scope="module")
def fleet_info(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    # A fleet of its own: the rebuild leaves new base versions that other tests do not expect.
    with own_fleet(tmp_path_factory, "refresh", "overlay", hosts=2) as info:
        yield info


@pytest.fixture
def sandbox(fleet_info: SandboxInfo) -> Iterator[SandboxInfo]:
    yield fleet_info
    clear_bobs(fleet_info)
    for host in ("host-a", "host-b"):  # old containers a failed refresh left aside
        asides = f'for d in {STORAGE_ROOT}/*/.*.bob-refresh.*; do rm -rf "$d"; done'
        host_ssh(fleet_info, host, ["sh", "-c", asides], check=False)


def _with_dns(
    info: SandboxInfo, directory: Path, double: JenkinsDouble | None = None
) -> tuple[Fleet, DnsClient]:
    """The sandbox's fleet (with the double as ``ci-main``) and a client of its BIND."""
    fleet = fleet_variant(info, directory)
    if double is not None:
        fleet = fleet.model_copy(update={"jenkins": (controller(double.url),)})
    assert fleet.dns is not None
    return fleet, DnsClient(fleet.dns, secret_from_env(fleet.dns))


def _identity(bob: BobRecord) -> tuple[Any, ...]:
    return (bob.name, bob.host, bob.disk, bob.slot, str(bob.ip), bob.controller, bob.label)


async def _records(url: str) -> tuple[list[BobRecord], dict[str, int]]:
    store = await SqlStore.open(url)
    try:
        return await store.list_bobs(), await store.base_versions()
    finally:
        await store.close()


def test_refresh_stale_after_a_rebuild_puts_every_bob_on_the_current_base_unchanged_outside(
    sandbox: SandboxInfo, tmp_path: Path, double: JenkinsDouble
) -> None:
    world = with_jenkins(sandbox, tmp_path, double, labels={"light": 2})

    def bob(*argv: str) -> subprocess.CompletedProcess[str]:
        done = world.run(*argv, timeout=300)
        assert 0 == done.returncode, f"bob {' '.join(argv)}:\n{done.stdout}\n{done.stderr}"
        return done

    bob("create", "2", "--host", "host-a")
    bob("create", "1", "--host", "host-b")
    bob("attach", "2", "to", "ci-main", "light")
    before, _ = asyncio.run(_records(world.url))
    for b in before:
        in_bob(sandbox, b.host, b.disk, b.name, "sh", "-c", f"echo {b.name} > {WITNESS}")
    bob("rebuild-base", "--yes")
    assert 3 == bob("list").stdout.count("STALE")

    refreshed = bob("refresh", "--stale", "--yes")

    after, current = asyncio.run(_records(world.url))
    assert sorted(map(_identity, before)) == sorted(map(_identity, after))
    assert {b.name: current[b.host] for b in after} == {b.name: b.base_version for b in after}
    assert {2} == set(current.values())
    # A new container each: the old root filesystem (the witness) is gone, the new base's
    # manifest is there, and it runs.
    inside = {
        b.name: (
            state_of(sandbox, b.host, b.disk, b.name),
            in_bob(sandbox, b.host, b.disk, b.name, "cat", WITNESS),
            json.loads(in_bob(sandbox, b.host, b.disk, b.name, "cat", MANIFEST) or "{}").get(
                "version"
            ),
        )
        for b in after
    }
    assert dict.fromkeys(inside, ("RUNNING", "", 2)) == inside, refreshed.stdout
    agents = {b.name: b.label for b in before if b.controller == "ci-main"}
    assert 2 == len(agents)
    assert agents == world.nodes()
    assert not any(n.temporarily_offline for n in double.nodes.values())
    assert "STALE" not in bob("list").stdout
    # No Bob uses the old base any more: it was collected.
    assert {h: ["base-v2", "current -> base-v2"] for h in ("host-a", "host-b")} == {
        h: base_entries(sandbox, h) for h in ("host-a", "host-b")
    }, refreshed.stdout
    report = world.run("reconcile", "--json")
    assert_no_differences(parse_cli_report(report.stdout, report.stderr))
    bob("destroy", *(b.name for b in after), "--yes")


class FaultAtStep:
    """``fault`` (the sandbox host's bridge renamed, by default) when the refresh starts
    ``step`` for the ``nth`` time (any lane), healed once a step has failed, so the undo meets
    a working host."""

    def __init__(
        self, info: SandboxInfo, bob: Any, step: str, nth: int = 1, fault: Fault | None = None
    ) -> None:
        self.fault = fault or BridgeRenamed()
        self.info, self.bob, self.step, self.nth = info, bob, step, nth
        self.injected = self.healed = False

    async def __call__(self, event: Event) -> None:
        if isinstance(event, StepStarted) and event.step == self.step and not self.injected:
            self.nth -= 1
            if self.nth > 0:
                return
            self.injected = True
            await self.fault.inject(self.info, self.bob)
        elif isinstance(event, StepFinished) and event.outcome == "failed" and not self.healed:
            self.healed = True
            await self.fault.heal(self.info, self.bob)


async def test_a_failure_mid_refresh_leaves_the_old_bob_in_place_ready_and_reconciled(
    sandbox: SandboxInfo, tmp_path: Path, double: JenkinsDouble
) -> None:
    fleet, dns = _with_dns(sandbox, tmp_path, double)
    jenkins: dict[str, JenkinsController] = {
        "ci-main": ScriptConsoleController(
            fleet.jenkins[0], env={TOKEN_ENV: double.tokens["admin"]}
        )
    }
    async with bob_runtime(fleet, db_url(tmp_path), dns=dns, jenkins=jenkins) as bob:
        made, plan = await bob.create(1, host="host-a")
        assert JobState.SUCCEEDED == made.state, made.error
        attach, _ = await submit_attach(
            fleet,
            bob.store,
            jenkins,
            AttachBobs(count=1, controller="ci-main", label="light"),
            CALLER,
        )
        assert JobState.SUCCEEDED == (await bob.runner.run(attach.id)).state
        planned = plan.bobs[0]
        in_bob(
            sandbox, planned.host, planned.disk, planned.name, "sh", "-c", f"echo old > {WITNESS}"
        )
        before = await bob.store.get_bob(planned.name)
        assert before is not None
        fault = FaultAtStep(sandbox, planned, "start")
        bob.bus.subscribe(fault)
        job = await submit_refresh(fleet, bob.store, RefreshBobs(names=(planned.name,)), CALLER)
        assert job is not None
        try:
            final = await asyncio.wait_for(bob.runner.run(job.id), timeout=120)
        finally:
            await fault.fault.heal(sandbox, planned)
        journal = await bob.store.journal(job.id)

        assert fault.injected
        assert JobState.FAILED == final.state
        assert "start" == failures(journal)[0].step, final.error
        assert [] == entries(journal, StepEvent.UNDO_FAILED), final.error
        assert before == await bob.store.get_bob(planned.name)  # ready, same job, same base
        assert "RUNNING" == state_of(sandbox, planned.host, planned.disk, planned.name)
        where = (sandbox, planned.host, planned.disk, planned.name)
        assert "old" == in_bob(*where, "cat", WITNESS).strip()  # its own root filesystem
        ping = ["ping", "-c", "1", "-W", "2", str(planned.ip)]
        assert 0 == host_ssh(sandbox, planned.host, ping, check=False).returncode
        left = host_ssh(sandbox, planned.host, ["ls", "-A", f"{STORAGE_ROOT}/{planned.disk}"])
        assert [planned.name] == left.stdout.split()  # nothing set aside is left
        node = double.nodes[planned.name]
        assert ("light", False) == (node.label, node.temporarily_offline)
        await assert_reconciled(fleet, bob.store, dns=dns, jenkins=jenkins)

        gone, _ = await bob.destroy(planned.name)
        assert gone is not None
        assert JobState.SUCCEEDED == gone.state, gone.error


async def test_a_failing_bob_leaves_the_bobs_refreshed_before_it_in_its_lane_refreshed(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    fleet, dns = _with_dns(sandbox, tmp_path)
    async with bob_runtime(fleet, db_url(tmp_path), dns=dns) as bob:
        made, plan = await bob.create(2, host="host-a")
        assert JobState.SUCCEEDED == made.state, made.error
        first, second = plan.bobs
        for b in plan.bobs:
            in_bob(sandbox, b.host, b.disk, b.name, "sh", "-c", f"echo old > {WITNESS}")
        untouched = await bob.store.get_bob(second.name)
        fault = FaultAtStep(sandbox, second, "start", nth=2)  # the second Bob's new container
        bob.bus.subscribe(fault)
        request = RefreshBobs(names=(first.name, second.name))
        job = await submit_refresh(fleet, bob.store, request, CALLER)
        assert job is not None
        try:
            final = await asyncio.wait_for(bob.runner.run(job.id), timeout=120)
        finally:
            await fault.fault.heal(sandbox, second)
        journal = await bob.store.journal(job.id)
        refreshed = await bob.store.get_bob(first.name)

        assert fault.injected
        assert JobState.FAILED == final.state
        assert [] == entries(journal, StepEvent.UNDO_FAILED), final.error
        assert refreshed is not None
        assert (BobState.READY, job.id) == (refreshed.state, refreshed.job_id)
        assert untouched == await bob.store.get_bob(second.name)
        witnesses = {
            b.name: in_bob(sandbox, b.host, b.disk, b.name, "cat", WITNESS).strip()
            for b in plan.bobs
        }
        assert {first.name: "", second.name: "old"} == witnesses
        left = host_ssh(sandbox, "host-a", ["ls", "-A", f"{STORAGE_ROOT}/{first.disk}"])
        assert sorted(plan.names) == sorted(left.stdout.split())
        states = {b.name: state_of(sandbox, b.host, b.disk, b.name) for b in plan.bobs}
        assert dict.fromkeys(states, "RUNNING") == states
        await assert_reconciled(fleet, bob.store, dns=dns)
        gone, _ = await bob.destroy(*plan.names)  # with their DNS records
        assert gone is not None
        assert JobState.SUCCEEDED == gone.state, gone.error


@pytest.fixture
def each_backend(any_fleet: SandboxInfo) -> Iterator[SandboxInfo]:
    yield any_fleet
    clear_bobs(any_fleet)


async def test_refreshing_onto_the_same_base_replaces_the_containers_on_every_backend(
    each_backend: SandboxInfo, tmp_path: Path
) -> None:
    info = each_backend
    fleet, dns = _with_dns(info, tmp_path)
    async with bob_runtime(fleet, db_url(tmp_path), dns=dns) as bob:
        made, plan = await bob.create(2, host="host-a")
        assert JobState.SUCCEEDED == made.state, made.error
        for b in plan.bobs:
            in_bob(info, b.host, b.disk, b.name, "sh", "-c", f"echo old > {WITNESS}")
        before = [_identity(r) for r in await bob.store.list_bobs()]
        request = RefreshBobs(names=tuple(plan.names), parallel=2)
        job = await submit_refresh(fleet, bob.store, request, CALLER)
        assert job is not None

        final = await bob.runner.run(job.id)

        assert JobState.SUCCEEDED == final.state, final.error
        assert before == [_identity(r) for r in await bob.store.list_bobs()]
        inside = {
            b.name: (
                state_of(info, b.host, b.disk, b.name),
                in_bob(info, b.host, b.disk, b.name, "cat", WITNESS),
            )
            for b in plan.bobs
        }
        assert dict.fromkeys(inside, ("RUNNING", "")) == inside
        left = host_ssh(info, "host-a", ["ls", "-A", f"{STORAGE_ROOT}/disk1"]).stdout.split()
        assert sorted(plan.names) == sorted(left)  # the old containers' directories are gone
        await assert_reconciled(fleet, bob.store, dns=dns)
        gone, _ = await bob.destroy(*plan.names)
        assert gone is not None
        assert JobState.SUCCEEDED == gone.state, gone.error
    # Each old clone's note in its base was taken out once: with the new ones destroyed, LXC
    # notes no clone of the base, so the base can be removed when it is old.
    each = f'for f in {STORAGE_ROOT}/base/*/lxc_snapshots; do [ -f "$f" ] && cat "$f"; done; exit 0'
    notes = host_ssh(info, "host-a", ["sh", "-c", each])
    assert "" == notes.stdout


async def test_an_agent_still_busy_after_the_wait_leaves_its_bob_as_it_was_and_online(
    sandbox: SandboxInfo, tmp_path: Path, double: JenkinsDouble
) -> None:
    fleet, dns = _with_dns(sandbox, tmp_path, double)
    jenkins: dict[str, JenkinsController] = {
        "ci-main": ScriptConsoleController(
            fleet.jenkins[0], env={TOKEN_ENV: double.tokens["admin"]}
        )
    }
    async with bob_runtime(fleet, db_url(tmp_path), dns=dns, jenkins=jenkins) as bob:
        made, plan = await bob.create(1, host="host-a")
        assert JobState.SUCCEEDED == made.state, made.error
        request = AttachBobs(count=1, controller="ci-main", label="light")
        attach, _ = await submit_attach(fleet, bob.store, jenkins, request, CALLER)
        assert JobState.SUCCEEDED == (await bob.runner.run(attach.id)).state
        planned = plan.bobs[0]
        where = (sandbox, planned.host, planned.disk, planned.name)
        in_bob(*where, "sh", "-c", f"echo old > {WITNESS}")
        before = await bob.store.get_bob(planned.name)
        double.nodes[planned.name].busy = 1  # a build that does not end

        refresh = RefreshBobs(names=(planned.name,), wait=0.5)
        job = await submit_refresh(fleet, bob.store, refresh, CALLER)
        assert job is not None
        final = await asyncio.wait_for(bob.runner.run(job.id), timeout=60)

        assert JobState.FAILED == final.state
        assert "still running 1 build(s) after 0.5 s; it is back online" in (final.error or "")
        assert before == await bob.store.get_bob(planned.name)
        assert ("RUNNING", "old") == (state_of(*where), in_bob(*where, "cat", WITNESS).strip())
        node = double.nodes[planned.name]
        assert ("light", False) == (node.label, node.temporarily_offline)
        double.nodes[planned.name].busy = 0
        await assert_reconciled(fleet, bob.store, dns=dns, jenkins=jenkins)
        gone, _ = await bob.destroy(planned.name)
        assert gone is not None
        assert JobState.SUCCEEDED == gone.state, gone.error


@pytest.mark.usefixtures("quick_undo")
async def test_a_failure_after_the_new_bob_is_ready_keeps_the_new_bob(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    fleet, dns = _with_dns(sandbox, tmp_path)
    async with bob_runtime(fleet, db_url(tmp_path), dns=dns) as bob:
        made, plan = await bob.create(1, host="host-a")
        assert JobState.SUCCEEDED == made.state, made.error
        planned = plan.bobs[0]
        where = (sandbox, planned.host, planned.disk, planned.name)
        in_bob(*where, "sh", "-c", f"echo old > {WITNESS}")
        fault = FaultAtStep(sandbox, planned, "remove-old", fault=SshdStopped())
        bob.bus.subscribe(fault)
        job = await submit_refresh(fleet, bob.store, RefreshBobs(names=(planned.name,)), CALLER)
        assert job is not None
        try:
            final = await asyncio.wait_for(bob.runner.run(job.id), timeout=120)
        finally:
            await fault.fault.heal(sandbox, planned)
        journal = await bob.store.journal(job.id)
        record = await bob.store.get_bob(planned.name)

        assert fault.injected
        assert JobState.FAILED == final.state
        assert "remove-old" == failures(journal)[0].step
        assert [] == entries(journal, StepEvent.UNDO_FAILED), final.error
        assert record is not None
        assert (BobState.READY, job.id) == (record.state, record.job_id)
        assert ("RUNNING", "") == (state_of(*where), in_bob(*where, "cat", WITNESS).strip())
        gone, _ = await bob.destroy(planned.name)
        assert gone is not None
        assert JobState.SUCCEEDED == gone.state, gone.error
