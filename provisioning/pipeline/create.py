"""The create pipeline: one lane per Bob, each step with apply, undo and check.

The name, slot and address were reserved in the store when the job was submitted; the lane
turns that reservation into a running, bootstrapped container and finally a ready Bob.
"""

from __future__ import annotations

import asyncio
import time

from provisioning.config.models import Host
from provisioning.core.models import PlannedBob
from provisioning.errors import ConflictError, JobError
from provisioning.hosts.errors import CommandFailed
from provisioning.hosts.shell import HostShell
from provisioning.jobs.steps import Step, StepContext
from provisioning.lxc import commands, layout
from provisioning.lxc.config import NetworkSpec, owner_of, render
from provisioning.pipeline import remote
from provisioning.pipeline.context import Pipeline
from provisioning.records import BobState

READY_TIMEOUT_S = 20.0
START_LOG = "bob-start.log"


class BobStep(Step):
    """A step of one Bob's lane on its host."""

    def __init__(self, pipeline: Pipeline, bob: PlannedBob, timeout: float | None = 120.0):
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

    def argv_info(self) -> list[str]:
        return commands.info(self.hostcfg, self.bob.disk, self.bob.name)

    async def state(self) -> str | None:
        """RUNNING, STOPPED, … or None when the container does not exist."""
        result = await self.shell.run(self.argv_info(), check=False)
        return result.stdout.strip() or None if result.exit_status == 0 else None

    async def config_text(self) -> str | None:
        path = str(layout.config_path(self.hostcfg, self.bob.disk, self.bob.name))
        return await remote.read_file(self.shell, path)


class Reserve(BobStep):
    """The reservation itself was made with the job; undoing it frees name, slot and address."""

    name = "reserve"

    async def apply(self, ctx: StepContext) -> None:
        held = {r.name for r in await self.p.store.list_reservations(ctx.job.id)}
        if self.bob.name not in held and await self.p.store.get_bob(self.bob.name) is None:
            raise ConflictError(f"the reservation for {self.bob.name} is gone")

    async def undo(self, ctx: StepContext) -> None:
        await self.p.store.release_reservations(ctx.job.id, [self.bob.name])

    async def check(self, ctx: StepContext) -> bool:
        return any(
            r.name == self.bob.name for r in await self.p.store.list_reservations(ctx.job.id)
        )


class Clone(BobStep):
    """Clone the host's base into the Bob's disk and tag it with the job that made it."""

    name = "clone"

    async def apply(self, ctx: StepContext) -> None:
        config = await self.config_text()
        if config is not None:
            if owner_of(config) == (self.bob.name, ctx.job.id):
                return
            raise ConflictError(
                f"a container named {self.bob.name} already exists on "
                f"{self.bob.host}/{self.bob.disk}; bob did not make it in this job"
            )
        for argv in commands.clone(self.hostcfg, self.bob.disk, self.bob.name):
            await self.shell.run(argv, timeout=self.timeout)
        await self._tag(ctx)

    async def _tag(self, ctx: StepContext) -> None:
        path = str(layout.config_path(self.hostcfg, self.bob.disk, self.bob.name))
        text = await remote.read_file(self.shell, path) or ""
        if owner_of(text) is None:
            marker = f"# bob: managed by bob: name={self.bob.name} job={ctx.job.id}\n"
            await remote.write_file(self.shell, path, text + marker)

    async def undo(self, ctx: StepContext) -> None:
        config = await self.config_text()
        if config is None:
            return
        owner = owner_of(config)
        # Untagged means our lxc-copy was cut off before the tag: the reservation made the
        # name ours, so nobody else can have made it since.
        if owner is not None and owner != (self.bob.name, ctx.job.id):
            await ctx.log(f"left {self.bob.name} alone: it belongs to job {owner[1]}")
            return
        await self.shell.run(commands.stop(self.hostcfg, self.bob.disk, self.bob.name), check=False)
        for argv in commands.remove(self.hostcfg, self.bob.disk, self.bob.name):
            await self.shell.run(argv, check=False, timeout=self.timeout)
        if await self.config_text() is not None:
            raise JobError(
                f"{self.bob.host}: could not remove container {self.bob.name}", job_id=ctx.job.id
            )

    async def check(self, ctx: StepContext) -> bool:
        config = await self.config_text()
        return config is not None and owner_of(config) == (self.bob.name, ctx.job.id)


class Configure(BobStep):
    """Network (veth on the bridge, static address, gateway), cgroup limits and hooks."""

    name = "configure"

    async def apply(self, ctx: StepContext) -> None:
        path = str(layout.config_path(self.hostcfg, self.bob.disk, self.bob.name))
        base = await remote.read_file(self.shell, path)
        if base is None:
            raise JobError(f"{self.bob.host}: {path} is missing", job_id=ctx.job.id)
        defaults = self.p.fleet.bob_defaults
        rootfs = commands.rootfs_of(self.hostcfg, self.bob.disk, self.bob.name)
        text = render(
            base,
            name=self.bob.name,
            job_id=ctx.job.id,
            network=NetworkSpec(
                bridge=self.hostcfg.bridge,
                address=self.bob.ip,
                prefix_length=self.bob.prefix_length,
                gateway=self.bob.gateway,
            ),
            limits=defaults.cgroup,
            layout=await self.p.cgroup_layout(self.bob.host),
            hooks={str(kind): path for kind, path in defaults.hooks.items()},
            rootfs_path=f"dir:{rootfs}" if self.hostcfg.storage.backend == "lvm" else None,
        )
        await remote.write_file(self.shell, path, text)

    async def undo(self, ctx: StepContext) -> None:
        """Nothing of its own: the file goes with the container (Clone's undo)."""

    async def check(self, ctx: StepContext) -> bool:
        config = await self.config_text() or ""
        return f"lxc.net.0.ipv4.address = {self.bob.ip}/{self.bob.prefix_length}" in config


