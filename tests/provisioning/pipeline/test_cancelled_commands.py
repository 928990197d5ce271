"""A cancelled lane's remote command is stopped on the host, not just abandoned.

Closing an SSH channel leaves the command running on the host; left there, it would go on
changing what the undo is removing. So by the time the undo starts, nothing the cancelled lane
ran is still running.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from provisioning.jobs import Event, StepStarted, UndoStarted
from provisioning.records import JobState
from sandbox import SandboxInfo
from tests.provisioning.hosts.sshd import processes_running
from tests.provisioning.pipeline.conftest import MakeBob
from tests.provisioning.pipeline.outcome import NOTHING, leftovers
from tests.provisioning.pipeline.runtime import fleet_variant

pytestmark = pytest.mark.slow


async def test_a_cancelled_lane_leaves_no_process_of_its_on_the_host_when_the_undo_starts(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    # An odd duration, so that only this test's command is found (other runs share the machine).
    sleep = ["sleep", str(3000 + os.getpid() % 1000)]
    fleet = fleet_variant(overlay, tmp_path, bootstrap=sleep)
    bob = await make_bob(fleet)
    job, _ = await bob.submit_create(1, host="host-a")
    bootstrapping = asyncio.Event()
    at_undo: list[list[int]] = []

    async def watch(event: Event) -> None:
        if isinstance(event, StepStarted) and event.step == "bootstrap":
            bootstrapping.set()
        if isinstance(event, UndoStarted):  # published before the first undo step runs
            at_undo.append(processes_running(sleep))

    bob.bus.subscribe(watch)
    running = asyncio.create_task(bob.runner.run(job.id))
    await asyncio.wait_for(bootstrapping.wait(), timeout=30)
    for _ in range(100):
        if processes_running(sleep):
            break
        await asyncio.sleep(0.1)
    assert processes_running(sleep)  # premise: the bootstrap runs inside the Bob on host-a

    await bob.runner.cancel(job.id)
    final = await asyncio.wait_for(running, timeout=60)

    assert JobState.CANCELLED == final.state
    assert [[]] == at_undo
    assert NOTHING == await leftovers(overlay, bob)
