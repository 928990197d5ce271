"""The create pipeline: one lane per Bob, each step with apply, undo and check.

The name, slot and address were reserved in the store when the job was submitted; the lane
turns that reservation into a running, bootstrapped container and finally a ready Bob. Undone,
it removes the container first and gives the name, slot and address back last, and only once
the container is provably gone: they are never handed out while a container may still use them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Literal

from provisioning.bases.versions import base_marker, version_in_config, version_of
from provisioning.core.models import PlannedBob
from provisioning.errors import ConflictError
from provisioning.hosts.errors import CommandFailed, HostError
from provisioning.jobs.steps import StepContext
from provisioning.lockers.wormholes import bob_mounts, install_hook
from provisioning.lxc import commands
from provisioning.lxc.config import Autostart, NetworkSpec, owner_of, render
from provisioning.lxc.layout import base_dir, base_path
from provisioning.pipeline import identity, readiness, remote
from provisioning.pipeline.base import DEFAULT_TIMEOUT_S, HostStep
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.host_bases import HostBases
from provisioning.pipeline.lxc_log import START_LOG
from provisioning.pipeline.ready import READY_TIMEOUT_S, WAIT_RUNNING_S, wait_ready
from provisioning.records import BobState

__all__ = ["CREATE_STEPS", "START_LOG", "BobStep"]


class BobStep(HostStep):
    """A step of one new Bob's lane, from its planned name, slot and address."""

    def __init__(
        self, pipeline: Pipeline, bob: PlannedBob, timeout: float | None = DEFAULT_TIMEOUT_S
    ) -> None:
        super().__init__(pipeline, bob=bob.name, host=bob.host, disk=bob.disk, timeout=timeout)
        self.bob = bob

    async def address(self, ctx: StepContext) -> ipaddress.IPv4Address:
        """The address the Bob holds now: the plan's, unless DNS made the job move it."""
        for held in await self.p.store.list_reservations(ctx.job.id):
            if held.name == self.bob.name and held.ip is not None:
                return held.ip
        record = await self.p.store.get_bob(self.bob.name)
        if record is not None and record.job_id == ctx.job.id and record.ip is not None:
            return record.ip
        return self.bob.ip

    def mine(self, ctx: StepContext) -> tuple[str, str]:
        """The owner mark (name, job id) Clone writes into the container's config."""
        return (self.bob.name, ctx.job.id)


class Reserve(BobStep):
    """The reservation was made with the job; undoing it frees the name, slot and address."""

    name = "reserve"
    on_host = False  # its undo asks the host only whether the container is gone
    from_submission = True

    async def _apply(self, ctx: StepContext) -> None:
        held = {r.name for r in await self.p.store.list_reservations(ctx.job.id)}
        if self.bob.name not in held and await self.p.store.get_bob(self.bob.name) is None:
            raise ConflictError(f"the reservation for {self.bob.name} is gone")

    async def _undo(self, ctx: StepContext) -> None:
        # An unreachable host raises (and is retried): the reservation then stays held.
        if await self.container.exists():
            raise ConflictError(
                f"{self.container.where} is still on the host, so its name, slot and address "
                "stay reserved"
            )
        await self.p.store.release_reservations(ctx.job.id, [self.bob.name])
        record = await self.p.store.get_bob(self.bob.name)
        if record is not None and record.job_id == ctx.job.id:
            await self.p.store.delete_bob(self.bob.name)  # what MarkReady's undo left held

    async def check(self, ctx: StepContext) -> bool:
        return any(
            r.name == self.bob.name for r in await self.p.store.list_reservations(ctx.job.id)
        )