class Start(BobStep):
    name = "start"

    def _log_file(self) -> str:
        return str(layout.container_dir(self.hostcfg, self.bob.disk, self.bob.name) / START_LOG)

    async def apply(self, ctx: StepContext) -> None:
        if await self.state() == "RUNNING":
            return
        argv = commands.start(self.hostcfg, self.bob.disk, self.bob.name, self._log_file())
        try:
            await self.shell.run(argv, timeout=self.timeout)
        except CommandFailed as exc:
            tail = await self.shell.run(["tail", "-n", "15", self._log_file()], check=False)
            raise JobError(
                f"{exc}\n{tail.stdout.strip()}", job_id=ctx.job.id, step=self.name
            ) from exc

    async def undo(self, ctx: StepContext) -> None:
        if await self.state() == "RUNNING":
            await self.shell.run(commands.stop(self.hostcfg, self.bob.disk, self.bob.name))

    async def check(self, ctx: StepContext) -> bool:
        return await self.state() == "RUNNING"


class WaitReady(BobStep):
    """RUNNING, and the Bob's address answers a ping from its host."""

    name = "wait-ready"

    async def apply(self, ctx: StepContext) -> None:
        await self.shell.run(
            commands.wait_running(self.hostcfg, self.bob.disk, self.bob.name, 10), timeout=15
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not await self._answers():
            if time.monotonic() > deadline:
                raise JobError(
                    f"{self.bob.host}: {self.bob.name} is RUNNING but {self.bob.ip} does not "
                    f"answer ping after {READY_TIMEOUT_S:.0f}s",
                    job_id=ctx.job.id,
                    step=self.name,
                )
            await asyncio.sleep(0.1)

    async def _answers(self) -> bool:
        ping = ["ping", "-c", "1", "-W", "1", "-q", str(self.bob.ip)]
        return (await self.shell.run(ping, check=False)).exit_status == 0

    async def undo(self, ctx: StepContext) -> None:
        """Waiting changes nothing."""

    async def check(self, ctx: StepContext) -> bool:
        return await self.state() == "RUNNING" and await self._answers()


class Personalize(BobStep):
    """Hostname file and identity files: the clone must register as a new node, not the base."""

    name = "personalize"

    def _attach(self, *command: str) -> list[str]:
        return commands.attach(self.hostcfg, self.bob.disk, self.bob.name, command)

    async def apply(self, ctx: StepContext) -> None:
        await self.shell.run(self._attach("tee", "/etc/hostname"), input=f"{self.bob.name}\n")
        strip = self.p.fleet.bob_defaults.strip_identity
        if strip:
            await self.shell.run(self._attach("rm", "-f", *strip))
            await ctx.log(f"removed identity files: {', '.join(strip)}")

    async def undo(self, ctx: StepContext) -> None:
        """Changes inside the container go with it."""

    async def check(self, ctx: StepContext) -> bool:
        hostname = await self.shell.run(self._attach("cat", "/etc/hostname"), check=False)
        if hostname.stdout.strip() != self.bob.name:
            return False
        for path in self.p.fleet.bob_defaults.strip_identity:
            if (
                await self.shell.run(self._attach("test", "-e", path), check=False)
            ).exit_status == 0:
                return False
        return True


class Bootstrap(BobStep):
    """The configured bootstrap/converge command inside the Bob, its output in the job log."""

    name = "bootstrap"

    async def apply(self, ctx: StepContext) -> None:
        command = self.p.fleet.bob_defaults.bootstrap
        if not command:
            await ctx.log("no bootstrap command configured")
            return
        argv = commands.attach(self.hostcfg, self.bob.disk, self.bob.name, command)
        await self.shell.stream(argv, ctx.log, timeout=self.timeout)

    async def undo(self, ctx: StepContext) -> None:
        """A converge cannot be taken back; the container it ran in is removed by Clone's undo."""

    async def check(self, ctx: StepContext) -> bool:
        # Converging again is what a bootstrap tool is built for; never assume it finished.
        return False


class MarkReady(BobStep):
    name = "ready"

    async def apply(self, ctx: StepContext) -> None:
        await self.p.store.promote_reservation(self.bob.name, BobState.READY)

    async def undo(self, ctx: StepContext) -> None:
        bob = await self.p.store.get_bob(self.bob.name)
        if bob is not None and bob.job_id == ctx.job.id:
            await self.p.store.delete_bob(self.bob.name)

    async def check(self, ctx: StepContext) -> bool:
        bob = await self.p.store.get_bob(self.bob.name)
        return bob is not None and bob.state is BobState.READY and bob.job_id == ctx.job.id


CREATE_STEPS: tuple[type[BobStep], ...] = (
    Reserve,
    Clone,
    Configure,
    Start,
    WaitReady,
    Personalize,
    Bootstrap,
    MarkReady,
)


def create_steps(pipeline: Pipeline, bob: PlannedBob) -> list[Step]:
    return [step(pipeline, bob) for step in CREATE_STEPS]
