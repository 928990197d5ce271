"""What was seen going wrong against the real Jenkins 2.528.3, checked there.

bob's store, runner and handlers are wired as bot/runtime.py wires them, with the real
controller as ``ci-main`` and ``launcher: command`` starting ``java -jar agent.jar`` on this
machine, so an agent really comes online and really runs a build. No host is touched: attach,
and a destroy that stops at a busy agent, never reach one.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from handlers.attachments import Controllers
from handlers.jenkins import agents_of, plan_attach, submit_attach
from handlers.provision import submit_destroy
from handlers.queries import fleet_overview
from handlers.render import render_overview
from handlers.requests import AttachBobs, DestroyBobs, ListBobs
from provisioning.config.models import AgentLauncher, Fleet
from provisioning.hosts.ssh import HostPool
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
from provisioning.pipeline import kinds
from provisioning.pipeline.context import Pipeline
from provisioning.records import BobState, JobRecord, JobState
from provisioning.store import SqlStore
from tests.fleets import make_fleet
from tests.handlers.jenkins_world import CALLER, TOKEN_ENV, controller, seed_ready
from tests.jenkins_real import RealController

BUSY_WITHIN_S = 120.0


@dataclass
class RealWorld:
    fleet: Fleet
    store: SqlStore
    runner: JobRunner
    jenkins: Controllers
    real: RealController

    async def attach(self, count: int, label: str) -> JobRecord:
        request = AttachBobs(count=count, controller="ci-main", label=label)
        job, _ = await submit_attach(self.fleet, self.store, self.jenkins, request, CALLER)
        return await self.runner.run(job.id)

    async def destroy(self, name: str) -> JobRecord:
        request = DestroyBobs(names=(name,))
        agents = await agents_of(self.store, self.jenkins, request.names)
        job, _ = await submit_destroy(self.fleet, self.store, request, CALLER, agents=agents)
        assert job is not None
        return await self.runner.run(job.id)

    async def listing(self) -> list[str]:
        overview = await fleet_overview(self.fleet, self.store, ListBobs(), self.jenkins)
        return render_overview(overview).splitlines()


@asynccontextmanager
async def real_world(
    tmp_path: Path, real: RealController, layout: tuple[tuple[int, ...], ...], ready: int
) -> AsyncIterator[RealWorld]:
    java = shutil.which("java") or "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"
    launcher = AgentLauncher(type="command", command=f"{java} -jar {real.agent_jar()}")
    config = controller(real.url, launcher).model_copy(
        update={"remote_fs": str(tmp_path / "agent"), "timeout": 15.0}
    )
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    try:
        fleet = make_fleet(layout).model_copy(update={"jenkins": (config,)})
        jenkins = {"ci-main": ScriptConsoleController(config, env={TOKEN_ENV: real.token})}
        registry = JobKinds()
        pipeline = Pipeline(fleet=fleet, shells=HostPool(fleet.hosts), store=store, jenkins=jenkins)
        kinds.register(registry, pipeline)
        runner = JobRunner(store, registry, ProgressBus(), owner=unique_owner("real-jenkins"))
        await seed_ready(store, fleet, ready)
        yield RealWorld(fleet, store, runner, jenkins, real)
    finally:
        await store.close()


async def wait_busy(world: RealWorld, name: str) -> None:
    deadline = time.monotonic() + BUSY_WITHIN_S
    while time.monotonic() < deadline:
        node = next(n for n in await world.jenkins["ci-main"].list_nodes() if n.name == name)
        if node.busy_executors:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"{name} ran no build within {BUSY_WITHIN_S:g} s")


async def test_a_destroy_stopped_by_a_busy_agent_leaves_the_bob_ready_and_drained(
    tmp_path: Path, real_jenkins: RealController
) -> None:
    async with real_world(tmp_path, real_jenkins, ((4,),), 1) as world:
        attached = await world.attach(1, "light")
        created_by = (await world.store.get_bob("bob001")).job_id  # type: ignore[union-attr]
        real_jenkins.start_build("busy", "light", "sleep 600")
        await wait_busy(world, "bob001")

        destroyed = await world.destroy("bob001")

        assert JobState.SUCCEEDED == attached.state
        assert JobState.FAILED == destroyed.state
        assert "it stays drained" in (destroyed.error or "")
        bob = await world.store.get_bob("bob001")
        assert bob is not None
        assert (BobState.READY, "ci-main", created_by) == (bob.state, bob.controller, bob.job_id)
        line = next(line for line in await world.listing() if "bob001" in line)
        assert "ci-main/light (drained)" in line
        assert "destroying" not in line
        assert "job" not in line
        computer = real_jenkins.computer("bob001")
        assert computer is not None
        assert computer["temporarilyOffline"]


async def test_the_attach_dry_run_tells_a_hand_made_node_from_an_attached_bob(
    tmp_path: Path, real_jenkins: RealController
) -> None:
    async with real_world(tmp_path, real_jenkins, ((6,),), 6) as world:
        real_jenkins.make_node_by_hand("bob006", "light")
        request = AttachBobs(count=6, controller="ci-main", label="light")

        text = (await plan_attach(world.fleet, world.store, world.jenkins, request)).describe()

        assert "already attached" not in text
        assert "1 a node of that name on ci-main was not made by bob (bob006)" in text
        assert "attach 5 of 6" in text


async def test_bob_list_flags_a_hand_made_node_named_like_a_bob(
    tmp_path: Path, real_jenkins: RealController
) -> None:
    async with real_world(tmp_path, real_jenkins, ((4,),), 2) as world:
        real_jenkins.make_node_by_hand("bob007", "light")
        real_jenkins.make_node_by_hand("builder-1", "light")

        listing = await world.listing()

        assert "  ! bob007 on ci-main: named like a Bob, but bob did not make this node" in listing
        assert not any("builder-1" in line for line in listing)
