"""Real faults on the sandbox: the job fails, the journal says where and why, nothing is left.

Each fault is real: a bridge that does not exist on the host, a bootstrap command that exits 1,
a fleet without room. "Nothing is left" is checked on the hosts over SSH (containers and every
entry of every disk directory) and in the store (reservations and Bob records).
"""

from __future__ import annotations

import pytest

from provisioning.errors import ShortfallError
from provisioning.records import JobState, StepEvent
from sandbox import SandboxInfo
from tests.provisioning.pipeline.conftest import MakeBob
from tests.provisioning.pipeline.observe import containers
from tests.provisioning.pipeline.outcome import NOTHING, entries, failures, leftovers
from tests.provisioning.pipeline.reconciled import assert_reconciled
from tests.provisioning.pipeline.runtime import fleet_variant

pytestmark = pytest.mark.slow


async def test_a_bridge_missing_on_the_host_fails_the_start_and_leaves_nothing(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await make_bob(fleet_variant(overlay, tmp_path, bridges={"host-a": "nosuchbr0"}))

    job, _ = await bob.create(1, host="host-a")

    assert JobState.FAILED == job.state
    journal = await bob.store.journal(job.id)
    failed = failures(journal)[0]
    assert ("start", "host-a") == (failed.step, failed.host)
    assert failed.detail is not None
    assert "start of bob001 on host-a failed: CommandFailed: `lxc-start" in failed.detail
    assert 'Failed to attach "veth' in failed.detail  # the LXC log's own words …
    assert 'to bridge "nosuchbr0"' in failed.detail  # … about the missing bridge
    assert [] == entries(journal, StepEvent.UNDO_FAILED)
    assert NOTHING == await leftovers(overlay, bob)
    await assert_reconciled(bob.fleet, bob.store)


async def test_a_bootstrap_that_exits_1_fails_the_job_with_its_stderr_and_leaves_nothing(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    fleet = fleet_variant(
        overlay,
        tmp_path,
        disks={"host-a": (1, 0, 0)},
        bootstrap=["sh", "-c", "echo boom >&2; exit 1"],
    )
    bob = await make_bob(fleet)

    job, plan = await bob.create(2)

    assert ["host-a", "host-b"] == [b.host for b in plan.bobs]  # premise: both hosts
    assert JobState.FAILED == job.state
    journal = await bob.store.journal(job.id)
    failed = failures(journal)[0]
    assert failed.detail is not None
    assert "bootstrap" == failed.step
    assert f"bootstrap of {failed.lane} on {failed.host} failed: CommandFailed:" in failed.detail
    assert failed.detail.endswith("exited 1: boom")
    assert [] == entries(journal, StepEvent.UNDO_FAILED)
    assert NOTHING == await leftovers(overlay, bob)
    await assert_reconciled(bob.fleet, bob.store)


async def test_a_request_for_a_host_without_room_is_refused_and_writes_nothing(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await make_bob(fleet_variant(overlay, tmp_path, disks={"host-b": (0, 0, 0)}))

    with pytest.raises(ShortfallError, match="host-b full"):
        await bob.submit_create(1, host="host-b")

    assert ([], []) == (await bob.store.list_jobs(), await bob.store.list_reservations())
    assert [] == containers(overlay)


async def test_a_request_beyond_the_fleets_room_is_refused_whole_and_writes_nothing(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    one_each = {"host-a": (1, 0, 0), "host-b": (1, 0, 0)}
    bob = await make_bob(fleet_variant(overlay, tmp_path, disks=one_each))

    with pytest.raises(ShortfallError, match="need room for 3 Bobs, the fleet has room for 2"):
        await bob.submit_create(3)

    assert ([], []) == (await bob.store.list_jobs(), await bob.store.list_reservations())
    assert [] == containers(overlay)
