"""Each Bob boots as itself: a machine-id and SSH host keys of its own, never its base's.

The sandbox's busybox base is given, for these tests only, what a real base has: a machine-id
(also as a file in /var/lib/dbus, as older D-Bus setups keep it) and sshd's host keys. Bobs
are made by bob on each storage backend and read from inside through lxc-attach.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from provisioning.hosts.ssh import HostPool
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import Clone, Configure
from provisioning.pipeline.create import Identity as IdentityStep
from provisioning.pipeline.identity import layers
from provisioning.records import JobState, StepEvent
from sandbox import SandboxInfo
from tests.provisioning.pipeline.conftest import MakeBob
from tests.provisioning.pipeline.identity_facts import BASE_ROOTFS, Identity, of_base, of_bob
from tests.provisioning.pipeline.observe import run_on
from tests.provisioning.pipeline.runtime import bob_runtime, db_url, fleet_variant
from tests.provisioning.pipeline.unit import reserve_one

pytestmark = pytest.mark.slow

BASE_MACHINE_ID = "0123456789abcdef0123456789abcdef"
MACHINE_ID = re.compile(r"^[0-9a-f]{32}$")
# What a base with sshd carries; removed again afterwards, so other tests see the plain base.
_GIVE = """
root=$1 id=$2
printf '%s\\n' "$id" > "$root/etc/machine-id"
mkdir -p "$root/var/lib/dbus" "$root/etc/ssh"
printf '%s\\n' "$id" > "$root/var/lib/dbus/machine-id"
for type in ed25519 ecdsa; do
  ssh-keygen -q -t "$type" -N '' -C base -f "$root/etc/ssh/ssh_host_${type}_key" </dev/null
done
"""
_TAKE = """
root=$1
rm -rf "$root/etc/machine-id" "$root/var/lib/dbus" "$root/etc/ssh"
"""


@pytest.fixture
def base_with_identity(sandbox: SandboxInfo) -> Iterator[SandboxInfo]:
    run_on(sandbox, "host-a", "sh", "-c", _TAKE, "sh", BASE_ROOTFS)
    run_on(sandbox, "host-a", "sh", "-c", _GIVE, "sh", BASE_ROOTFS, BASE_MACHINE_ID)
    try:
        yield sandbox
    finally:
        run_on(sandbox, "host-a", "sh", "-c", _TAKE, "sh", BASE_ROOTFS)


async def test_two_bobs_differ_from_each_other_and_from_their_base_in_machine_id_and_host_keys(
    base_with_identity: SandboxInfo, make_bob: MakeBob, tmp_path: Path
) -> None:
    info = base_with_identity
    bob = await make_bob(fleet_variant(info, tmp_path, disks={"host-a": (2, 0, 0)}))
    base = of_base(info, "host-a")

    job, plan = await bob.create(2, host="host-a")
    mine: list[Identity] = [of_bob(info, planned) for planned in plan.bobs]
    journal = await bob.store.journal(job.id)
    await bob.destroy(*(planned.name for planned in plan.bobs))

    assert (JobState.SUCCEEDED, None) == (job.state, job.error)
    assert BASE_MACHINE_ID == base.machine_id
    first, second = mine
    assert [True, True] == [bool(MACHINE_ID.match(one.machine_id)) for one in mine]
    assert 3 == len({base.machine_id, first.machine_id, second.machine_id})
    # The D-Bus copy is a file in this base, so each Bob's says the same as its /etc one.
    assert [one.machine_id for one in mine] == [one.dbus_machine_id for one in mine]
    assert [2, 2] == [len(one.host_keys) for one in mine]
    assert {"ssh-ed25519", "ecdsa-sha2-nistp256"} == {k.split()[0] for k in first.host_keys}
    assert frozenset() == base.host_keys & first.host_keys
    assert frozenset() == base.host_keys & second.host_keys
    assert frozenset() == first.host_keys & second.host_keys
    # The clones' writes never reach the base they share (an overlay's lower dir).
    assert base == of_base(info, "host-a")
    said = [e.detail or "" for e in journal if e.event is StepEvent.LOG and e.step == "identity"]
    assert 2 == len(said)
    assert all("new SSH host keys: ECDSA SHA256:" in line for line in said), said
    assert all("ED25519 SHA256:" in line for line in said), said


async def test_a_bob_of_a_base_without_machine_id_or_sshd_still_gets_a_machine_id_of_its_own(
    sandbox: SandboxInfo, make_bob: MakeBob, tmp_path: Path
) -> None:
    run_on(sandbox, "host-a", "sh", "-c", _TAKE, "sh", BASE_ROOTFS)
    bob = await make_bob(fleet_variant(sandbox, tmp_path, disks={"host-a": (2, 0, 0)}))

    job, plan = await bob.create(2, host="host-a")
    mine = [of_bob(sandbox, planned) for planned in plan.bobs]
    await bob.destroy(*(planned.name for planned in plan.bobs))

    assert (JobState.SUCCEEDED, None) == (job.state, job.error)
    assert [True, True] == [bool(MACHINE_ID.match(one.machine_id)) for one in mine]
    assert mine[0].machine_id != mine[1].machine_id
    assert [frozenset(), frozenset()] == [one.host_keys for one in mine]
    assert Identity("", "", frozenset()) == of_base(sandbox, "host-a")


async def test_identity_can_be_applied_again_and_its_check_tells_a_half_done_one(
    base_with_identity: SandboxInfo, tmp_path: Path
) -> None:
    """What a resume after a crash meets: ``check`` is False for a clone with the base's keys
    (or some of them), True once applied; applying again (the clone still stopped) only
    replaces the Bob's identity with another one of its own."""
    info = base_with_identity
    fleet = fleet_variant(info, tmp_path, disks={"host-a": (1, 0, 0)})
    async with bob_runtime(fleet, db_url(tmp_path)) as bob:
        pipeline = Pipeline(fleet=fleet, shells=HostPool(fleet.hosts), store=bob.store)
        ctx, planned = await reserve_one(pipeline)
        step = IdentityStep(pipeline, planned)
        clone = Clone(pipeline, planned)
        await clone.apply(ctx)
        try:
            await Configure(pipeline, planned).apply(ctx)
            config = await step.container.config() or ""
            write = layers(config, PurePosixPath(BASE_ROOTFS)).write
            in_clone = f"{write}/etc/ssh/ssh_host_ecdsa_key"

            as_cloned = await step.check(ctx)
            await step.apply(ctx)
            first = run_on(info, "host-a", "cat", f"{write}/etc/machine-id", f"{in_clone}.pub")
            applied = await step.check(ctx)
            run_on(info, "host-a", "cp", f"{BASE_ROOTFS}/etc/ssh/ssh_host_ecdsa_key", in_clone)
            half_done = await step.check(ctx)
            await step.apply(ctx)
            again = run_on(info, "host-a", "cat", f"{write}/etc/machine-id", f"{in_clone}.pub")
            applied_again = await step.check(ctx)
        finally:
            await clone.undo(ctx)
            await pipeline.shells.close_all()

    assert [False, True, False, True] == [as_cloned, applied, half_done, applied_again]
    assert first != again
    assert BASE_MACHINE_ID not in first + again
