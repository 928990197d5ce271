"""Ten replicas each create three Bobs at once on a three-host sandbox with room for exactly 30.

Each replica has its own store connection, host connections, DNS client and job runner (its own
lease owner), as ten bob processes would, on one shared store and the sandbox's one BIND. The
thirty Bobs get thirty names, addresses and slots, fill all three hosts, all run, and the
reconciler finds zero differences; then one destroy removes them all, and again zero.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from provisioning.dns import DnsClient, secret_from_env
from provisioning.records import JobState
from sandbox import SandboxInfo
from tests.provisioning.pipeline.conftest import MakeBob
from tests.provisioning.pipeline.observe import clear_bobs, containers
from tests.provisioning.pipeline.reconciled import assert_reconciled
from tests.provisioning.pipeline.runtime import bob_runtime, db_url, fleet_variant
from tests.sandbox.fixtures import require_sandbox, sandbox_fleet

pytestmark = pytest.mark.slow

TEN_PER_HOST = {"host-a": (4, 3, 3), "host-b": (4, 3, 3), "host-c": (4, 3, 3)}


async def test_ten_concurrent_creates_of_three_give_thirty_distinct_running_bobs(
    tmp_path: Path, make_bob: MakeBob
) -> None:
    require_sandbox()
    async with sandbox_fleet(tmp_path / "sandbox", backend="overlay", hosts=3) as info:
        try:
            await ten_creates_of_three(info, tmp_path, make_bob)
        finally:
            clear_bobs(info)  # only does something when the test failed half way


async def ten_creates_of_three(info: SandboxInfo, tmp_path: Path, make_bob: MakeBob) -> None:
    fleet = fleet_variant(info, tmp_path, disks=TEN_PER_HOST)
    assert fleet.dns is not None
    dns = [DnsClient(fleet.dns, secret_from_env(fleet.dns)) for _ in range(10)]
    url = db_url(tmp_path)
    replicas = [await make_bob(fleet, url, f"replica-{n}", dns[n]) for n in range(10)]

    results = await asyncio.gather(*(replica.create(3) for replica in replicas))

    assert 10 * [JobState.SUCCEEDED] == [job.state for job, _ in results]
    bobs = [bob for _, plan in results for bob in plan.bobs]
    assert 30 == len({b.name for b in bobs})
    assert 30 == len({b.ip for b in bobs})
    assert 30 == len({(b.host, b.disk, b.slot) for b in bobs})
    recorded = {b.name: b for b in await replicas[0].store.list_bobs()}
    assert sorted((b.name, b.host, b.disk, "RUNNING", str(recorded[b.name].ip)) for b in bobs) == [
        (f.name, f.host, f.disk, f.state, f.address) for f in containers(info)
    ]
    assert {"host-a": 10, "host-b": 10, "host-c": 10} == {
        host: sum(b.host == host for b in bobs) for host in ("host-a", "host-b", "host-c")
    }
    await assert_reconciled(fleet, replicas[0].store, dns=dns[0])

    async with bob_runtime(fleet, url, owner="cleaner", dns=dns[0]) as cleaner:
        job, _ = await cleaner.destroy(*sorted(b.name for b in bobs))
        assert job is not None
        assert JobState.SUCCEEDED == job.state
        await assert_reconciled(fleet, cleaner.store, dns=dns[0])
    assert [] == containers(info)
