"""Bobs of a Debian bookworm base (systemd, sshd), made by bob on the real sandbox: each boots
as itself (its own machine-id and SSH host keys, none of them the base's), and its bootstrap
starts only once systemd says the boot is over.

Opt-in (``BOB_TEST_DEBIAN=1``): debootstrap needs a Debian mirror and took 180 s here, beyond
what CI can spend; ``BOB_TEST_DEBIAN_CACHE`` names a debootstrap cache to reuse (then about a
minute).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from provisioning.records import JobState, StepEvent
from tests.provisioning.pipeline.identity_facts import of_base, of_bob
from tests.provisioning.pipeline.runtime import bob_runtime, db_url, fleet_variant
from tests.sandbox.fixtures import require_sandbox, sandbox_fleet

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("BOB_TEST_DEBIAN") != "1", reason="set BOB_TEST_DEBIAN=1 (~3 min)"
    ),
]

# What systemd says when the bootstrap starts (it exits 1 for "degraded", which is booted too).
STATE = ["sh", "-c", "systemctl is-system-running || true"]
MACHINE_ID = re.compile(r"^[0-9a-f]{32}$")


async def test_two_debian_bobs_each_boot_with_their_own_identity_and_bootstrap_after_boot(
    tmp_path: Path,
) -> None:
    require_sandbox()
    cache = Path(os.environ.get("BOB_TEST_DEBIAN_CACHE") or tmp_path / "cache")
    async with sandbox_fleet(tmp_path / "state", "overlay", 1, "debian", cache) as info:
        fleet = fleet_variant(info, tmp_path, bootstrap=STATE, disks={"host-a": (2,)})
        base = of_base(info, "host-a")
        async with bob_runtime(fleet, db_url(tmp_path)) as bob:
            job, plan = await bob.create(2)
            journal = await bob.store.journal(job.id)
            assert (JobState.SUCCEEDED, None) == (job.state, job.error), job.error
            try:
                mine = [of_bob(info, planned) for planned in plan.bobs]
            finally:
                await bob.destroy(*(planned.name for planned in plan.bobs))

    assert MACHINE_ID.match(base.machine_id), base
    assert {"ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"} == {
        key.split()[0] for key in base.host_keys
    }
    first, second = mine
    assert [True, True] == [bool(MACHINE_ID.match(one.machine_id)) for one in mine]
    assert 3 == len({base.machine_id, first.machine_id, second.machine_id})
    assert [3, 3] == [len(one.host_keys) for one in mine]
    assert frozenset() == base.host_keys & first.host_keys
    assert frozenset() == base.host_keys & second.host_keys
    assert frozenset() == first.host_keys & second.host_keys

    logged = [(e.lane, e.step, e.detail or "") for e in journal if e.event is StepEvent.LOG]
    probes = [(lane, detail) for lane, step, detail in logged if step == "wait-ready"]
    assert sorted(p.name for p in plan.bobs) == sorted(lane for lane, _ in probes)
    assert all(d.startswith("probe systemd: ") for _, d in probes), probes
    said = [detail.strip() for _, step, detail in logged if step == "bootstrap"]
    assert 2 == len(said), logged
    assert set(said) <= {"running", "degraded"}, said
