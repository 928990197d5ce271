"""The ``limit`` job: per Bob, set the cgroup files live, then keep them in its LXC config.

Each step accepts a file that holds either the value the job found (``before``) or the one it
writes (``target``) — a resumed step finds its own half-done work — and stops at anything else:
someone changed that Bob's limits since the job was planned, and undoing to ``before`` would
throw their change away. Undo writes ``before`` back, live and in the config (a config value
that was absent is removed again).
"""

from __future__ import annotations

from collections.abc import Mapping

from provisioning.errors import ConflictError
from provisioning.jobs.steps import Step, StepContext
from provisioning.limits import probe
from provisioning.limits.files import same, shown
from provisioning.limits.judge import Change
from provisioning.limits.lxcconf import configured, with_values
from provisioning.lxc import commands
from provisioning.pipeline import remote
from provisioning.pipeline.base import HostStep
from provisioning.pipeline.context import Pipeline


class LimitStep(HostStep):
    def __init__(self, pipeline: Pipeline, change: Change) -> None:
        super().__init__(pipeline, bob=change.name, host=change.host, disk=change.disk)
        self.change = change


class SetLive(LimitStep):
    """Write each cgroup file of the running Bob with ``lxc-cgroup``."""

    name = "limit-live"

    async def _live(self) -> dict[str, str]:
        c = self.change
        return (await probe.read(self.shell, self.hostcfg, c.disk, c.name, c.layout)).live

    async def _apply(self, ctx: StepContext) -> None:
        c = self.change
        if not c.running:
            if await self.container.state() == "RUNNING":
                # Its live values were never read, so an undo could not put them back.
                raise ConflictError(
                    f"{c.name} was started since the job was planned: ask for its limits again"
                )
            await ctx.log(f"{c.name} is not running: its config carries the limits to its start")
            return
        live = await self._live()
        pending = {f: v for f, v in c.target.items() if not same(f, v, live.get(f))}
        for file in pending:  # all checked before any is written
            if not same(file, c.before_live[file], live.get(file)):
                raise ConflictError(
                    f"{c.name}: {file} is {live.get(file)} now, not the {c.before_live[file]} "
                    f"this job found: its limits changed since the job was planned"
                )
        for file, value in pending.items():
            await self.shell.run(commands.cgroup(self.hostcfg, c.disk, c.name, file, value))
            await ctx.log(f"{file}: {shown(file, live.get(file))} → {shown(file, value)}")

    async def _undo(self, ctx: StepContext) -> None:
        c = self.change
        if not c.running or await self.container.state() != "RUNNING":
            return  # a stopped Bob starts from its config, which Persist's undo restored
        live = await self._live()
        for file in reversed(list(c.target)):
            before = c.before_live[file]
            if not same(file, before, live.get(file)):
                await self.shell.run(commands.cgroup(self.hostcfg, c.disk, c.name, file, before))
                await ctx.log(f"{file}: back to {shown(file, before)}")

    async def check(self, ctx: StepContext) -> bool:
        c = self.change
        if not c.running:
            return True
        live = await self._live()
        return all(same(file, value, live.get(file)) for file, value in c.target.items())


class Persist(LimitStep):
    """The same values as ``lxc.cgroup.*`` (v1) or ``lxc.cgroup2.*`` (v2) config lines."""

    name = "limit-config"

    async def _config(self) -> str:
        text = await self.container.config()
        if text is None:
            raise ConflictError(f"{self.bob_name}: {self.container.config_path} is gone")
        return text

    async def _write(self, values: Mapping[str, str | None]) -> None:
        text = await self._config()
        new = with_values(text, self.change.layout, values)
        if new != text:
            await remote.write_file(self.shell, self.container.config_path, new)

    async def _apply(self, ctx: StepContext) -> None:
        c = self.change
        now = configured(await self._config(), c.layout)
        for file, value in c.target.items():
            if now.get(file) not in (value, c.before_config[file]):
                raise ConflictError(
                    f"{c.name}: its config sets {file} to {now.get(file)}, not the "
                    f"{c.before_config[file]} this job found: changed since the job was planned"
                )
        await self._write(c.target)
        prefix = c.layout.config_prefix
        await ctx.log("kept in its config: " + ", ".join(f"{prefix}.{f}" for f in c.target))

    async def _undo(self, ctx: StepContext) -> None:
        await self._write(self.change.before_config)

    async def check(self, ctx: StepContext) -> bool:
        now = configured(await self._config(), self.change.layout)
        return all(now.get(file) == value for file, value in self.change.target.items())


def limit_steps(pipeline: Pipeline, change: Change) -> list[Step]:
    return [SetLive(pipeline, change), Persist(pipeline, change)]