class Clone(BobStep):
    """Clone the host's base into the Bob's disk and tag it with the job that made it.

    The tag (a marker line in the config) can only be written once lxc-copy is done, so a mark
    beside the container (``.NAME.bob-clone``, holding the job id) is written before lxc-copy
    starts and removed after the tag. A container is this job's when it carries this job's tag,
    or no tag but this job's mark (a clone cut off by a crash). Any other container of that name
    was there before (made by hand, by an older system, by another job) and is never touched.
    """

    name = "clone"

    async def _apply(self, ctx: StepContext) -> None:
        # The usual case, a free name, costs one round trip for "exists? if not, mark".
        if not await self.container.mark_if_absent(ctx.job.id):
            owner = await self._owner(ctx)
            if owner is None:
                raise ConflictError(
                    f"a container {self.container.where} already exists; this job did not make it"
                )
            if owner == "tagged":
                await self.container.unmark()
                return
            await self.container.remove()  # our own clone, cut off before its tag: start over
            await self.container.mark(ctx.job.id)
        base = await self._current_base(ctx)
        for argv in commands.clone(self.hostcfg, self.bob.disk, self.bob.name, base):
            await self.shell.run(argv, timeout=self.timeout)
        tag = f"{base_marker(base)}\n# bob: managed by bob: name={self.bob.name} job={ctx.job.id}\n"
        config = await self.container.tag_and_unmark(tag)
        key = (ctx.job.id, self.bob.name)
        self.p.cloned_from[key] = version_of(base)
        self.p.clone_configs[key] = config  # Configure starts from it instead of reading it back

    async def _current_base(self, ctx: StepContext) -> str:
        """The base version new clones start from, read once per job and host: the clone and
        the version it records are the same even if a rebuild swaps the pointer meanwhile (an
        old version stays while this job's reservations exist, so cloning from it is fine)."""
        key = (ctx.job.id, self.host_name)
        async with self.p.bases_lock:
            if key not in self.p.current_bases:
                state = await HostBases(self.shell, self.hostcfg).state()
                if state.current is None:
                    raise HostError(
                        f"{self.host_name}: no base to clone from in {base_path(self.hostcfg)}",
                        host=self.host_name,
                    )
                self.p.current_bases[key] = state.current
            return self.p.current_bases[key]

    async def _owner(self, ctx: StepContext) -> Literal["tagged", "marked"] | None:
        """How the existing container is this job's, or None when it is not."""
        owner = owner_of(await self.container.config() or "")
        if owner == self.mine(ctx):
            return "tagged"
        if owner is None and await self.container.marked_by() == ctx.job.id:
            return "marked"
        return None

    async def _undo(self, ctx: StepContext) -> None:
        if await self.container.exists():
            if await self._owner(ctx) is None:
                await ctx.log(f"left {self.container.where} alone: this job did not make it")
                return
            await self.container.remove()
        if await self.container.marked_by() == ctx.job.id:
            await self.container.unmark()

    async def check(self, ctx: StepContext) -> bool:
        # A mark still there means the step stopped between tag and unmark: apply finishes it.
        config = await self.container.config()
        return (
            config is not None
            and owner_of(config) == self.mine(ctx)
            and await self.container.marked_by() is None
        )


class Configure(BobStep):
    """Network (veth on the bridge, static address, gateway), cgroup limits and hooks."""

    name = "configure"

    async def _apply(self, ctx: StepContext) -> None:
        base = self.p.clone_configs.pop((ctx.job.id, self.bob.name), None)
        if base is None:  # resumed in another process, or applied again: read it back
            base = await self.container.config()
        if base is None:
            raise HostError(
                f"{self.host_name}: {self.container.config_path} is missing", host=self.host_name
            )
        defaults = self.p.fleet.bob_defaults
        address = await self.address(ctx)
        rootfs = commands.rootfs_of(self.hostcfg, self.bob.disk, self.bob.name)
        text = render(
            base,
            name=self.bob.name,
            job_id=ctx.job.id,
            network=NetworkSpec(
                bridge=self.hostcfg.bridge,
                address=address,
                prefix_length=self.bob.prefix_length,
                gateway=self.bob.gateway,
            ),
            limits=defaults.cgroup,
            layout=await self.p.cgroup_layout(self.bob.host),
            hooks={str(kind): path for kind, path in defaults.hooks.items()},
            autostart=self._autostart(),
            rootfs_path=f"dir:{rootfs}" if self.hostcfg.storage.backend == "lvm" else None,
            mounts=bob_mounts(self.hostcfg, self.bob.name, defaults.host_paths),
        )
        await install_hook(self.shell, self.hostcfg)
        await remote.write_file(self.shell, self.container.config_path, text)

    def _autostart(self) -> Autostart:
        """After a reboot, the Bobs of one disk come back in slot order, the disk's delay apart."""
        disk = next(d for d in self.hostcfg.disks if d.name == self.bob.disk)
        return Autostart(order=self.bob.slot, delay=disk.start_delay)

    # No undo of its own: the file goes with the container (Clone's undo).

    async def check(self, ctx: StepContext) -> bool:
        config = await self.container.config() or ""
        address = await self.address(ctx)
        return f"lxc.net.0.ipv4.address = {address}/{self.bob.prefix_length}" in config


