"""The refresh pipeline: a Bob replaced by a clone of its host's current base, in place.

Same name, disk, slot and address; an agent is taken off its controller first (drained,
running builds waited for, node removed) and put back with the same label last. The old
container is never destroyed before the new one is ready: it is stopped and its directory
moved aside (``{disk}/.{name}.bob-refresh.{job}/{name}``, beside it on the same filesystem,
where LXC does not look for containers), the new one is made under the name by create's own
steps (all but reserve and ready: clone, configure, start, wait-ready, personalize,
bootstrap), and only once it is ready, its agent back and its record saying so is the old
directory removed.

Undone, each step puts back what it changed in reverse: the new container goes, the old
directory moves back (its config, rootfs and overlay paths are exactly as they were), the old
container starts and answers ping again, its agent comes back online with its label, and the
record says ready with the job that made it. Bobs are refreshed one after another in a lane;
a Bob whose refresh finished stays refreshed when a later Bob in its lane fails (see
:class:`KeepWhenDone`).
"""

from __future__ import annotations

from provisioning.bases.versions import version_in_config
from provisioning.core.models import PlannedBob
from provisioning.errors import ConflictError
from provisioning.hosts.errors import CommandFailed, HostError
from provisioning.jobs.steps import Step, StepContext
from provisioning.lxc.layout import disk_path
from provisioning.pipeline import remote
from provisioning.pipeline.base import DEFAULT_TIMEOUT_S, HostStep
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import CREATE_STEPS, MarkReady, Reserve, Start, WaitReady
from provisioning.pipeline.destroy import CollectBases, Doomed
from provisioning.pipeline.jenkins_steps import (
    AgentRef,
    AttachNode,
    DrainNode,
    RemoveNode,
    WaitIdle,
)
from provisioning.records import BobState

# The old container's directory goes to {disk}/.{name}.bob-refresh.{job}/{name}: a hidden
# directory of its own (LXC lists only directories holding a config, and bob's scans skip
# hidden ones), on the same filesystem (a rename, never a copy), one per Bob and job (removing
# it never races another lane's).
ASIDE_SUFFIX = "bob-refresh"
# Fixed scripts; paths arrive as arguments. Exit 3: the place to move to is taken.
_TAKEN = 3
_SET_ASIDE = 'mkdir -p "$3" && { [ -e "$2" ] && exit 3; mv -T "$1" "$2"; }'
_PUT_BACK = """
if [ -e "$1" ]; then [ -e "$2" ] && exit 3; mv -T "$1" "$2" || exit 1; echo moved; fi
[ ! -d "$3" ] || rmdir "$3"
"""
# LXC notes each snapshot clone in its base's lxc_snapshots (a lxcpath line and a name line)
# and refuses to destroy a base while any is noted; lxc-destroy of a clone takes its line pair
# out again. The old container cannot go through lxc-destroy (its config names the paths the
# new container holds now), so its pair is taken out here, once: its lxc_rdepends, which names
# the base, goes right after. A btrfs clone's rootfs is a subvolume, which
# `rm --one-file-system` does not cross. Lanes refreshing Bobs of one base edit its file one at
# a time (flock on the base's directory).
_FORGET_CLONE = """
L="$2" N="$3" awk 'NR % 2 == 1 { path = $0; next }
  !done && path == ENVIRON["L"] && $0 == ENVIRON["N"] { done = 1; next }
  { print path; print }
  END { if (NR % 2 == 1) print path }' "$1" > "$1.bob-tmp" &&
mv -f "$1.bob-tmp" "$1" && { [ -s "$1" ] || rm -f "$1"; }
"""
_REMOVE_ASIDE = """
if [ -f "$1/lxc_rdepends" ]; then
  { read -r base_lxcpath; read -r base_name; } < "$1/lxc_rdepends"
  base="$base_lxcpath/$base_name"
  if [ -f "$base/lxc_snapshots" ]; then
    flock "$base" sh -c "$6" forget "$base/lxc_snapshots" "$4" "$5" || exit 1
  fi
  rm -f "$1/lxc_rdepends" || exit 1
fi
if [ "$2" = btrfs ] && [ -d "$1/rootfs" ] && btrfs subvolume show "$1/rootfs" >/dev/null 2>&1
then btrfs subvolume delete "$1/rootfs" >/dev/null || exit 1
fi
rm -rf --one-file-system "$3"
[ ! -e "$3" ]
"""


