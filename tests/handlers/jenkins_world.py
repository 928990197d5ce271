"""A store of ready Bobs, a Jenkins double as controller ``ci-main``, and bob's runner, wired
the way bot/runtime.py wires them (no hosts: attach and detach never touch one)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from handlers.jenkins import submit_attach, submit_detach
from handlers.provision import Caller
from handlers.requests import AttachBobs, DetachBobs
from provisioning.config.models import AgentLauncher, Fleet
from provisioning.config.models import JenkinsController as ControllerConfig
from provisioning.core.plan import plan_create
from provisioning.hosts.ssh import HostPool
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.models import AttachSpec
from provisioning.jenkins.rules import Choice
from provisioning.jenkins.specs import attach_spec
from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
from provisioning.pipeline import kinds
from provisioning.pipeline.context import Pipeline
from provisioning.records import BobState, JobRecord, NewJob
from provisioning.store import SqlStore
from tests.fleets import make_fleet
from tests.jenkins_double import JenkinsDouble

TOKEN_ENV = "BOB_TEST_CI_MAIN_TOKEN"
CALLER = Caller(actor="tester", source="test", origin="pytest", command="test")


def controller(url: str, launcher: AgentLauncher | None = None) -> ControllerConfig:
    return ControllerConfig(
        name="ci-main",
        url=url,
        user="admin",
        token_env=TOKEN_ENV,
        labels={"heavy": 1, "light": 4},
        heavy_labels=("heavy",),
        timeout=5.0,
        launcher=launcher or AgentLauncher(),
    )


@dataclass
class World:
    fleet: Fleet
    store: SqlStore
    double: JenkinsDouble
    runner: JobRunner
    jenkins: dict[str, ScriptConsoleController]
    pipeline: Pipeline

    async def attach(self, count: int, label: str) -> tuple[JobRecord, Choice]:
        request = AttachBobs(count=count, controller="ci-main", label=label)
        job, choice = await submit_attach(self.fleet, self.store, self.jenkins, request, CALLER)
        return await self.runner.run(job.id), choice

    async def detach(self, *names: str, wait: float = 5.0) -> tuple[JobRecord | None, list[str]]:
        request = DetachBobs(names=names, wait=wait)
        job, absent = await submit_detach(self.store, self.jenkins, request, CALLER)
        return (None if job is None else await self.runner.run(job.id)), absent

    async def spec(self, name: str, label: str, job_id: str) -> AttachSpec:
        """The request bob's attach step sends for ``name``."""
        bob = await self.store.get_bob(name)
        assert bob is not None
        config = self.fleet.jenkins[0]
        return attach_spec(self.fleet, config, name=name, ip=bob.ip, label=label, job_id=job_id)

    async def recorded(self) -> dict[str, str]:
        """Bob name → ``controller/label`` as bob's store has it, for attached Bobs."""
        return {
            b.name: f"{b.controller}/{b.label}"
            for b in await self.store.list_bobs()
            if b.controller is not None
        }

    def nodes(self) -> dict[str, str]:
        """Node name → label, as the controller has it."""
        return {n.name: n.label for n in self.double.nodes.values()}


async def seed_ready(store: SqlStore, fleet: Fleet, count: int) -> list[str]:
    """``count`` ready Bobs in placement order, as a finished create leaves them."""
    _, plan = await store.reserve(
        NewJob(kind="create", params={}, requested_by="seed", source="test"),
        lambda held: plan_create(fleet, held, count),
    )
    for bob in plan.bobs:
        await store.promote_reservation(bob.name, BobState.READY)
    return list(plan.names)


@asynccontextmanager
async def jenkins_world(
    tmp_path: Path,
    layout: Sequence[Sequence[int]],
    ready: int,
    *,
    double: JenkinsDouble | None = None,
    launcher: AgentLauncher | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[World]:
    server = double or JenkinsDouble()
    server.start()
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    try:
        config = controller(server.url, launcher)
        fleet = make_fleet(layout).model_copy(update={"jenkins": (config,)})
        secrets = env if env is not None else {TOKEN_ENV: server.tokens["admin"]}
        jenkins = {"ci-main": ScriptConsoleController(config, env=secrets)}
        registry = JobKinds()
        pipeline = Pipeline(fleet=fleet, shells=HostPool(fleet.hosts), store=store, jenkins=jenkins)
        kinds.register(registry, pipeline)
        runner = JobRunner(store, registry, ProgressBus(), owner=unique_owner("jenkins-test"))
        await seed_ready(store, fleet, ready)
        yield World(fleet, store, server, runner, jenkins, pipeline)
    finally:
        await store.close()
        server.stop()