class Start(BobStep):
    name = "start"

    async def _apply(self, ctx: StepContext) -> None:
        try:
            await self.container.start()
        except CommandFailed as exc:
            # The log is the only place LXC says why, and it goes with the container on undo.
            detail = await self.container.start_log_excerpt()
            raise self.failure(ctx, exc, detail=detail) from exc

    async def _undo(self, ctx: StepContext) -> None:
        await self.container.stop()

    async def check(self, ctx: StepContext) -> bool:
        return await self.container.state() == "RUNNING"


class Identity(BobStep):
    """A fresh machine-id and fresh SSH host keys (of each type the base has), written into
    the stopped clone so that it boots as itself, never as its base (see ``identity``)."""

    name = "identity"

    async def _layers(self) -> identity.Layers:
        config = await self.container.config() or ""
        base = identity.base_name_in_config(config)
        if base is None:
            raise HostError(
                f"{self.host_name}: {self.container.config_path} does not say which base "
                f"{self.bob.name} was cloned from",
                host=self.host_name,
            )
        try:
            return identity.layers(config, base_dir(self.hostcfg, base) / "rootfs")
        except identity.UnsupportedRootfs as exc:
            raise HostError(
                f"{self.host_name}: cannot give {self.bob.name} its own identity: {exc}",
                host=self.host_name,
            ) from exc

    async def _apply(self, ctx: StepContext) -> None:
        # Safe to repeat while the clone is stopped: a new id and new keys replace the last.
        machine_id = identity.new_machine_id()
        argv = identity.apply_argv(await self._layers(), machine_id, self.bob.name)
        made = await self.shell.run(argv, timeout=self.timeout)
        keys = identity.key_summary(made.stdout)
        await ctx.log(
            f"machine-id {machine_id}; " + (f"new SSH host keys: {keys}" if keys else "no sshd")
        )

    # The files go with the container (Clone's undo).

    async def check(self, ctx: StepContext) -> bool:
        argv = identity.check_argv(await self._layers())
        return (await self.shell.run(argv, check=False)).exit_status == 0


class WaitReady(BobStep):
    """RUNNING, the Bob's address answers a ping from its host, then the readiness probe:
    booted as its init says (systemd), or as the configured command says."""

    name = "wait-ready"

    def __init__(self, pipeline: Pipeline, bob: PlannedBob) -> None:
        self.readiness = pipeline.fleet.bob_defaults.readiness
        # Each wait is bounded on its own; the step's timeout only backs them up.
        bound = WAIT_RUNNING_S + 5 + READY_TIMEOUT_S + self.readiness.timeout_s + 30
        super().__init__(pipeline, bob, timeout=max(DEFAULT_TIMEOUT_S, bound))

    async def _apply(self, ctx: StepContext) -> None:
        await wait_ready(self.container, await self.address(ctx), READY_TIMEOUT_S)
        try:
            booted = await readiness.wait_booted(self._in_bob, self.readiness)
        except readiness.NotBooted as exc:
            raise HostError(
                f"{self.host_name}: {self.bob.name} has not booted (probe {exc.probe}): "
                f"{exc.reason}",
                host=self.host_name,
            ) from exc
        await ctx.log(booted.summary)

    async def _in_bob(self, argv: Sequence[str], seconds: float) -> readiness.Answer:
        result = await self.shell.run(
            commands.attach(self.hostcfg, self.bob.disk, self.bob.name, argv),
            check=False,
            timeout=max(seconds, 5.0),  # a call cut off at once would say nothing
        )
        return readiness.Answer(result.exit_status, result.stdout, result.stderr)

    # Waiting changes nothing: no undo.

    async def check(self, ctx: StepContext) -> bool:
        # Asked after a crash: applying again costs one probe when the Bob has booted.
        return False