class Refreshed(PlannedBob):
    """One Bob to refresh, as bob's records had it when the job was submitted: its placement
    (what create's steps need to make it again) and what the refresh must give back."""

    job_id: str | None  # the job that made the old container (the record names it again on undo)
    base_version: int | None
    controller: str | None = None
    label: str | None = None

    def planned(self) -> PlannedBob:
        """The Bob as create's steps know one: same name, slot and address."""
        return PlannedBob.model_validate(self.model_dump(include=set(PlannedBob.model_fields)))

    def agent(self) -> AgentRef | None:
        if self.controller is None:
            return None
        return AgentRef(
            name=self.name,
            host=self.host,
            disk=self.disk,
            ip=self.ip,
            controller=self.controller,
            label=self.label,
        )


def aside_path(pipeline: Pipeline, bob: Refreshed, job_id: str) -> str:
    disk = disk_path(pipeline.host(bob.host), bob.disk)
    return str(disk / f".{bob.name}.{ASIDE_SUFFIX}.{job_id}" / bob.name)


class RefreshStep(HostStep):
    def __init__(
        self, pipeline: Pipeline, bob: Refreshed, timeout: float | None = DEFAULT_TIMEOUT_S
    ) -> None:
        super().__init__(pipeline, bob=bob.name, host=bob.host, disk=bob.disk, timeout=timeout)
        self.bob = bob

    def aside(self, ctx: StepContext) -> str:
        return aside_path(self.p, self.bob, ctx.job.id)


class MarkRefreshing(RefreshStep):
    """The record names this job and says the Bob is being made, so no attach picks it, no
    destroy or other refresh takes it meanwhile, and reconcile leaves it to this job."""

    name = "mark-refreshing"
    on_host = False

    async def _apply(self, ctx: StepContext) -> None:
        record = await self.p.store.get_bob(self.bob.name)
        if record is None or (record.host, record.disk) != (self.bob.host, self.bob.disk):
            raise ConflictError(f"{self.bob.name} is no longer where the job found it")
        if record.state is not BobState.READY and record.job_id != ctx.job.id:
            raise ConflictError(f"{self.bob.name} is {record.state.value} (job {record.job_id})")
        await self.p.store.set_bob_state(self.bob.name, BobState.CREATING, job_id=ctx.job.id)
        version = f"base v{self.bob.base_version}" if self.bob.base_version else "its base"
        await ctx.log(
            f"{self.bob.name}: refreshing on {self.bob.host}/{self.bob.disk} ({self.bob.ip}, "
            f"from {version})"
        )

    async def _undo(self, ctx: StepContext) -> None:
        record = await self.p.store.get_bob(self.bob.name)
        if record is not None and record.job_id == ctx.job.id:
            await self.p.store.set_bob_state(
                self.bob.name, BobState.READY, job_id=self.bob.job_id or ctx.job.id
            )

    async def check(self, ctx: StepContext) -> bool:
        record = await self.p.store.get_bob(self.bob.name)
        return record is not None and record.job_id == ctx.job.id


class StopOld(RefreshStep):
    """Stop the old container; undone, it runs again and answers ping, as before the job."""

    name = "stop-old"

    async def _apply(self, ctx: StepContext) -> None:
        await self.container.stop()
        # Never moved aside while it runs: its directory would go from under it.
        state = await self.container.state()
        if state not in (None, "STOPPED"):
            raise HostError(
                f"{self.host_name}: {self.container.where} is still {state} after lxc-stop",
                host=self.host_name,
            )

    async def _undo(self, ctx: StepContext) -> None:
        if not await self.container.exists():
            raise ConflictError(f"the old {self.bob.name} is not in {self.container.where}")
        planned = self.bob.planned()
        await Start(self.p, planned).apply(ctx)
        await WaitReady(self.p, planned).apply(ctx)

    async def check(self, ctx: StepContext) -> bool:
        return await self.container.state() in (None, "STOPPED")


