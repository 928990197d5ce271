"""Fault drills, one per step of the create pipeline: a real fault injected the moment that step
starts ends with the job failed (or, where the step needs nothing that broke, finished) and the
reconciler finding zero differences between bob's store, the hosts, the sandbox's BIND and
Jenkins.

Two Bobs, one per host, so the lane that is not hit is undone too; the fault hits host-b's Bob.
The fault is healed as soon as a step has failed, so the undo meets a working world (that the
undo waits for a host that is still away is test_host_outage's subject).

    step          fault at that step's start          fails at
    reserve       host-b's sshd stopped                clone (reserve needs only the store)
    dns           BIND stopped                         dns
    clone         host-b's sshd stopped                clone
    configure     host-b's sshd stopped                configure
    identity      host-b's sshd stopped                identity
    start         host-b's bridge gone (renamed)       start
    wait-ready    host-b's bridge down                 wait-ready
    personalize   the Bob's container killed           personalize
    bootstrap     the bootstrap exits 1 (every Bob's)  bootstrap
    ready         host-b's sshd stopped                nothing: the job succeeds

"ready" only writes bob's own store, which is also where the job records its journal: a store
that fails there cannot be told from a crash, which the SIGKILL drill covers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from provisioning.config import Fleet
from provisioning.dns import DnsClient, secret_from_env
from provisioning.pipeline import create
from provisioning.records import JobState, StepEvent
from sandbox import SandboxInfo
from tests.provisioning.pipeline.faults import (
    BindStopped,
    BridgeDown,
    BridgeRenamed,
    ContainerKilled,
    Fault,
    NoFault,
    SshdStopped,
    inject_at,
)
from tests.provisioning.pipeline.observe import containers, strays_on_hosts
from tests.provisioning.pipeline.outcome import entries, failures
from tests.provisioning.pipeline.reconciled import assert_reconciled
from tests.provisioning.pipeline.runtime import bob_runtime, db_url, fleet_variant

pytestmark = pytest.mark.slow

FAILING_BOOTSTRAP = ("sh", "-c", "echo boom >&2; exit 1")


@dataclass(frozen=True)
class Drill:
    step: str
    fault: Fault
    fails_at: str | None  # None: the job succeeds
    bootstrap: tuple[str, ...] | None = None
    shared: bool = False  # the fault hits every lane (DNS, config), not just host-b's

    def __str__(self) -> str:
        return self.step


DRILLS = [
    Drill("reserve", SshdStopped(), "clone"),
    Drill("dns", BindStopped(), "dns", shared=True),
    Drill("clone", SshdStopped(), "clone"),
    Drill("configure", SshdStopped(), "configure"),
    Drill("identity", SshdStopped(), "identity"),
    Drill("start", BridgeRenamed(), "start"),
    Drill("wait-ready", BridgeDown(), "wait-ready"),
    Drill("personalize", ContainerKilled(), "personalize"),
    Drill("bootstrap", NoFault(), "bootstrap", FAILING_BOOTSTRAP, shared=True),
    Drill("ready", SshdStopped(), None),
]


@pytest.fixture
def quick_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Bob that does not answer ping is given up after 1 s instead of 20 s."""
    monkeypatch.setattr(create, "READY_TIMEOUT_S", 1.0)


def one_per_host(info: SandboxInfo, tmp_path: Path, drill: Drill) -> tuple[Fleet, DnsClient]:
    fleet = fleet_variant(info, tmp_path, disks={"host-a": (1, 0, 0)}, bootstrap=drill.bootstrap)
    assert fleet.dns is not None  # the sandbox's own BIND
    return fleet, DnsClient(fleet.dns, secret_from_env(fleet.dns))


def test_every_step_of_the_create_pipeline_has_a_drill() -> None:
    steps = ["reserve", "dns", *(s.name for s in create.CREATE_STEPS[1:])]
    assert steps == [d.step for d in DRILLS]


@pytest.mark.parametrize("drill", DRILLS, ids=str)
async def test_a_fault_at_each_step_leaves_a_fleet_that_reconciles(
    overlay: SandboxInfo, tmp_path: Path, quick_ready: None, drill: Drill
) -> None:
    fleet, dns = one_per_host(overlay, tmp_path, drill)
    async with bob_runtime(fleet, db_url(tmp_path), dns=dns) as bob:
        job, plan = await bob.submit_create(2)
        assert ["host-a", "host-b"] == [b.host for b in plan.bobs]  # premise: both hosts
        injection = inject_at(
            bob.bus, overlay, plan.bobs[1], drill.step, drill.fault, any_lane=drill.shared
        )
        try:
            final = await asyncio.wait_for(bob.runner.run(job.id), timeout=90)
        finally:
            await injection.heal()
        journal = await bob.store.journal(job.id)

        assert injection.injected
        if drill.fails_at is None:
            assert JobState.SUCCEEDED == final.state, final.error
        else:
            assert JobState.FAILED == final.state
            failed = failures(journal)[0]
            assert drill.fails_at == failed.step
            assert drill.shared or "host-b" == failed.host
            assert [] == entries(journal, StepEvent.UNDO_FAILED)
            assert ([], {}) == (containers(overlay), strays_on_hosts(overlay))
        await assert_reconciled(fleet, bob.store, dns=dns)

        if final.state is JobState.SUCCEEDED:
            gone, _ = await bob.destroy(*plan.names)
            assert gone is not None
            assert JobState.SUCCEEDED == gone.state
            await assert_reconciled(fleet, bob.store, dns=dns)
            assert ([], {}) == (containers(overlay), strays_on_hosts(overlay))