_PERSONALIZE = (
    'printf "%s\\n" "$1" > /etc/hostname && shift && { [ "$#" -eq 0 ] || rm -f -- "$@"; }'
)


class Personalize(BobStep):
    """Hostname file and identity files: the clone must register as a new node, not the base."""

    name = "personalize"

    def _attach(self, *command: str) -> list[str]:
        return commands.attach(self.hostcfg, self.bob.disk, self.bob.name, command)

    async def _apply(self, ctx: StepContext) -> None:
        # One attach, not two: each costs a round trip and a setns. The name and the paths
        # arrive as positional parameters of a fixed script, never as script text.
        strip = self.p.fleet.bob_defaults.strip_identity
        await self.shell.run(self._attach("sh", "-c", _PERSONALIZE, "sh", self.bob.name, *strip))
        if strip:
            await ctx.log(f"removed identity files: {', '.join(strip)}")

    # Changes inside the container go with it: no undo.

    async def check(self, ctx: StepContext) -> bool:
        hostname = await self.shell.run(self._attach("cat", "/etc/hostname"), check=False)
        if hostname.stdout.strip() != self.bob.name:
            return False
        for path in self.p.fleet.bob_defaults.strip_identity:
            test = await self.shell.run(self._attach("test", "-e", path), check=False)
            if test.exit_status == 0:
                return False
        return True


class Bootstrap(BobStep):
    """The configured bootstrap/converge command inside the Bob, its output in the job log."""

    name = "bootstrap"

    async def _apply(self, ctx: StepContext) -> None:
        command = self.p.fleet.bob_defaults.bootstrap
        if not command:
            await ctx.log("no bootstrap command configured")
            return
        argv = commands.attach(self.hostcfg, self.bob.disk, self.bob.name, command)
        await self.shell.stream(argv, ctx.log, timeout=self.timeout)

    # A converge cannot be taken back; the container it ran in goes with Clone's undo.

    async def check(self, ctx: StepContext) -> bool:
        # Converging again is what a bootstrap tool is built for; never assume it finished.
        return False


class MarkReady(BobStep):
    name = "ready"
    on_host = False  # reads the clone's config there only when resumed in another process

    async def _apply(self, ctx: StepContext) -> None:
        key = (ctx.job.id, self.bob.name)
        if key in self.p.cloned_from:
            version = self.p.cloned_from.pop(key)
        else:  # resumed in another process: the clone's config says which base it came from
            version = version_in_config(await self.container.config() or "")
        await self.p.store.promote_reservation(self.bob.name, BobState.READY, base_version=version)
        if version is not None:
            await self.p.store.record_base(self.bob.host, version)

    async def _undo(self, ctx: StepContext) -> None:
        # Not deleted here: the record holds the name, slot and address until Reserve's undo
        # has seen the container gone.
        record = await self.p.store.get_bob(self.bob.name)
        if record is not None and record.job_id == ctx.job.id:
            await self.p.store.set_bob_state(self.bob.name, BobState.FAILED)

    async def check(self, ctx: StepContext) -> bool:
        record = await self.p.store.get_bob(self.bob.name)
        return record is not None and record.state is BobState.READY and record.job_id == ctx.job.id


CREATE_STEPS: tuple[type[BobStep], ...] = (
    Reserve,
    Clone,
    Configure,
    Identity,
    Start,
    WaitReady,
    Personalize,
    Bootstrap,
    MarkReady,
)
