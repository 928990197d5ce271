"""One container on one host: its state, whether it exists, and removing it for good."""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass

from provisioning.config.models import Host
from provisioning.errors import BobError
from provisioning.hosts.errors import CommandFailed
from provisioning.hosts.shell import HostShell
from provisioning.lxc import commands, layout
from provisioning.pipeline import remote
from provisioning.pipeline.errors import ContainerRemains
from provisioning.pipeline.lxc_log import START_LOG, excerpt

# lxc-destroy right after a stop can fail with "Connection reset by peer" while the monitor is
# still exiting: a second pass a moment later succeeds.
REMOVE_PASSES = 3
REMOVE_PAUSE_S = 0.2
STOP_WAIT_S = 5


# Fixed scripts: paths and the job id arrive as arguments, the tag on stdin; nothing is parsed.
_EXISTS = 3
MARK_IF_ABSENT = (
    'if [ -e "$1" ]; then exit 3; fi; printf "%s\\n" "$3" > "$2.bob-tmp" && mv -f "$2.bob-tmp" "$2"'
)
# $3: the tag's size in bytes. A tag cut off on the way (the connection dropped) is never
# appended: the config would lose bob's mark of ownership, and with it every later undo's right to
# remove the container.
TAG_AND_UNMARK = (
    'grep -q "^# bob: managed by bob:" "$1" || '
    '{ cat "$1" - > "$1.bob-tmp" && '
    '[ "$(wc -c < "$1.bob-tmp")" -eq "$(( $(wc -c < "$1") + $3 ))" ] && '
    'mv -f "$1.bob-tmp" "$1"; } && rm -f "$2" && cat "$1"'
)


@dataclass(frozen=True)
class Container:
    shell: HostShell
    host: Host
    disk: str
    name: str
    timeout: float | None = None

    @property
    def where(self) -> str:
        return f"{self.disk}/{self.name}"

    @property
    def config_path(self) -> str:
        return str(layout.config_path(self.host, self.disk, self.name))

    @property
    def directory(self) -> str:
        return str(layout.container_dir(self.host, self.disk, self.name))

    @property
    def mark_path(self) -> str:
        """Beside the container, not in it: written before the container exists (see Clone)."""
        return str(layout.disk_path(self.host, self.disk) / f".{self.name}.bob-clone")

    async def marked_by(self) -> str | None:
        """The job id in the container's clone mark, or None when there is no mark."""
        text = await remote.read_file(self.shell, self.mark_path)
        return (text.strip() or None) if text is not None else None

    async def mark(self, job_id: str) -> None:
        await remote.write_file(self.shell, self.mark_path, f"{job_id}\n")

    async def mark_if_absent(self, job_id: str) -> bool:
        """Write the clone mark unless the container's directory exists; False if it does.

        One round trip for what a fresh clone needs first (exists? then mark).
        """
        argv = ["sh", "-c", MARK_IF_ABSENT, "sh", self.directory, self.mark_path, job_id]
        result = await self.shell.run(argv, check=False, timeout=self.timeout)
        if result.exit_status == _EXISTS:
            return False
        if result.exit_status != 0:
            raise CommandFailed(
                host=self.shell.name,
                argv=argv,
                exit_status=result.exit_status,
                stderr=result.stderr,
                stdout=result.stdout,
            )
        return True

    async def tag_and_unmark(self, lines: str) -> str:
        """Append ``lines`` (bob's tag) to the config unless it has a tag, then remove the clone
        mark; the config as it is then. In that order, in one round trip."""
        size = str(len(lines.encode()))
        argv = ["sh", "-c", TAG_AND_UNMARK, "sh", self.config_path, self.mark_path, size]
        result = await self.shell.run(argv, input=lines, timeout=self.timeout)
        return result.stdout

    async def unmark(self) -> None:
        await self.shell.run(["rm", "-f", self.mark_path])

    async def state(self) -> str | None:
        """RUNNING, STOPPED, … or None when the container does not exist."""
        result = await self.shell.run(commands.info(self.host, self.disk, self.name), check=False)
        return (result.stdout.strip() or None) if result.exit_status == 0 else None

    async def config(self) -> str | None:
        return await remote.read_file(self.shell, self.config_path)

    async def exists(self) -> bool:
        """Whether anything of it is left: its directory holds config, rootfs and volume."""
        return await remote.exists(self.shell, self.directory)

    @property
    def start_log(self) -> str:
        return f"{self.directory}/{START_LOG}"

    async def start(self) -> None:
        """Start it in the background; raises CommandFailed unless it runs (already, or now)."""
        argv = commands.start(self.host, self.disk, self.name, self.start_log)
        try:
            await self.shell.run(argv, timeout=self.timeout)
        except CommandFailed:
            # Asked only on failure (a round trip saved per start): running already is success.
            if await self.state() != "RUNNING":
                raise

    async def start_log_excerpt(self) -> str:
        """What LXC's log says about a failed start, "" when it cannot be read."""
        try:
            text = await remote.read_file(self.shell, self.start_log)
        except BobError:
            return ""  # the start's own failure is what matters
        lines = excerpt(text or "")
        return f"LXC log {self.start_log}:\n" + "\n".join(lines) if lines else ""

    async def stop(self) -> None:
        """Kill it if it runs, and wait until its monitor says STOPPED."""
        if await self.state() in (None, "STOPPED"):
            return
        await self.shell.run(commands.stop(self.host, self.disk, self.name), check=False)
        await self.shell.run(self._wait_stopped(), check=False, timeout=STOP_WAIT_S + 5)

    def _wait_stopped(self) -> list[str]:
        # lxc.commands has lxc-wait for RUNNING only (and that package is not the pipeline's).
        lxcpath = str(layout.disk_path(self.host, self.disk))
        return ["lxc-wait", "-P", lxcpath, "-n", self.name, "-s", "STOPPED", "-t", str(STOP_WAIT_S)]

    async def remove(self) -> None:
        """Stop it and remove it with its volume; raises ContainerRemains if it is still there."""
        await self.stop()
        failures: list[tuple[str, str]] = []
        for attempt in range(REMOVE_PASSES):
            if attempt:
                await asyncio.sleep(REMOVE_PAUSE_S)
            for argv in commands.remove(self.host, self.disk, self.name):
                result = await self.shell.run(argv, check=False, timeout=self.timeout)
                if result.exit_status != 0:
                    failures.append((shlex.join(argv), result.stderr))
            if not await self.exists():
                return
        raise ContainerRemains(host=self.host.name, where=self.where, failures=failures[-3:])