class SetAside(RefreshStep):
    """Move the stopped old container's directory aside, whole; the name is free for the new
    one. Nothing in it is changed, so moving it back restores the old Bob exactly."""

    name = "set-aside"

    async def _apply(self, ctx: StepContext) -> None:
        aside = self.aside(ctx)
        parent = aside.rsplit("/", 1)[0]
        argv = ["sh", "-c", _SET_ASIDE, "sh", self.container.directory, aside, parent]
        result = await self.shell.run(argv, check=False, timeout=self.timeout)
        if result.exit_status == 0:
            return
        if result.exit_status == _TAKEN and not await self.container.exists():
            return  # moved by an earlier attempt whose answer was lost
        raise CommandFailed(
            host=self.host_name,
            argv=argv,
            exit_status=result.exit_status,
            stderr=result.stderr or f"{aside} exists already",
            stdout=result.stdout,
        )

    async def _undo(self, ctx: StepContext) -> None:
        aside = self.aside(ctx)
        parent = aside.rsplit("/", 1)[0]
        argv = ["sh", "-c", _PUT_BACK, "sh", aside, self.container.directory, parent]
        result = await self.shell.run(argv, check=False, timeout=self.timeout)
        if result.exit_status == _TAKEN:
            raise ConflictError(
                f"the old {self.bob.name} stays in {aside}: {self.container.where} is taken"
            )
        if result.exit_status != 0:
            raise CommandFailed(
                host=self.host_name,
                argv=argv,
                exit_status=result.exit_status,
                stderr=result.stderr,
                stdout=result.stdout,
            )
        if "moved" in result.stdout:
            await ctx.log(f"{self.bob.name}: the old container is back in {self.container.where}")

    async def check(self, ctx: StepContext) -> bool:
        aside = await remote.exists(self.shell, self.aside(ctx))
        return aside and not await self.container.exists()


class MarkRefreshed(RefreshStep):
    """The record says ready, made by this job, from the base the clone came from. From here
    the refresh is done (see :class:`KeepWhenDone`)."""

    name = "ready"
    on_host = False

    async def _apply(self, ctx: StepContext) -> None:
        key = (ctx.job.id, self.bob.name)
        version = self.p.cloned_from.pop(key, None)
        if version is None:  # resumed in another process: the clone's config says
            version = version_in_config(await self.container.config() or "")
        await self.p.store.mark_refreshed(self.bob.name, job_id=ctx.job.id, base_version=version)
        if version is not None:
            await self.p.store.record_base(self.bob.host, version)
        was = f"v{self.bob.base_version}" if self.bob.base_version else "?"
        now = f"v{version}" if version is not None else "?"
        await ctx.log(f"{self.bob.name}: ready on base {now} (was {was})")

    async def check(self, ctx: StepContext) -> bool:
        return await refresh_done(self.p, self.bob.name, ctx)


class RemoveOld(RefreshStep):
    """Remove the old container's directory. It runs once the refresh is done (the new Bob
    ready and recorded), so a failure here undoes nothing: the new Bob stays, and the error
    names what is left of the old one."""

    name = "remove-old"
    patient = True

    async def _apply(self, ctx: StepContext) -> None:
        aside = self.aside(ctx)
        parent = aside.rsplit("/", 1)[0]
        backend = self.hostcfg.storage.backend
        lxcpath = str(disk_path(self.hostcfg, self.bob.disk))
        argv = [
            *("sh", "-c", _REMOVE_ASIDE, "sh", aside, backend, parent),
            *(lxcpath, self.bob.name, _FORGET_CLONE),
        ]
        try:
            await self.shell.run(argv, timeout=self.timeout)
        except CommandFailed as exc:
            raise HostError(
                f"{self.host_name}: the new {self.bob.name} is ready; what is left of the old "
                f"one in {parent} is to be removed by hand: {exc.stderr.strip() or exc}",
                host=self.host_name,
            ) from exc

    async def check(self, ctx: StepContext) -> bool:
        return not await remote.exists(self.shell, self.aside(ctx).rsplit("/", 1)[0])


