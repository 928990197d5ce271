"""Two replicas create at once on one SQLite store: ten Bobs, nothing handed out twice, all running.

Each replica has its own store connection, host connections and job runner (its own lease owner),
as two bob processes would; the fleet takes five Bobs per host, so the two jobs need both hosts.
"""

from __future__ import annotations

import asyncio

import pytest

from provisioning.records import JobState
from sandbox import SandboxInfo
from tests.provisioning.pipeline.conftest import MakeBob
from tests.provisioning.pipeline.observe import containers
from tests.provisioning.pipeline.reconciled import assert_reconciled
from tests.provisioning.pipeline.runtime import db_url, fleet_variant

pytestmark = pytest.mark.slow

FIVE_PER_HOST = {"host-a": (2, 2, 1), "host-b": (2, 2, 1)}


async def test_two_concurrent_creates_of_five_give_ten_distinct_bobs_that_all_run(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    fleet = fleet_variant(overlay, tmp_path, disks=FIVE_PER_HOST)
    first = await make_bob(fleet, db_url(tmp_path), owner="replica-1")
    second = await make_bob(fleet, db_url(tmp_path), owner="replica-2")

    (job1, plan1), (job2, plan2) = await asyncio.gather(first.create(5), second.create(5))

    assert [JobState.SUCCEEDED, JobState.SUCCEEDED] == [job1.state, job2.state]
    bobs = [*plan1.bobs, *plan2.bobs]
    assert 10 == len({b.name for b in bobs})
    assert 10 == len({b.ip for b in bobs})
    assert 10 == len({(b.host, b.disk, b.slot) for b in bobs})
    assert {"host-a", "host-b"} == {b.host for b in bobs}
    assert sorted((b.name, b.host, b.disk, "RUNNING", str(b.ip)) for b in bobs) == [
        (f.name, f.host, f.disk, f.state, f.address) for f in containers(overlay)
    ]
    await assert_reconciled(fleet, second.store)
