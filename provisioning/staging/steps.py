"""A staging deploy's steps, after the Bob's own (a new one's create steps, or a restart)."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict

from provisioning.config.models import StagingSettings
from provisioning.errors import ConflictError
from provisioning.jobs.steps import StepContext
from provisioning.lxc import commands
from provisioning.pipeline.base import DEFAULT_TIMEOUT_S, HostStep
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.ready import wait_ready
from provisioning.staging.app import PORT_WAIT_S, run_in_app, wait_port
from provisioning.staging.checkout import GIT_TIMEOUT_S, fetch_tree, unpack_argv
from provisioning.staging.nginx import Gateway, Upstream
from provisioning.staging.ports import StageStore
from provisioning.staging.records import StageState


class Target(BaseModel):
    """What a deploy job deploys where (stored in the job's params)."""

    model_config = ConfigDict(frozen=True)

    pr: int
    name: str  # the Bob
    host: str
    disk: str
    git_url: str
    branch: str
    hostname: str  # pr-<N>.<domain>


class StageStep(HostStep):
    def __init__(
        self, pipeline: Pipeline, store: StageStore, target: Target, timeout: float
    ) -> None:
        super().__init__(
            pipeline, bob=target.name, host=target.host, disk=target.disk, timeout=timeout
        )
        if pipeline.fleet.staging is None:
            raise ConflictError("the fleet config has no staging section")
        self.staging: StagingSettings = pipeline.fleet.staging
        self.stages = store
        self.target = target

    async def ip(self) -> ipaddress.IPv4Address:
        record = await self.p.store.get_bob(self.target.name)
        if record is None or record.ip is None:
            raise ConflictError(f"{self.target.name} is not in bob's records")
        return record.ip

    async def check(self, ctx: StepContext) -> bool:
        # Every step here is safe to repeat and cheap next to knowing whether it finished.
        return False


class Restart(StageStep):
    """A fresh start for a redeploy: the old app and whatever it left running are gone."""

    name = "stage-restart"

    async def _apply(self, ctx: StepContext) -> None:
        await self.container.stop()
        await self.container.start()
        await wait_ready(self.container, await self.ip())


class Checkout(StageStep):
    name = "stage-checkout"

    async def _apply(self, ctx: StepContext) -> None:
        tree = await fetch_tree(self.target.git_url, self.target.branch)
        argv = commands.attach(self.hostcfg, self.disk, self.bob_name, unpack_argv())
        await self.shell.run(argv, input=tree.tar_b64, timeout=self.timeout)
        await self.stages.change_stage_env(self.target.pr, commit=tree.commit)
        await ctx.log(f"{self.target.branch} at {tree.commit[:12]} checked out")


class Deploy(StageStep):
    """The project's deploy command in the checkout, its output in the job; up once the app's
    port answers."""

    name = "stage-deploy"

    async def _apply(self, ctx: StepContext) -> None:
        await run_in_app(self.container, self.staging, self.staging.deploy, ctx.log)
        address = await self.ip()
        await wait_port(address, self.staging.port)
        await ctx.log(f"the app answers on {address}:{self.staging.port}")


class Route(StageStep):
    """The environment's server block on the gateway (a refused one changes nothing)."""

    name = "stage-route"
    on_host = False  # the gateway is this machine's nginx

    async def _apply(self, ctx: StepContext) -> None:
        upstream = Upstream(await self.ip(), self.staging.port)
        await Gateway(self.staging.gateway).route(self.target.name, self.target.hostname, upstream)
        await self.stages.change_stage_env(self.target.pr, state=StageState.UP)
        await ctx.log(f"http://{self.target.hostname}/ → {upstream.address}:{upstream.port}")


def stage_steps(
    pipeline: Pipeline, store: StageStore, target: Target, *, restart: bool
) -> list[HostStep]:
    staging = pipeline.fleet.staging
    deploy_s = (staging.deploy_timeout_s if staging else DEFAULT_TIMEOUT_S) + PORT_WAIT_S + 10
    steps: list[HostStep] = [Restart(pipeline, store, target, DEFAULT_TIMEOUT_S)] if restart else []
    return [
        *steps,
        Checkout(pipeline, store, target, GIT_TIMEOUT_S + 60),
        Deploy(pipeline, store, target, deploy_s),
        Route(pipeline, store, target, DEFAULT_TIMEOUT_S),
    ]