class TakeOffNode(RemoveNode):
    """Remove the drained, idle agent; undone, the agent is made again as it was."""

    async def _undo(self, ctx: StepContext) -> None:
        await AttachNode(self.p, self.agent).apply(ctx)


async def refresh_done(pipeline: Pipeline, name: str, ctx: StepContext) -> bool:
    record = await pipeline.store.get_bob(name)
    return record is not None and record.state is BobState.READY and record.job_id == ctx.job.id


class KeepWhenDone(Step):
    """One step of a Bob's refresh whose undo does nothing once that Bob's refresh is done.

    A lane refreshes its Bobs one after another; when a later Bob fails, the lane is undone
    from its last step back, and a Bob refreshed before it must stay refreshed, not be taken
    back to a container that is gone.
    """

    def __init__(self, pipeline: Pipeline, bob: str, inner: Step, lane: str) -> None:
        self.p = pipeline
        self.bob = bob
        self.inner = inner
        self.name = inner.name
        self.host = inner.host
        self.timeout = inner.timeout
        self.lane = inner.lane = lane

    def log_fields(self) -> dict[str, str | None]:
        return {**self.inner.log_fields(), "bob": self.bob}

    async def apply(self, ctx: StepContext) -> None:
        await self.inner.apply(ctx)

    async def undo(self, ctx: StepContext) -> None:
        if await refresh_done(self.p, self.bob, ctx):
            return
        await self.inner.undo(ctx)

    async def check(self, ctx: StepContext) -> bool:
        return await self.inner.check(ctx)


# The name, slot and address are the Bob's already (no reservation), and its record is made
# ready by MarkRefreshed: every other step of a create makes the new container.
_NOT_FOR_REFRESH = (Reserve, MarkReady)


def refresh_steps(pipeline: Pipeline, bob: Refreshed, *, lane: str, wait: float) -> list[Step]:
    """The Bob's steps, in the lane ``lane``; ``wait``: how long to let an agent's running
    builds finish before the refresh gives up on this Bob (its agent back online)."""
    planned = bob.planned()
    agent = bob.agent()
    reason = f"bob: refreshing {bob.name} onto the current base"
    drain: list[Step] = []
    attach: list[Step] = []
    if agent is not None:
        then = "it is back online; refresh it again when it is idle, or with --wait"
        drain = [
            DrainNode(pipeline, agent, reason, restore_on_undo=True),
            WaitIdle(pipeline, agent, wait, then),
            TakeOffNode(pipeline, agent),
        ]
        attach = [AttachNode(pipeline, agent)]
    doomed = Doomed(name=bob.name, host=bob.host, disk=bob.disk, ip=bob.ip)
    steps: list[Step] = [
        MarkRefreshing(pipeline, bob),
        *drain,
        StopOld(pipeline, bob),
        SetAside(pipeline, bob),
        *(step(pipeline, planned) for step in CREATE_STEPS if step not in _NOT_FOR_REFRESH),
        *attach,
        MarkRefreshed(pipeline, bob),
        RemoveOld(pipeline, bob),
        CollectBases(pipeline, doomed),
    ]
    return [KeepWhenDone(pipeline, bob.name, step, lane) for step in steps]


def refresh_lanes(names: list[str], parallel: int) -> dict[str, str]:
    """Bob → lane: ``parallel`` lanes, Bobs dealt round-robin in the order given, so at most
    ``parallel`` Bobs are refreshed at once and each lane takes its Bobs one at a time."""
    lanes = max(1, min(parallel, len(names)))
    return {
        name: "refresh" if lanes == 1 else f"refresh-{index % lanes + 1}"
        for index, name in enumerate(names)
    }
