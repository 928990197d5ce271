"""A pull request's life on a real sandbox: webhook → Bob → nginx, off when idle, gone when closed.

The peers are real: the sandbox's hosts (LXC over SSH) and BIND, Debian's nginx and a
``git daemon`` on loopback, and bob's webhook and wake endpoints on an aiohttp server.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from provisioning.pipeline.containers import Container
from provisioning.records import JobState
from sandbox import SandboxInfo
from tests.provisioning.pipeline.observe import clear_bobs, containers, resolve
from tests.provisioning.pipeline.reconciled import assert_reconciled
from tests.sandbox.fixtures import require_sandbox, sandbox_fleet
from tests.staging.harness import REPO, StagingSetup, staging_setup
from tests.staging.peers import require_nginx
from tests.waiting import until

pytestmark = pytest.mark.slow

IDLE_S = 3.0


async def container_state(stage: StagingSetup, name: str) -> str | None:
    bob = await stage.bob.store.get_bob(name)
    assert bob is not None
    shell = stage.stager.shells.get(bob.host)
    return await Container(shell, stage.fleet.host(bob.host), bob.disk, name).state()


async def test_a_pull_request_is_staged_redeployed_switched_off_woken_and_removed(
    tmp_path: Path,
) -> None:
    require_sandbox()
    require_nginx()
    async with sandbox_fleet(tmp_path / "sandbox", backend="overlay", hosts=1) as info:
        try:
            async with staging_setup(tmp_path, info, idle_off_s=IDLE_S) as stage:
                await pull_request_life(stage, info)
        finally:
            clear_bobs(info)  # only does something when the test failed half way


async def pull_request_life(stage: StagingSetup, info: SandboxInfo) -> None:
    first = stage.repo.commit("feature", {"page.txt": "feature v1"}, "v1")

    # A forged event is refused before anything is read or recorded.
    status, _ = await stage.hook("opened", 7, "feature", secret=b"guess")
    assert 401 == status
    assert [] == await stage.bob.store.stage_envs()
    assert [] == await stage.bob.store.list_jobs()

    status, answer = await stage.hook("opened", 7, "feature")
    assert 202 == status
    env = await stage.until_state(7, "up")
    assert (REPO, "feature", first, "http://pr-7.staging.test/") == (
        env.repo, env.branch, env.commit, env.url,
    )  # fmt: skip
    assert answer["job"] == env.job_id
    assert (200, "feature v1 db=postgres://db.outside:5432/shop\n") == await stage.page(7)
    [row] = await stage.stager.listing()
    assert {"pr": "acme/shop#7", "branch": "feature", "commit": first[:12], "state": "up"} == {
        k: row[k] for k in ("pr", "branch", "commit", "state")
    }
    assert row["last request"].endswith(" s ago")
    assert row["expiry"].startswith("off in ")

    # A push redeploys the same Bob; a second push while that deploy runs waits its turn.
    stage.repo.commit("feature", {"page.txt": "feature v2"}, "v2")
    assert 202 == (await stage.hook("synchronize", 7, "feature"))[0]
    await stage.until_state(7, "deploying", timeout=10)
    third = stage.repo.commit("feature", {"page.txt": "feature v3"}, "v3")
    assert 202 == (await stage.hook("synchronize", 7, "feature"))[0]

    async def both_deployed() -> bool:
        env = await stage.bob.store.stage_env(7)
        jobs = await stage.bob.store.list_jobs()
        return (
            env is not None
            and (env.state.value, env.commit) == ("up", third)
            and [JobState.SUCCEEDED] * 3 == [j.state for j in jobs]
        )

    await until(both_deployed, "v3 deployed after v2, every job succeeded", timeout=180)
    assert (200, "feature v3 db=postgres://db.outside:5432/shop\n") == await stage.page(7)
    assert ["pr-7"] == [b.name for b in await stage.bob.store.list_bobs()]

    # Nobody asks for it: off, container stopped, slot kept.
    idle_since = time.monotonic()
    # (bob serve's own sweep: every idle_off_s / 10, at least every second)
    await stage.until_state(7, "off", timeout=IDLE_S + 10)
    assert time.monotonic() - idle_since >= IDLE_S - 1  # not before (the log's times are whole s)
    assert "STOPPED" == await container_state(stage, "pr-7")
    # Stopped on purpose: not a difference (and not something `reconcile --fix` would start).
    await assert_reconciled(stage.fleet, stage.bob.store, dns=stage.dns)
    assert ["pr-7"] == [b.name for b in await stage.bob.store.list_bobs()]

    # The next request starts it and is answered.
    assert (200, "feature v3 db=postgres://db.outside:5432/shop\n") == await stage.page(7)
    assert "RUNNING" == await container_state(stage, "pr-7")
    assert "up" == (await stage.bob.store.stage_env(7)).state.value  # type: ignore[union-attr]

    # A broken deploy: failed, its output in the job, and pr-7 still served.
    stage.repo.commit("broken", {"start.sh": "echo 'boom: no config'; exit 3\n"}, "broken")
    assert 202 == (await stage.hook("opened", 8, "broken"))[0]
    broken = await stage.until_state(8, "failed")
    assert broken.job_id is not None
    job = await stage.bob.store.get_job(broken.job_id)
    assert JobState.FAILED == job.state
    journal = await stage.bob.store.journal(broken.job_id)
    assert any("boom: no config" in (e.detail or "") for e in journal)
    assert (200, "feature v3 db=postgres://db.outside:5432/shop\n") == await stage.page(7)
    assert 404 == (await stage.page(8))[0]

    # Closing: Bob, route and DNS gone; nothing left for the reconciler.
    fqdn = f"pr-7.{stage.fleet.subnets[0].forward_zone}"
    bob = await stage.bob.store.get_bob("pr-7")
    assert bob is not None
    assert [str(bob.ip)] == resolve("127.0.0.1", info.dns_port, fqdn, "A")
    for pr, branch in ((7, "feature"), (8, "broken")):
        assert 202 == (await stage.hook("closed", pr, branch))[0]

    async def gone() -> bool:
        return not await stage.bob.store.stage_envs() and not await stage.bob.store.list_bobs()

    await until(gone, "both environments gone", timeout=120)
    assert set() == stage.stager.gateway.routed()
    assert 404 == (await stage.page(7))[0]
    assert [] == containers(info)
    assert [] == resolve("127.0.0.1", info.dns_port, fqdn, "A")
    await assert_reconciled(stage.fleet, stage.bob.store, dns=stage.dns)
