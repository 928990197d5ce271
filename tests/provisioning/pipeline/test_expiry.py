"""Expiry on the real sandbox: a Bob made with a time to live, and an agent idle longer than its
controller's idle_after_s (on the Jenkins double), are destroyed by the sweep `bob serve` runs —
container, DNS records and agent gone, nothing for the reconciler — and nothing else is."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from bot.expiry_loop import ExpirySweep
from handlers.expiry import submit_expiry
from handlers.jenkins import submit_attach
from handlers.provision import submit_create
from handlers.requests import AttachBobs, CreateBobs
from provisioning.dns import DnsClient, secret_from_env
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.port import JenkinsController
from provisioning.records import JobState
from sandbox import SandboxInfo
from tests.handlers.jenkins_world import TOKEN_ENV, controller
from tests.jenkins_double import JenkinsDouble
from tests.provisioning.pipeline.observe import containers
from tests.provisioning.pipeline.reconciled import assert_reconciled
from tests.provisioning.pipeline.runtime import CALLER, bob_runtime, db_url, fleet_variant

pytestmark = pytest.mark.slow


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_a_bob_whose_time_to_live_ended_is_destroyed_and_the_others_stay(
    overlay: SandboxInfo, tmp_path: Path
) -> None:
    fleet = fleet_variant(overlay, tmp_path)
    assert fleet.dns is not None
    dns = DnsClient(fleet.dns, secret_from_env(fleet.dns))
    async with bob_runtime(fleet, db_url(tmp_path), dns=dns) as bob:
        short, _ = await submit_create(
            fleet, bob.store, CreateBobs(count=1, host="host-a", ttl_s=600), CALLER, dns
        )
        assert JobState.SUCCEEDED == (await bob.runner.run(short.id)).state
        kept, _ = await bob.create(1, host="host-a")
        assert JobState.SUCCEEDED == kept.state
        (doomed,) = [b for b in await bob.store.list_bobs() if b.expires_at is not None]
        submit = partial(submit_expiry, fleet, bob.store, {})

        early = await ExpirySweep(submit, bob.runner.run, clock=lambda: later(60)).once()
        assert early is None, "nothing is due before its time"

        done = await ExpirySweep(submit, bob.runner.run, clock=lambda: later(601)).once()

        assert done is not None
        assert JobState.SUCCEEDED == done.state, done.error
        left = [b.name for b in await bob.store.list_bobs()]
        assert doomed.name not in left
        assert 1 == len(left)
        assert [] == [c.name for c in containers(overlay) if c.name == doomed.name]
        await assert_reconciled(fleet, bob.store, dns=dns)
        (audit,) = [e for e in await bob.store.audit_log() if e.source == "expiry"]
        assert f"expire {doomed.name} (its time to live ended" in audit.command
        gone, _ = await bob.destroy(*left)  # the sandbox is shared: leave it as found
        assert gone is not None
        assert JobState.SUCCEEDED == gone.state


async def test_an_agent_idle_past_idle_after_is_detached_and_its_bob_destroyed(
    overlay: SandboxInfo, tmp_path: Path, double: JenkinsDouble
) -> None:
    config = controller(double.url).model_copy(update={"idle_after_s": 600.0})
    fleet = fleet_variant(overlay, tmp_path).model_copy(update={"jenkins": (config,)})
    jenkins: dict[str, JenkinsController] = {
        "ci-main": ScriptConsoleController(config, env={TOKEN_ENV: double.tokens["admin"]})
    }
    async with bob_runtime(fleet, db_url(tmp_path), jenkins=jenkins) as bob:
        made, _ = await bob.create(2, host="host-a")
        assert JobState.SUCCEEDED == made.state, made.error
        attach, _ = await submit_attach(
            fleet, bob.store, jenkins, AttachBobs(count=2, controller="ci-main", label="light"),
            CALLER,
        )  # fmt: skip
        assert JobState.SUCCEEDED == (await bob.runner.run(attach.id)).state
        idle, busy = sorted(double.nodes)
        now_ms = int(time.time() * 1000)
        for name in (idle, busy):
            double.nodes[name].connected = True
            double.nodes[name].idle_since_ms = now_ms - 3600_000  # idle for an hour
        double.nodes[busy].busy = 1  # a build is running: never taken away

        done = await ExpirySweep(
            partial(submit_expiry, fleet, bob.store, jenkins), bob.runner.run
        ).once()

        assert done is not None
        assert JobState.SUCCEEDED == done.state, done.error
        assert [busy] == sorted(double.nodes)
        assert [busy] == [b.name for b in await bob.store.list_bobs()]
        assert [busy] == [c.name for c in containers(overlay)]
        await assert_reconciled(fleet, bob.store, jenkins=jenkins)
