"""The destroy pipeline: stop, remove container and volume, forget. Safe to run again.

Nothing here can be undone, so no step has an undo; every step instead checks what is left
and does only that, which is what makes a re-run on a half-destroyed Bob finish the job.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from provisioning.config.models import Host
from provisioning.errors import JobError
from provisioning.hosts.shell import HostShell
from provisioning.jobs.steps import Step, StepContext
from provisioning.lxc import commands, layout
from provisioning.pipeline import remote
from provisioning.pipeline.context import Pipeline
from provisioning.records import BobState


class Doomed(BaseModel):
    """What destroy needs to know about a Bob, captured when the job is submitted."""

    model_config = ConfigDict(frozen=True)

    name: str
    host: str
    disk: str


class DestroyStep(Step):
    def __init__(self, pipeline: Pipeline, bob: Doomed, timeout: float | None = 120.0):
        self.p = pipeline
        self.bob = bob
        self.lane = bob.name
        self.host = bob.host
        self.timeout = timeout

    @property
    def shell(self) -> HostShell:
        return self.p.shell(self.bob.host)

    @property
    def hostcfg(self) -> Host:
        return self.p.host(self.bob.host)

    async def undo(self, ctx: StepContext) -> None:
        """Destruction is not undone; a failed destroy leaves the Bob marked 'destroying'."""

    async def container_exists(self) -> bool:
        path = str(layout.container_dir(self.hostcfg, self.bob.disk, self.bob.name))
        return await remote.exists(self.shell, path)


class MarkDestroying(DestroyStep):
    name = "mark-destroying"

    async def apply(self, ctx: StepContext) -> None:
        if await self.p.store.get_bob(self.bob.name) is not None:
            await self.p.store.set_bob_state(self.bob.name, BobState.DESTROYING)

    async def check(self, ctx: StepContext) -> bool:
        bob = await self.p.store.get_bob(self.bob.name)
        return bob is None or bob.state is BobState.DESTROYING


class StopContainer(DestroyStep):
    name = "stop"

    async def apply(self, ctx: StepContext) -> None:
        info = await self.shell.run(
            commands.info(self.hostcfg, self.bob.disk, self.bob.name), check=False
        )
        if info.exit_status == 0 and info.stdout.strip() != "STOPPED":
            await self.shell.run(commands.stop(self.hostcfg, self.bob.disk, self.bob.name))

    async def check(self, ctx: StepContext) -> bool:
        info = await self.shell.run(
            commands.info(self.hostcfg, self.bob.disk, self.bob.name), check=False
        )
        return info.exit_status != 0 or info.stdout.strip() == "STOPPED"


class RemoveContainer(DestroyStep):
    """Container and volume; each command tolerates what an earlier attempt already removed."""

    name = "remove"

    async def apply(self, ctx: StepContext) -> None:
        if not await self.container_exists():
            await ctx.log(f"{self.bob.name}: no container on {self.bob.host}, nothing to remove")
            return
        failures = []
        for argv in commands.remove(self.hostcfg, self.bob.disk, self.bob.name):
            result = await self.shell.run(argv, check=False, timeout=self.timeout)
            if result.exit_status != 0:
                failures.append(f"`{' '.join(argv)}`: {result.stderr.strip()}")
        if await self.container_exists():
            raise JobError(
                f"{self.bob.host}: {self.bob.name} is still there after: " + "; ".join(failures),
                job_id=ctx.job.id,
                step=self.name,
            )

    async def check(self, ctx: StepContext) -> bool:
        return not await self.container_exists()


class Forget(DestroyStep):
    """Drop the record: the name, slot and address are free again."""

    name = "forget"

    async def apply(self, ctx: StepContext) -> None:
        await self.p.store.delete_bob(self.bob.name)

    async def check(self, ctx: StepContext) -> bool:
        return await self.p.store.get_bob(self.bob.name) is None


DESTROY_STEPS: tuple[type[DestroyStep], ...] = (
    MarkDestroying,
    StopContainer,
    RemoveContainer,
    Forget,
)


def destroy_steps(pipeline: Pipeline, bob: Doomed) -> list[Step]:
    return [step(pipeline, bob) for step in DESTROY_STEPS]
