"""What a Bob's own create and destroy do about lockers.

At create, once the Bob runs: the locker named like it, and the configured shared lockers
(``bob_defaults.lockers``), where its host has them. At destroy, once it stopped: its wormhole
is closed (every locker unmounted from it) and its mounts forgotten; the lockers stay.
"""

from __future__ import annotations

from provisioning.core.models import PlannedBob
from provisioning.errors import ConflictError
from provisioning.jobs.steps import StepContext
from provisioning.lockers import commands
from provisioning.lockers.steps import LockerMount, MountIntoBob
from provisioning.pipeline.base import DEFAULT_TIMEOUT_S, HostStep
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.destroy import Doomed


class MountOwnLockers(HostStep):
    name = "lockers"

    def __init__(self, pipeline: Pipeline, bob: PlannedBob) -> None:
        super().__init__(pipeline, bob=bob.name, host=bob.host, disk=bob.disk)
        self.bob = bob

    async def _wanted(self) -> list[LockerMount]:
        here = {lk.name for lk in await self.p.store.list_lockers() if lk.host == self.bob.host}
        wanted = [(self.bob.name, False)] if self.bob.name in here else []
        wanted += [(n, True) for n in self.p.fleet.bob_defaults.lockers if n in here]
        return [
            LockerMount(
                locker=name,
                bob=self.bob.name,
                host=self.bob.host,
                disk=self.bob.disk,
                shared=shared,
            )
            for name, shared in wanted
            if name != self.bob.name or not shared
        ]

    async def _apply(self, ctx: StepContext) -> None:
        for mount in await self._wanted():
            recorded = await self.p.store.locker_mounts(locker=mount.locker, bob=mount.bob)
            if not recorded:
                try:
                    await self.p.store.add_locker_mount(mount.record(ctx.job.id))
                except ConflictError as exc:
                    await ctx.log(f"locker {mount.locker} not mounted: {exc}")
                    continue
            step = MountIntoBob(self.p, mount)
            if not await step.mounted():
                await step.make_mount()
            await ctx.log(f"locker {mount.locker} at /lockers/{mount.locker}")

    async def _undo(self, ctx: StepContext) -> None:
        for record in await self.p.store.locker_mounts(bob=self.bob.name):
            if record.job_id != ctx.job.id:
                continue
            mount = LockerMount(
                locker=record.locker, bob=self.bob.name, host=self.bob.host, disk=self.bob.disk
            )
            await MountIntoBob(self.p, mount).take_mount()
            await self.p.store.delete_locker_mount(record.locker, record.bob)
        # The Bob goes with this undo: so does the wormhole its start made (a new Bob's is
        # empty but for this job's mounts, just taken out).
        await self.shell.run(commands.close_wormhole(self.hostcfg, self.bob_name))

    async def check(self, ctx: StepContext) -> bool:
        return False  # mounting again skips what is mounted


class CloseWormhole(HostStep):
    """After the Bob stopped: unmount every locker from its wormhole, forget its mounts. The
    lockers themselves, and their data, stay."""

    name = "lockers"
    patient = True

    def __init__(self, pipeline: Pipeline, bob: Doomed) -> None:
        super().__init__(
            pipeline, bob=bob.name, host=bob.host, disk=bob.disk, timeout=DEFAULT_TIMEOUT_S
        )

    async def _apply(self, ctx: StepContext) -> None:
        await self.shell.run(commands.close_wormhole(self.hostcfg, self.bob_name))
        for record in await self.p.store.locker_mounts(bob=self.bob_name):
            await self.p.store.delete_locker_mount(record.locker, record.bob)
            await ctx.log(f"locker {record.locker} unmounted (kept on {self.host_name})")

    async def check(self, ctx: StepContext) -> bool:
        return False  # closing again is a no-op
