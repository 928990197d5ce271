"""The steps of locker jobs, and the lockers lanes of a create and a destroy.

A locker's volume is made on its host, then recorded; a mount is recorded first (so the rule
"read-write in one Bob unless shared" is decided in one store transaction, before anything is
mounted), then made on the host. Each step undoes only what it made: a volume only when this
job's mark is beside it, a mount only when this job recorded it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from provisioning.errors import ConflictError, UsageError
from provisioning.hosts.errors import CommandFailed
from provisioning.jobs.steps import Step, StepContext
from provisioning.lockers import commands
from provisioning.lockers.layout import has_wormhole, locker_mark, locker_path, lockers_root
from provisioning.lockers.records import LockerRecord, MountRecord
from provisioning.pipeline import remote
from provisioning.pipeline.base import HostStep
from provisioning.pipeline.context import Pipeline

# What a Bob made before lockers existed cannot take one: its config has no wormhole, and the
# mount a running container was started with cannot be added to it.
NO_WORMHOLE = (
    "{bob} was made before lockers and has no wormhole: `bob refresh {bob}` gives it one "
    "(same name, address and slot), then mount again"
)


class NewLocker(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    host: str
    size: str | None = None


class LockerMount(BaseModel):
    """A mount to make or take away, captured when the job is submitted."""

    model_config = ConfigDict(frozen=True)

    locker: str
    bob: str
    host: str
    disk: str
    read_only: bool = False
    shared: bool = False

    def record(self, job_id: str) -> MountRecord:
        return MountRecord(
            locker=self.locker,
            bob=self.bob,
            read_only=self.read_only,
            shared=self.shared,
            job_id=job_id,
        )


class LockerStep(HostStep):
    """A step on one locker (its lane) on its host."""

    def __init__(self, pipeline: Pipeline, locker: NewLocker) -> None:
        super().__init__(pipeline, bob=locker.name, host=locker.host, disk="")
        self.locker = locker
        self.lane = f"locker {locker.name}"

    def log_fields(self) -> dict[str, str | None]:
        return {"host": self.host_name, "locker": self.locker.name}


class MakeVolume(LockerStep):
    """The volume, with a mark beside it naming this job (so undo removes only its own)."""

    name = "make-volume"

    async def _apply(self, ctx: StepContext) -> None:
        path, mark = self._paths()
        if await remote.read_file(self.shell, mark) == ctx.job.id:
            if await remote.exists(self.shell, path):
                return
        elif await remote.exists(self.shell, path) or await remote.exists(self.shell, mark):
            raise ConflictError(f"{self.host_name}: {path} already exists; bob did not make it")
        await self.shell.run(["mkdir", "-p", str(lockers_root(self.hostcfg))])
        await remote.write_file(self.shell, mark, ctx.job.id)
        for argv in commands.make(self.hostcfg, self.locker.name, self.locker.size):
            await self.shell.run(argv, timeout=self.timeout)

    async def _undo(self, ctx: StepContext) -> None:
        path, mark = self._paths()
        if await remote.read_file(self.shell, mark) != ctx.job.id:
            return
        if await remote.exists(self.shell, path):
            for argv in commands.remove(self.hostcfg, self.locker.name):
                await self.shell.run(argv, timeout=self.timeout)
        await self.shell.run(["rm", "-f", mark])

    async def check(self, ctx: StepContext) -> bool:
        path, mark = self._paths()
        mine = await remote.read_file(self.shell, mark) == ctx.job.id
        return mine and await remote.exists(self.shell, path)

    def _paths(self) -> tuple[str, str]:
        return (
            str(locker_path(self.hostcfg, self.locker.name)),
            str(locker_mark(self.hostcfg, self.locker.name)),
        )


class RecordLocker(LockerStep):
    name = "record"
    on_host = False

    async def _apply(self, ctx: StepContext) -> None:
        if await self.check(ctx):
            return
        await self.p.store.add_locker(
            LockerRecord(
                name=self.locker.name,
                host=self.locker.host,
                backend=commands.volume_kind(self.hostcfg),
                size=self.locker.size,
                job_id=ctx.job.id,
                created_at=datetime.now(UTC),
            )
        )

    async def _undo(self, ctx: StepContext) -> None:
        if await self.check(ctx):
            await self.p.store.delete_locker(self.locker.name)

    async def check(self, ctx: StepContext) -> bool:
        record = await self.p.store.get_locker(self.locker.name)
        return record is not None and record.job_id == ctx.job.id


class RemoveVolume(LockerStep):
    """Deletes the locker and its data: refused while any mount of it is recorded or seen."""

    name = "remove-volume"
    patient = True

    async def _apply(self, ctx: StepContext) -> None:
        mounts = await self.p.store.locker_mounts(locker=self.locker.name)
        if mounts:
            raise ConflictError(
                f"locker {self.locker.name} is mounted into {', '.join(m.bob for m in mounts)}: "
                "unmount it first"
            )
        if await remote.exists(self.shell, str(locker_path(self.hostcfg, self.locker.name))):
            for argv in commands.remove(self.hostcfg, self.locker.name):
                await self.shell.run(argv, timeout=self.timeout)
        await self.shell.run(["rm", "-f", str(locker_mark(self.hostcfg, self.locker.name))])

    # Data deleted cannot come back: no undo.

    async def check(self, ctx: StepContext) -> bool:
        path = str(locker_path(self.hostcfg, self.locker.name))
        return not await remote.exists(self.shell, path)


class ForgetLocker(LockerStep):
    name = "forget"
    patient = True
    on_host = False

    async def _apply(self, ctx: StepContext) -> None:
        await self.p.store.delete_locker(self.locker.name)

    async def check(self, ctx: StepContext) -> bool:
        return await self.p.store.get_locker(self.locker.name) is None


class MountStep(HostStep):
    """A step on one mount: its lane is the Bob's, so two mounts into one Bob go in turn."""

    def __init__(self, pipeline: Pipeline, mount: LockerMount) -> None:
        super().__init__(pipeline, bob=mount.bob, host=mount.host, disk=mount.disk)
        self.mount = mount

    def log_fields(self) -> dict[str, str | None]:
        return {"host": self.host_name, "bob": self.bob_name, "locker": self.mount.locker}

    async def mounted(self) -> bool:
        argv = commands.is_mounted(self.hostcfg, self.mount.locker, self.mount.bob)
        return (await self.shell.run(argv, check=False)).exit_status == 0

    async def make_mount(self) -> None:
        config = await self.container.config() or ""
        if not has_wormhole(config, self.hostcfg, self.mount.bob):
            raise UsageError(NO_WORMHOLE.format(bob=self.mount.bob))
        argv = commands.mount(
            self.hostcfg, self.mount.locker, self.mount.bob, read_only=self.mount.read_only
        )
        try:
            await self.shell.run(argv, timeout=self.timeout)
        except CommandFailed as exc:
            if exc.exit_status == 3:  # configured, but not started since: no wormhole yet
                raise UsageError(NO_WORMHOLE.format(bob=self.mount.bob)) from exc
            raise

    async def take_mount(self) -> None:
        argv = commands.unmount(self.hostcfg, self.mount.locker, self.mount.bob)
        await self.shell.run(argv, timeout=self.timeout)


