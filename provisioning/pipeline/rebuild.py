"""The rebuild-base pipeline for one host: build v(n+1) beside v(n), fix it up, verify, swap.

Steps, each with apply, undo and check (a crash resumes where the journal says):

    lock → build → devices → network → identity → services → manifest → verify → swap
    → collect → release

``lock`` picks the version number and records it on the host, so every later step (and its
undo, and a resume after a crash) knows which version this job builds. Until ``swap`` the
host's current base is untouched; if anything fails, ``build``'s undo removes the new version
and ``lock``'s undo frees the host. ``swap`` is the commit point: the verified new base stays
current even when a later host of the same job fails.
"""

from __future__ import annotations

from provisioning.bases.versions import LOCK_FILE, BaseState, Lock, version_name
from provisioning.errors import ConflictError
from provisioning.jobs.steps import Step, StepContext
from provisioning.pipeline.base_step import BaseStep
from provisioning.pipeline.build import BUILD_STEPS
from provisioning.pipeline.collect import collect_unused
from provisioning.pipeline.context import Pipeline


def version_to_build(state: BaseState, host: str, lock_path: str) -> int:
    """The version a rebuild of a host with these bases builds (the dry run shows it too);
    ConflictError while another rebuild holds the host."""
    if state.lock is not None or state.lock_text is not None:
        holder = f"job {state.lock.job_id}" if state.lock else "an unknown job"
        raise ConflictError(
            f"{host}: {holder} is rebuilding the base already; if it is not "
            f"running, remove {lock_path}"
        )
    return state.next_version()


class TakeLock(BaseStep):
    name = "lock"

    async def _apply(self, ctx: StepContext) -> None:
        state = await self.bases.state()
        if state.lock is not None and state.lock.job_id == ctx.job.id:
            return
        lock = Lock(ctx.job.id, version_to_build(state, self.host_name, self.bases.lock_path))
        if not await self.bases.take_lock(lock):
            raise ConflictError(f"{self.host_name}: another rebuild took {LOCK_FILE} just now")
        await ctx.log(
            f"{self.host_name}: building {version_name(lock.version)} beside "
            f"{state.current or 'no base yet'}"
        )

    async def _undo(self, ctx: StepContext) -> None:
        if await self.ours(ctx) is not None:
            await self.bases.drop_lock()

    async def check(self, ctx: StepContext) -> bool:
        return await self.ours(ctx) is not None


class Swap(BaseStep):
    """Point ``current`` at the new version: from now on new Bobs are cloned from it."""

    name = "swap"

    async def _apply(self, ctx: StepContext) -> None:
        lock = await self.lock(ctx)
        name = version_name(lock.version)
        before = (await self.bases.state()).current
        await self.bases.swap(name)
        await self.p.store.record_base(self.host_name, lock.version)
        await ctx.log(f"{self.host_name}: current base is {name} (was {before or 'none'})")

    # No undo: the new base was verified, and Bobs may be cloned from it the moment it is
    # current; a later failure (here or on another host) leaves it current.

    async def check(self, ctx: StepContext) -> bool:
        lock = await self.ours(ctx)
        if lock is None or (await self.bases.state()).current != version_name(lock.version):
            return False
        return (await self.p.store.base_versions()).get(self.host_name) == lock.version


class Collect(BaseStep):
    """Remove old versions no clone needs any more (overlay clones keep their lower dir)."""

    name = "collect"

    async def _apply(self, ctx: StepContext) -> None:
        await collect_unused(self.p, self.host_name, ctx, rebuild_job=ctx.job.id)

    async def check(self, ctx: StepContext) -> bool:
        return False  # collecting again removes only what is unused by then


class Release(BaseStep):
    name = "release"

    async def _apply(self, ctx: StepContext) -> None:
        await self.bases.drop_lock()

    async def check(self, ctx: StepContext) -> bool:
        return await self.ours(ctx) is None


def rebuild_steps(pipeline: Pipeline, host: str, lane: str) -> list[Step]:
    steps: list[type[BaseStep]] = [TakeLock, *BUILD_STEPS, Swap, Collect, Release]
    return [step(pipeline, host, lane) for step in steps]
