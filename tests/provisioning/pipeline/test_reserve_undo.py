"""Reserve's undo gives the name, slot and address back only once the container is provably gone.

"Gone" is what the host answers (``test -e`` of the container's directory exits 1). A container
still there, or a host that cannot be asked, keeps the reservation: nothing may hand out the
name or the address while a container may still use them.
"""

from __future__ import annotations

import pytest

from provisioning.fakes import FakeShell
from provisioning.hosts.errors import HostUnreachable
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import MarkReady, Reserve
from provisioning.pipeline.errors import StepFailed
from provisioning.records import BobState
from tests.provisioning.pipeline.unit import DISK1, Logged, reserve_one

CONTAINER = ("test", "-e", f"{DISK1}/bob001")
UNREACHABLE = HostUnreachable(
    host="host-a", address="10.250.0.2", port=22, reason="connection refused"
)


async def held(pipeline: Pipeline) -> list[str]:
    return [r.name for r in await pipeline.store.list_reservations()]


async def test_the_reservation_is_released_once_the_container_is_gone(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on(*CONTAINER, exit_status=1)

    await Reserve(pipeline, bob).undo(ctx)

    assert [] == await held(pipeline)


async def test_the_reservation_stays_while_the_container_is_still_there(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on(*CONTAINER, exit_status=0)

    with pytest.raises(StepFailed) as failed:
        await Reserve(pipeline, bob).undo(ctx)

    assert (
        "undo of reserve of bob001 on host-a failed: ConflictError: disk1/bob001 is still on "
        "the host, so its name, slot and address stay reserved"
    ) == str(failed.value)
    assert ["bob001"] == await held(pipeline)


async def test_the_reservation_stays_when_the_host_cannot_be_reached(
    pipeline: Pipeline, shell: FakeShell, quick_undo: None
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on(*CONTAINER, raises=UNREACHABLE)

    with pytest.raises(
        StepFailed,
        match=r"^undo of reserve of bob001 on host-a failed: "
        r"HostUnreachable: cannot reach 10\.250\.0\.2:22: connection refused",
    ):
        await Reserve(pipeline, bob).undo(ctx)

    assert ["bob001"] == await held(pipeline)


async def test_an_unreachable_host_is_asked_again_until_it_answers(
    pipeline: Pipeline, shell: FakeShell, quick_undo: None
) -> None:
    log = Logged()
    ctx, bob = await reserve_one(pipeline, log)
    shell.on(*CONTAINER, exit_status=1)
    shell.on(*CONTAINER, raises=UNREACHABLE, times=2)  # answered first

    await Reserve(pipeline, bob).undo(ctx)

    assert 3 == shell.argvs.count(CONTAINER)
    assert 2 == len([line for line in log.lines if "cannot reach 10.250.0.2:22" in line])
    assert [] == await held(pipeline)


async def test_a_bob_marked_ready_stays_held_until_reserve_sees_its_container_gone(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    await MarkReady(pipeline, bob).apply(ctx)

    await MarkReady(pipeline, bob).undo(ctx)
    record = await pipeline.store.get_bob("bob001")
    assert BobState.FAILED == (record and record.state)  # still occupying name, slot and IP
    shell.on(*CONTAINER, exit_status=1)
    await Reserve(pipeline, bob).undo(ctx)

    assert (None, []) == (await pipeline.store.get_bob("bob001"), await held(pipeline))


async def test_ready_records_the_base_version_clone_used_without_asking_the_host(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    pipeline.cloned_from[(ctx.job.id, bob.name)] = 3  # what Clone left in this process

    await MarkReady(pipeline, bob).apply(ctx)

    record = await pipeline.store.get_bob("bob001")
    assert (3, []) == (record and record.base_version, shell.calls)


async def test_ready_after_a_restart_reads_the_base_version_from_the_clones_config(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on("cat", stdout="lxc.uts.name = bob001\n# bob: base base-v4 version=4\n")

    await MarkReady(pipeline, bob).apply(ctx)

    record = await pipeline.store.get_bob("bob001")
    assert 4 == (record and record.base_version)
