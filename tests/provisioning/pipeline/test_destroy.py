"""Destroy on the real sandbox: nothing of a Bob is left, its name and address serve again, and
destroying twice, or finishing a destroy that stopped halfway, just works."""

from __future__ import annotations

import pytest

from provisioning.jobs import Event, StepFinished
from provisioning.records import BobState, JobState
from sandbox import SandboxInfo
from tests.provisioning.pipeline.conftest import MakeBob
from tests.provisioning.pipeline.observe import (
    Found,
    containers,
    disk_entries,
    nothing_on_disks,
    run_on,
)
from tests.provisioning.pipeline.runtime import Bob, fleet_variant

pytestmark = pytest.mark.slow

BASE_SNAPSHOTS = "/var/lib/bob/base/base/lxc_snapshots"  # overlay clones register here
ROOTFS_DIRS = 'for rootfs in "$0"/disk*/*/rootfs; do [ -d "$rootfs" ] && echo "$rootfs"; done; true'


def volumes(info: SandboxInfo, host: str) -> list[str]:
    """The Bobs whose volume the host's storage still holds, as that storage itself tells.

    btrfs: a snapshot subvolume per Bob; overlay: the base's list of snapshot clones (which
    also keeps the base from being destroyed); dir: a copied rootfs directory per Bob.
    """
    if info.backend == "btrfs":
        out = run_on(info, host, "btrfs", "subvolume", "list", "/var/lib/bob")
        paths = [line.split(" path ", 1)[1] for line in out.splitlines() if " path " in line]
        return [path.split("/")[1] for path in paths if not path.startswith("base/")]
    if info.backend == "overlay":
        out = run_on(info, host, "sh", "-c", 'cat "$0" 2>/dev/null; true', BASE_SNAPSHOTS)
        return [line for line in out.splitlines() if line.startswith("bob")]
    out = run_on(info, host, "sh", "-c", ROOTFS_DIRS, "/var/lib/bob")
    return [line.split("/")[-2] for line in out.splitlines()]


async def test_destroy_leaves_no_container_volume_reservation_or_record(
    sandbox: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await make_bob(fleet_variant(sandbox, tmp_path, disks={"host-a": (1, 0, 0)}))
    created, plan = await bob.create(2)
    assert JobState.SUCCEEDED == created.state
    assert [("host-a", "bob001"), ("host-b", "bob002")] == [
        (f.host, f.name) for f in containers(sandbox)
    ]  # premise: one Bob on each host …
    assert {"host-a": ["bob001"], "host-b": ["bob002"]} == {
        host: volumes(sandbox, host) for host in ("host-a", "host-b")
    }  # … each with its volume

    destroyed, gone = await bob.destroy(*plan.names)

    assert (JobState.SUCCEEDED, []) == (destroyed and destroyed.state, gone)
    assert [] == containers(sandbox)
    assert nothing_on_disks(sandbox) == disk_entries(sandbox)  # dirs, rootfs, deltas, logs
    assert {"host-a": [], "host-b": []} == {
        host: volumes(sandbox, host) for host in ("host-a", "host-b")
    }
    assert ([], []) == (await bob.store.list_reservations(), await bob.store.list_bobs())


async def test_a_destroyed_bobs_name_and_address_go_to_the_next_create(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await make_bob(fleet_variant(overlay, tmp_path))
    _, first = await bob.create(1)
    await bob.destroy("bob001")

    job, again = await bob.create(1)

    assert JobState.SUCCEEDED == job.state
    assert (first.bobs[0].name, first.bobs[0].ip) == (again.bobs[0].name, again.bobs[0].ip)
    assert [Found("host-a", "disk1", "bob001", "RUNNING", str(first.bobs[0].ip))] == containers(
        overlay
    )


async def test_destroying_again_is_a_no_op_that_reports_the_names_as_gone(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await make_bob(fleet_variant(overlay, tmp_path))
    await bob.create(2)
    await bob.destroy("bob001", "bob002")
    jobs_before = await bob.store.list_jobs()

    assert (None, ["bob001", "bob002"]) == await bob.submit_destroy("bob001", "bob002")
    assert jobs_before == await bob.store.list_jobs()


async def stop_then_cancel(bob: Bob, job_id: str) -> None:
    """Cancel the destroy as soon as its stop step is done: a destroy cut off halfway."""

    async def cancel_after_stop(event: Event) -> None:
        if isinstance(event, StepFinished) and event.step == "stop":
            await bob.runner.cancel(job_id)

    bob.bus.subscribe(cancel_after_stop)
    try:
        cancelled = await bob.runner.run(job_id)
    finally:
        bob.bus.unsubscribe(cancel_after_stop)
    assert JobState.CANCELLED == cancelled.state


async def test_a_half_destroyed_bob_is_finished_by_destroying_it_again(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await make_bob(fleet_variant(overlay, tmp_path))
    await bob.create(1)
    halfway, _ = await bob.submit_destroy("bob001")
    assert halfway is not None
    await stop_then_cancel(bob, halfway.id)
    record = await bob.store.get_bob("bob001")
    assert BobState.DESTROYING == (record and record.state)  # premise: half destroyed
    assert [Found("host-a", "disk1", "bob001", "STOPPED", None)] == containers(overlay)

    finished, gone = await bob.destroy("bob001")

    assert (JobState.SUCCEEDED, []) == (finished and finished.state, gone)
    assert [] == containers(overlay)
    assert nothing_on_disks(overlay) == disk_entries(overlay)
    assert None is await bob.store.get_bob("bob001")
