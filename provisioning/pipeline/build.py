"""Making a new base version: fill it from its source, fix it up step by step, verify it.

The fix-ups change only the new version, which ``build``'s undo removes as a whole, so they
have no undo of their own; each is safe to repeat, so a resume simply runs it again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from provisioning.bases import fixups, sources
from provisioning.bases.versions import version_of
from provisioning.config.models import TemplateSource
from provisioning.errors import ConflictError
from provisioning.hosts.errors import CommandFailed
from provisioning.jobs.steps import StepContext
from provisioning.lxc import commands
from provisioning.lxc.layout import BASE_NAME, base_dir
from provisioning.pipeline import remote
from provisioning.pipeline.base_step import BaseStep
from provisioning.pipeline.containers import Container
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.errors import FixupFailed
from provisioning.pipeline.lxc_log import START_LOG, excerpt
from provisioning.pipeline.output_log import OutputLog

VERIFY_RUNNING_S = 10
EMPTY_NETWORK_FILE = ".bob-empty-network.conf"


class Build(BaseStep):
    """The new version's container, filled from the host's configured source."""

    name = "build"

    def __init__(self, pipeline: Pipeline, host: str, lane: str) -> None:
        super().__init__(pipeline, host, lane, pipeline.host(host).base.build_timeout)

    async def _apply(self, ctx: StepContext) -> None:
        name = await self.target(ctx)
        if await self.bases.exists(name):
            await ctx.log(f"{self.host_name}: removing what an interrupted build left of {name}")
            await self.bases.remove(name)
        source = self.hostcfg.base.source
        await ctx.log(f"{self.host_name}: {name} from {sources.describe(source)}")
        if isinstance(source, TemplateSource):
            config_file = f"{self.bases.lxcpath}/{EMPTY_NETWORK_FILE}"
            await remote.write_file(self.shell, config_file, sources.EMPTY_NETWORK)
            try:
                argv = sources.template_create(self.hostcfg, name, source, config_file)
                await self._stream(ctx, argv)
            finally:
                await self.shell.run(["rm", "-f", config_file])
            return
        directory = str(base_dir(self.hostcfg, name))
        await self.shell.run(["mkdir", directory])
        config = sources.lxc_config(self.hostcfg, name)
        await remote.write_file(self.shell, f"{directory}/config", config)
        await self.shell.run(sources.make_rootfs(self.hostcfg, name))
        await self._stream(ctx, sources.fill(self.hostcfg, name, source))

    async def _stream(self, ctx: StepContext, argv: list[str]) -> None:
        """Run the long command of the build, its output in the job log as it comes."""
        async with OutputLog(ctx) as output:
            await self.shell.stream(argv, output.line, timeout=self.timeout)

    async def _undo(self, ctx: StepContext) -> None:
        lock = await self.ours(ctx)
        if lock is None:
            return  # released: this host's rebuild went through
        state = await self.bases.state()
        name = state.versions.get(lock.version)
        if name is None:
            return
        if name == state.current:
            await ctx.log(f"{self.host_name}: kept {name}, it is the current base")
            return
        await self.bases.remove(name)
        await ctx.log(f"{self.host_name}: removed the unfinished {name}")

    async def check(self, ctx: StepContext) -> bool:
        return False  # a build cut off halfway is started over


class Devices(BaseStep):
    name = "devices"

    async def _apply(self, ctx: StepContext) -> None:
        rootfs = sources.rootfs_dir(self.hostcfg, await self.target(ctx))
        made = await self.shell.run(fixups.mknod_argv(rootfs, self.hostcfg.base.devices))
        nodes = made.stdout.split()
        await ctx.log(
            f"device nodes made: {', '.join(nodes)}" if nodes else "device nodes: all there"
        )

    async def check(self, ctx: StepContext) -> bool:
        return False


class Network(BaseStep):
    """No network in the base's LXC config but its configured lines, and a rootfs that leaves
    eth0 to LXC."""

    name = "network"

    async def _apply(self, ctx: StepContext) -> None:
        name = await self.target(ctx)
        config_path = f"{base_dir(self.hostcfg, name)}/config"
        config = await remote.read_file(self.shell, config_path)
        if config is None:
            raise ConflictError(f"{self.host_name}: {config_path} is missing")
        await remote.write_file(
            self.shell, config_path, fixups.without_network(config, self.hostcfg.base.lxc_config)
        )
        rootfs = sources.rootfs_dir(self.hostcfg, name)
        target = f"{rootfs}/{fixups.NETWORK_FILE}"
        await self.shell.run(["mkdir", "-p", target.rsplit("/", 1)[0]])
        await remote.write_file(self.shell, target, fixups.NETWORK_TEMPLATE)
        await ctx.log(f"wrote /{fixups.NETWORK_FILE}; the base's LXC config has no network")

    async def check(self, ctx: StepContext) -> bool:
        return False


class Identity(BaseStep):
    """Files that make a machine a particular node (a Chef client key …): none in the base."""

    name = "identity"

    async def _apply(self, ctx: StepContext) -> None:
        files = self.hostcfg.base.identity_files
        if not files:
            await ctx.log("no identity files configured")
            return
        rootfs = sources.rootfs_dir(self.hostcfg, await self.target(ctx))
        await self.shell.run(fixups.remove_identity_argv(rootfs, files))
        await ctx.log(f"removed identity files: {', '.join(files)}")

    async def check(self, ctx: StepContext) -> bool:
        return False


class Services(BaseStep):
    """Services a Bob must not run, disabled by a script run inside the base with chroot."""

    name = "services"

    async def _apply(self, ctx: StepContext) -> None:
        services = self.hostcfg.base.disable_services
        if not services:
            await ctx.log("no services to disable")
            return
        rootfs = sources.rootfs_dir(self.hostcfg, await self.target(ctx))
        argv = fixups.disable_argv(rootfs, services)
        result = await self.shell.run(argv, timeout=self.timeout, check=False)
        for line in result.stdout.splitlines():
            await ctx.log(line)
        if result.exit_status != 0:
            # Said without the script's text: its stderr is what tells the user what is wrong.
            said = result.stderr.strip() or "(no stderr)"
            raise FixupFailed(
                f"{self.host_name}: the script disabling {', '.join(services)} in the base "
                f"(chroot {rootfs}) exited {result.exit_status}: {said}",
                host=self.host_name,
                stderr=result.stderr,
            )

    async def check(self, ctx: StepContext) -> bool:
        return False


class Manifest(BaseStep):
    """``/etc/bob-base.json``: version, source, time, job, and packages or a checksum."""

    name = "manifest"

    async def _apply(self, ctx: StepContext) -> None:
        name = await self.target(ctx)
        rootfs = sources.rootfs_dir(self.hostcfg, name)
        packages: list[str] | None = None
        checksum: str | None = None
        if await remote.exists(self.shell, f"{rootfs}/{fixups.DPKG_QUERY}"):
            listed = await self.shell.run(fixups.packages_argv(rootfs), timeout=self.timeout)
            packages = sorted(listed.stdout.splitlines())
        else:
            summed = await self.shell.run(fixups.checksum_argv(rootfs), timeout=self.timeout)
            checksum = summed.stdout.strip()
        version = version_of(name)
        assert version is not None  # names come from version_name
        text = fixups.manifest(
            version=version,
            name=name,
            source=sources.describe(self.hostcfg.base.source),
            built_at=datetime.now(UTC),
            job_id=ctx.job.id,
            packages=packages,
            checksum=checksum,
        )
        await remote.write_file(self.shell, f"{rootfs}/{fixups.MANIFEST_FILE}", text)
        what = f"{len(packages)} packages" if packages is not None else f"sha256:{checksum}"
        await ctx.log(f"manifest /{fixups.MANIFEST_FILE}: {name}, {what}")

    async def check(self, ctx: StepContext) -> bool:
        return False


class Verify(BaseStep):
    """A throwaway clone of the new version, made as Bobs are made, must start."""

    name = "verify"

    def _clone(self, ctx: StepContext) -> Container:
        return Container(
            self.shell, self.hostcfg, BASE_NAME, f"verify-{ctx.job.id[:12]}", self.timeout
        )

    async def _apply(self, ctx: StepContext) -> None:
        name = await self.target(ctx)
        clone = self._clone(ctx)
        if await clone.exists():
            await clone.remove()
        await self.shell.run(
            commands.copy(self.hostcfg, name, self.bases.lxcpath, clone.name), timeout=self.timeout
        )
        try:
            await self._start(clone)
        finally:
            await clone.remove()
        await ctx.log(f"{self.host_name}: a clone of {name} started, ran a command and was removed")

    async def _start(self, clone: Container) -> None:
        log_file = f"{clone.directory}/{START_LOG}"
        try:
            await self.shell.run(
                commands.start(self.hostcfg, BASE_NAME, clone.name, log_file), timeout=self.timeout
            )
            await self.shell.run(
                commands.wait_running(self.hostcfg, BASE_NAME, clone.name, VERIFY_RUNNING_S),
                timeout=VERIFY_RUNNING_S + 5,
            )
            await self.shell.run(
                commands.attach(self.hostcfg, BASE_NAME, clone.name, ["/bin/sh", "-c", "exit 0"])
            )
        except CommandFailed as exc:
            text = await remote.read_file(self.shell, log_file)
            lines = excerpt(text or "")
            raise CommandFailed(
                host=exc.host,
                argv=exc.argv,
                exit_status=exc.exit_status,
                stderr=exc.stderr + ("\n" + "\n".join(lines) if lines else ""),
                stdout=exc.stdout,
            ) from exc

    async def _undo(self, ctx: StepContext) -> None:
        clone = self._clone(ctx)
        if await clone.exists():
            await clone.remove()

    async def check(self, ctx: StepContext) -> bool:
        return False


BUILD_STEPS: tuple[type[BaseStep], ...] = (
    Build,
    Devices,
    Network,
    Identity,
    Services,
    Manifest,
    Verify,
)
