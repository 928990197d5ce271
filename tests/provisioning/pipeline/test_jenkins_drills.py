"""Fault drills for the attach job: the Jenkins controller fails the moment a step starts.

A real Bob (made on the sandbox, with its DNS records) is attached to the Jenkins double as
``ci-main``. The attach job fails, its claim in bob's records is undone, no agent is left on the
controller, and the reconciler (reading the store, the hosts, the sandbox's BIND and the
controller) finds zero differences; so it does again after the Bob is destroyed.

    step     fault at that step's start                    fails at
    claim    the controller answers HTTP 500               attach (claim only writes bob's store)
    attach   the controller answers HTTP 500               attach
    attach   the script console's script throws            attach
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from handlers.jenkins import submit_attach
from handlers.requests import AttachBobs
from provisioning.dns import DnsClient, secret_from_env
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.port import JenkinsController
from provisioning.records import JobState, StepEvent
from sandbox import SandboxInfo
from tests.handlers.jenkins_world import TOKEN_ENV, controller
from tests.jenkins_double import JenkinsDouble
from tests.provisioning.pipeline.faults import Fault, JenkinsFails, JenkinsThrows, inject_at
from tests.provisioning.pipeline.outcome import entries, failures
from tests.provisioning.pipeline.reconciled import assert_reconciled
from tests.provisioning.pipeline.runtime import CALLER, bob_runtime, db_url, fleet_variant

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Drill:
    name: str
    step: str
    fault: Callable[[JenkinsDouble], Fault]
    fails_at: str

    def __str__(self) -> str:
        return self.name


DRILLS = [
    Drill("claim-500", "claim", JenkinsFails, "attach"),
    Drill("attach-500", "attach", JenkinsFails, "attach"),
    Drill("attach-throws", "attach", JenkinsThrows, "attach"),
]


@pytest.mark.parametrize("drill", DRILLS, ids=str)
async def test_a_controller_failing_at_each_attach_step_leaves_a_fleet_that_reconciles(
    overlay: SandboxInfo, tmp_path: Path, double: JenkinsDouble, drill: Drill
) -> None:
    fleet = fleet_variant(overlay, tmp_path).model_copy(
        update={"jenkins": (controller(double.url),)}
    )
    assert fleet.dns is not None
    dns = DnsClient(fleet.dns, secret_from_env(fleet.dns))
    config = fleet.jenkins[0]
    jenkins: dict[str, JenkinsController] = {
        "ci-main": ScriptConsoleController(config, env={TOKEN_ENV: double.tokens["admin"]})
    }
    async with bob_runtime(fleet, db_url(tmp_path), dns=dns, jenkins=jenkins) as bob:
        made, plan = await bob.create(1, host="host-a")
        assert JobState.SUCCEEDED == made.state
        request = AttachBobs(count=1, controller="ci-main", label="light")
        job, _ = await submit_attach(fleet, bob.store, jenkins, request, CALLER)
        fault = drill.fault(double)
        injection = inject_at(bob.bus, overlay, plan.bobs[0], drill.step, fault)
        try:
            final = await asyncio.wait_for(bob.runner.run(job.id), timeout=60)
        finally:
            await injection.heal()
        journal = await bob.store.journal(job.id)

        assert injection.injected
        assert JobState.FAILED == final.state
        failed = failures(journal)[0]
        assert drill.fails_at == failed.step
        assert f"{drill.fails_at} of bob001 on ci-main failed: " in (failed.detail or "")
        assert [] == entries(journal, StepEvent.UNDO_FAILED)
        assert {} == double.nodes
        record = await bob.store.get_bob("bob001")
        assert record is not None
        assert (None, None) == (record.controller, record.label)  # the claim was undone
        await assert_reconciled(fleet, bob.store, dns=dns, jenkins=jenkins)

        gone, _ = await bob.destroy("bob001")
        assert gone is not None
        assert JobState.SUCCEEDED == gone.state
        await assert_reconciled(fleet, bob.store, dns=dns, jenkins=jenkins)