class RecordMount(MountStep):
    name = "record-mount"
    on_host = False

    async def _apply(self, ctx: StepContext) -> None:
        if not await self.check(ctx):
            await self.p.store.add_locker_mount(self.mount.record(ctx.job.id))

    async def _undo(self, ctx: StepContext) -> None:
        if await self.check(ctx):
            await self.p.store.delete_locker_mount(self.mount.locker, self.mount.bob)

    async def check(self, ctx: StepContext) -> bool:
        found = await self.p.store.locker_mounts(locker=self.mount.locker, bob=self.mount.bob)
        return any(m.job_id == ctx.job.id for m in found)


class MountIntoBob(MountStep):
    name = "mount"

    async def _apply(self, ctx: StepContext) -> None:
        await self.make_mount()
        where = "read-only" if self.mount.read_only else "read-write"
        await ctx.log(
            f"{self.mount.locker} at /lockers/{self.mount.locker} in {self.bob_name}, {where}"
        )

    async def _undo(self, ctx: StepContext) -> None:
        await self.take_mount()

    async def check(self, ctx: StepContext) -> bool:
        return await self.mounted()


class UnmountFromBob(MountStep):
    name = "unmount"

    async def _apply(self, ctx: StepContext) -> None:
        await self.take_mount()

    async def _undo(self, ctx: StepContext) -> None:
        if not await self.mounted():
            await self.make_mount()

    async def check(self, ctx: StepContext) -> bool:
        return not await self.mounted()


class ForgetMount(MountStep):
    name = "forget-mount"

    async def _apply(self, ctx: StepContext) -> None:
        await self.p.store.delete_locker_mount(self.mount.locker, self.mount.bob)

    async def _undo(self, ctx: StepContext) -> None:
        if not await self.p.store.locker_mounts(locker=self.mount.locker, bob=self.mount.bob):
            await self.p.store.add_locker_mount(self.mount.record(ctx.job.id))

    async def check(self, ctx: StepContext) -> bool:
        return not await self.p.store.locker_mounts(locker=self.mount.locker, bob=self.mount.bob)


def create_steps(pipeline: Pipeline, locker: NewLocker) -> list[Step]:
    return [MakeVolume(pipeline, locker), RecordLocker(pipeline, locker)]


def destroy_steps(pipeline: Pipeline, locker: NewLocker) -> list[Step]:
    return [RemoveVolume(pipeline, locker), ForgetLocker(pipeline, locker)]


def mount_steps(pipeline: Pipeline, mount: LockerMount) -> list[Step]:
    return [RecordMount(pipeline, mount), MountIntoBob(pipeline, mount)]


def unmount_steps(pipeline: Pipeline, mount: LockerMount) -> list[Step]:
    return [UnmountFromBob(pipeline, mount), ForgetMount(pipeline, mount)]
