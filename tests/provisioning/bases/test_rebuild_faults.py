"""rebuild-base on the real sandbox (overlay): failures, resume, --parallel, sources, collection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from handlers.rebuild import submit_rebuild
from handlers.requests import RebuildBase
from provisioning.bases.versions import version_of
from provisioning.jobs.events import Event, StepStarted
from provisioning.records import JobRecord, JobState
from sandbox import SandboxInfo
from tests.provisioning.bases.observe import (
    base_entries,
    current_base,
    fleet_with_base,
    in_bob,
    state_of,
)
from tests.provisioning.pipeline.observe import clear_bobs
from tests.provisioning.pipeline.runtime import CALLER, Bob, bob_runtime, db_url
from tests.sandbox.fixtures import host_ssh, own_fleet

pytestmark = pytest.mark.slow

SANDBOX_BASE = {"source": {"kind": "template", "template": "busybox"}}


@pytest.fixture(scope="module")
def fleet_info(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    with own_fleet(tmp_path_factory, "faults", "overlay", hosts=2) as info:
        yield info


@pytest.fixture
def sandbox(fleet_info: SandboxInfo) -> Iterator[SandboxInfo]:
    yield fleet_info
    clear_bobs(fleet_info)


async def rebuild(bob: Bob, *hosts: str) -> JobRecord:
    job = await submit_rebuild(bob.fleet, bob.store, RebuildBase(hosts=hosts), CALLER)
    return await bob.runner.run(job.id)


@pytest.fixture
async def failing_bob(sandbox: SandboxInfo, tmp_path: Path) -> AsyncIterator[Bob]:
    """bob whose fix-up script exits 1: it is asked to disable a service the base lacks."""
    fleet = fleet_with_base(
        sandbox, tmp_path, **SANDBOX_BASE, disable_services=["udhcpc", "no-such-service"]
    )
    async with bob_runtime(fleet, db_url(tmp_path)) as bob:
        yield bob


async def test_a_failing_fixup_script_fails_the_job_naming_host_step_and_stderr(
    failing_bob: Bob,
) -> None:
    job = await rebuild(failing_bob, "host-a")

    assert JobState.FAILED == job.state
    assert job.error is not None
    assert "'services' (lane rebuild, host host-a)" in job.error
    assert "no service named no-such-service in the base" in job.error


async def test_a_failing_fixup_script_leaves_the_previous_version_current_and_no_partial_one(
    sandbox: SandboxInfo, failing_bob: Bob
) -> None:
    before = base_entries(sandbox, "host-a")

    await rebuild(failing_bob, "host-a")

    assert before == base_entries(sandbox, "host-a")


async def test_bobs_keep_running_through_a_failed_rebuild(
    sandbox: SandboxInfo, failing_bob: Bob
) -> None:
    made, plan = await failing_bob.create(1, host="host-a")
    assert made.state is JobState.SUCCEEDED, made.error
    bob = plan.bobs[0]

    await rebuild(failing_bob, "host-a")

    assert "RUNNING" == state_of(sandbox, "host-a", bob.disk, bob.name)


async def test_the_first_failure_stops_the_rolling_rebuild(
    sandbox: SandboxInfo, failing_bob: Bob
) -> None:
    untouched = base_entries(sandbox, "host-b")

    job = await rebuild(failing_bob, "host-a", "host-b")

    assert (JobState.FAILED, untouched) == (job.state, base_entries(sandbox, "host-b"))


async def test_hosts_rebuilt_before_the_failure_keep_their_new_base(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    fleet = fleet_with_base(
        sandbox, tmp_path, ("host-b",), disable_services=["udhcpc", "no-such-service"]
    )
    before = {h: current_base(sandbox, h) for h in ("host-a", "host-b")}
    async with bob_runtime(fleet, db_url(tmp_path)) as bob:
        job = await rebuild(bob, "host-a", "host-b")
        known = await bob.store.base_versions()

    after = {h: current_base(sandbox, h) for h in ("host-a", "host-b")}
    assert JobState.FAILED == job.state
    assert (version_of(before["host-a"]) or 0) + 1 == version_of(after["host-a"])
    assert before["host-b"] == after["host-b"]
    assert version_of(after["host-a"]) == known["host-a"]


async def test_an_overlay_base_still_used_by_a_bob_is_kept_and_collected_once_it_is_destroyed(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    fleet = fleet_with_base(sandbox, tmp_path, **SANDBOX_BASE, disable_services=["udhcpc"])
    async with bob_runtime(fleet, db_url(tmp_path)) as bob:
        made, plan = await bob.create(1, host="host-b")
        assert made.state is JobState.SUCCEEDED, made.error
        cloned_from = current_base(sandbox, "host-b")

        rebuilt = await rebuild(bob, "host-b")
        after_rebuild = base_entries(sandbox, "host-b")
        running = state_of(sandbox, "host-b", plan.bobs[0].disk, plan.bobs[0].name)
        await bob.destroy(plan.bobs[0].name)
        after_destroy = base_entries(sandbox, "host-b")

    assert JobState.SUCCEEDED == rebuilt.state
    assert "RUNNING" == running
    assert cloned_from in after_rebuild
    assert cloned_from not in after_destroy
    assert current_base(sandbox, "host-b") in after_destroy


async def test_a_base_no_bob_uses_is_collected_by_the_next_rebuild(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    fleet = fleet_with_base(sandbox, tmp_path, **SANDBOX_BASE, disable_services=["udhcpc"])
    async with bob_runtime(fleet, db_url(tmp_path)) as bob:
        first = await rebuild(bob, "host-a")
        replaced = current_base(sandbox, "host-a")
        second = await rebuild(bob, "host-a")

    now = current_base(sandbox, "host-a")
    assert (JobState.SUCCEEDED, JobState.SUCCEEDED) == (first.state, second.state)
    assert (version_of(replaced) or 0) + 1 == version_of(now)
    assert replaced not in base_entries(sandbox, "host-a")


async def test_a_bob_made_after_a_rebuild_starts_from_the_new_base(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    fleet = fleet_with_base(sandbox, tmp_path, **SANDBOX_BASE, disable_services=["udhcpc"])
    async with bob_runtime(fleet, db_url(tmp_path)) as bob:
        await rebuild(bob, "host-b")
        made, plan = await bob.create(1, host="host-b")
        assert made.state is JobState.SUCCEEDED, made.error
        record = await bob.store.get_bob(plan.bobs[0].name)
        manifest = in_bob(
            sandbox, "host-b", plan.bobs[0].disk, plan.bobs[0].name, "cat", "/etc/bob-base.json"
        )
        await bob.destroy(plan.bobs[0].name)

    assert record is not None
    assert version_of(current_base(sandbox, "host-b")) == record.base_version
    assert f'"version": {record.base_version},' in manifest


async def test_a_rebuild_cut_off_mid_verify_is_finished_by_resume(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    fleet = fleet_with_base(sandbox, tmp_path, disable_services=["udhcpc"])
    before = current_base(sandbox, "host-a")
    async with bob_runtime(fleet, db_url(tmp_path), owner="first") as bob:
        job = await submit_rebuild(bob.fleet, bob.store, RebuildBase(hosts=("host-a",)), CALLER)
        run = asyncio.create_task(bob.runner.run(job.id))

        async def cut_off_at_verify(event: Event) -> None:
            if isinstance(event, StepStarted) and event.step == "verify":
                run.cancel()  # what a crash or Ctrl-C does: the journal says "started"

        bob.bus.subscribe(cut_off_at_verify)
        with pytest.raises(asyncio.CancelledError):
            await run
    async with bob_runtime(fleet, db_url(tmp_path), owner="second") as bob:
        finished = await bob.runner.resume_unfinished()

    assert [JobState.SUCCEEDED] == [j.state for j in finished]
    assert (version_of(before) or 0) + 1 == version_of(current_base(sandbox, "host-a"))
    assert [] == [e for e in base_entries(sandbox, "host-a") if e.startswith((".bob", "verify"))]


async def test_hosts_rebuild_side_by_side_with_parallel(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    fleet = fleet_with_base(sandbox, tmp_path, disable_services=["udhcpc"])
    before = {h: version_of(current_base(sandbox, h)) or 0 for h in ("host-a", "host-b")}
    async with bob_runtime(fleet, db_url(tmp_path)) as bob:
        job = await submit_rebuild(bob.fleet, bob.store, RebuildBase(parallel=2), CALLER)
        final = await bob.runner.run(job.id)
        lanes = {e.lane for e in await bob.store.journal(job.id)}

    after = {h: version_of(current_base(sandbox, h)) for h in ("host-a", "host-b")}
    assert (JobState.SUCCEEDED, {"rebuild-1", "rebuild-2"}) == (final.state, lanes)
    assert {h: v + 1 for h, v in before.items()} == after


GOLDEN = "/var/lib/bob/golden"


@pytest.fixture
def golden_tree(sandbox: SandboxInfo) -> Iterator[str]:
    """On host-a: a copy of the current base's rootfs with a marker file only it has."""
    rootfs = f"/var/lib/bob/base/{current_base(sandbox, 'host-a')}/rootfs"
    host_ssh(sandbox, "host-a", ["cp", "-a", rootfs, GOLDEN])
    host_ssh(sandbox, "host-a", ["sh", "-c", 'echo golden > "$1/etc/marker"', "sh", GOLDEN])
    yield GOLDEN
    host_ssh(sandbox, "host-a", ["rm", "-rf", GOLDEN])


async def test_a_base_from_a_golden_directory_gives_new_bobs_its_files(
    sandbox: SandboxInfo, golden_tree: str, tmp_path: Path
) -> None:
    fleet = fleet_with_base(
        sandbox, tmp_path, ("host-a",), source={"kind": "directory", "path": golden_tree}
    )
    async with bob_runtime(fleet, db_url(tmp_path)) as bob:
        rebuilt = await rebuild(bob, "host-a")
        made, plan = await bob.create(1, host="host-a")
        new = plan.bobs[0]
        marker = in_bob(sandbox, "host-a", new.disk, new.name, "cat", "/etc/marker")
        await bob.destroy(new.name)

    assert (JobState.SUCCEEDED, JobState.SUCCEEDED) == (rebuilt.state, made.state)
    assert "golden\n" == marker
