"""Real faults for the drills, each with the way back: a host's sshd, the sandbox's BIND, a
host's bridge, a Bob's container.

A fault is injected the moment bob starts a given step (``inject_at``, a ProgressBus subscriber:
the bus awaits it, so the step runs only once the fault is in place) and healed once the job has
failed somewhere, so its undo meets a world that works again. Healing is safe to repeat, and the
drills heal once more after the job whatever happened. Only what the sandbox started is stopped:
the host's sshd through the sandbox's own drill, the sandbox's named by its checked PID.
"""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass, field

from provisioning.core.models import PlannedBob
from provisioning.jobs import Event, ProgressBus, StepFinished, StepStarted
from sandbox import SandboxInfo, dns_server, processes, start_sshd, state, stop_sshd
from sandbox.bind_config import BindLayout, bind_layout
from sandbox.layout import BRIDGE, STORAGE_ROOT, host_layouts
from sandbox.paths import StatePaths
from tests.jenkins_double import JenkinsDouble
from tests.sandbox.fixtures import host_ssh

BROKEN_BRIDGE = "br0-broken"


class Fault:
    """Something that breaks in the world; ``heal`` puts it back (a no-op when not broken)."""

    what = ""

    async def inject(self, info: SandboxInfo, bob: PlannedBob) -> None:
        raise NotImplementedError

    async def heal(self, info: SandboxInfo, bob: PlannedBob) -> None:
        """Nothing to put back unless a fault says otherwise."""


class SshdStopped(Fault):
    what = "the host's sshd is stopped (listener and sessions)"

    async def inject(self, info: SandboxInfo, bob: PlannedBob) -> None:
        await stop_sshd(info.state_dir, bob.host)

    async def heal(self, info: SandboxInfo, bob: PlannedBob) -> None:
        await start_sshd(info.state_dir, bob.host)


class BindStopped(Fault):
    what = "the sandbox's BIND is stopped"

    async def inject(self, info: SandboxInfo, bob: PlannedBob) -> None:
        pid = dns_server.our_pid(_bind(info))
        assert pid is not None, "the sandbox's named is not running"
        await processes.terminate(pid)

    async def heal(self, info: SandboxInfo, bob: PlannedBob) -> None:
        await dns_server.ensure_running(_bind(info))  # on its own files and journals


class BridgeRenamed(Fault):
    what = f"the host's bridge {BRIDGE} is gone (renamed)"

    async def inject(self, info: SandboxInfo, bob: PlannedBob) -> None:
        ns = _namespace(info, bob.host)
        await _ip(ns, "link", "set", BRIDGE, "down")
        await _ip(ns, "link", "set", BRIDGE, "name", BROKEN_BRIDGE)

    async def heal(self, info: SandboxInfo, bob: PlannedBob) -> None:
        ns = _namespace(info, bob.host)
        if await _ip(ns, "link", "show", BROKEN_BRIDGE, check=False):
            await _ip(ns, "link", "set", BROKEN_BRIDGE, "name", BRIDGE)
        await _ip(ns, "link", "set", BRIDGE, "up")


class BridgeDown(Fault):
    what = f"the host's bridge {BRIDGE} is down"

    async def inject(self, info: SandboxInfo, bob: PlannedBob) -> None:
        await _ip(_namespace(info, bob.host), "link", "set", BRIDGE, "down")

    async def heal(self, info: SandboxInfo, bob: PlannedBob) -> None:
        await _ip(_namespace(info, bob.host), "link", "set", BRIDGE, "up")


class ContainerKilled(Fault):
    what = "the Bob's container is killed"

    async def inject(self, info: SandboxInfo, bob: PlannedBob) -> None:
        argv = ["lxc-stop", "-k", "-P", f"{STORAGE_ROOT}/{bob.disk}", "-n", bob.name]
        await asyncio.to_thread(host_ssh, info, bob.host, argv)


class JenkinsFails(Fault):
    """The Jenkins double answers every request with an HTTP error (500: a controller in
    trouble), until healed."""

    def __init__(self, double: JenkinsDouble, status: int = 500) -> None:
        self.double = double
        self.status = status
        self.what = f"the Jenkins controller answers {status}"

    async def inject(self, info: SandboxInfo, bob: PlannedBob) -> None:
        self.double.fail_with = self.status

    async def heal(self, info: SandboxInfo, bob: PlannedBob) -> None:
        self.double.fail_with = None


class JenkinsThrows(Fault):
    """The next script run on the Jenkins double throws (HTTP 200, a stack trace as body)."""

    what = "the script console's next script throws"

    def __init__(self, double: JenkinsDouble) -> None:
        self.double = double

    async def inject(self, info: SandboxInfo, bob: PlannedBob) -> None:
        self.double.throw_next = "java.lang.IllegalStateException: Jenkins is going down"

    async def heal(self, info: SandboxInfo, bob: PlannedBob) -> None:
        self.double.throw_next = None


class NoFault(Fault):
    """For a fault that is in the configuration (a bootstrap that exits 1), not injected."""

    what = "(in the fleet config)"

    async def inject(self, info: SandboxInfo, bob: PlannedBob) -> None:
        pass


@dataclass
class Injection:
    """``fault`` on ``bob``'s host when its lane (with ``any_lane``: any lane) starts ``step``;
    healed when a step fails."""

    info: SandboxInfo
    bob: PlannedBob
    step: str
    fault: Fault
    any_lane: bool = False
    injected: bool = False
    healed: bool = False
    # Other lanes go on while the fault is being injected: one may fail meanwhile.
    _in_place: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, event: Event) -> None:
        if (
            isinstance(event, StepStarted)
            and event.step == self.step
            and (self.any_lane or event.lane == self.bob.name)
        ):
            if not self.injected:
                self.injected = True
                await self.fault.inject(self.info, self.bob)
                self._in_place.set()
        elif (
            isinstance(event, StepFinished)
            and event.outcome == "failed"
            and self.injected
            and not self.healed
        ):
            self.healed = True
            await self._in_place.wait()
            await self.fault.heal(self.info, self.bob)

    async def heal(self) -> None:
        await self.fault.heal(self.info, self.bob)


def inject_at(
    bus: ProgressBus,
    info: SandboxInfo,
    bob: PlannedBob,
    step: str,
    fault: Fault,
    *,
    any_lane: bool = False,
) -> Injection:
    injection = Injection(info, bob, step, fault, any_lane)
    bus.subscribe(injection)
    return injection


def _bind(info: SandboxInfo) -> BindLayout:
    options = state.read(StatePaths(info.state_dir))
    assert options is not None
    return bind_layout(options)


def _namespace(info: SandboxInfo, host: str) -> str:
    options = state.read(StatePaths(info.state_dir))
    assert options is not None
    return next(layout.namespace for layout in host_layouts(options) if layout.name == host)


async def _ip(namespace: str, *argv: str, check: bool = True) -> bool:
    """``ip -n NAMESPACE ARGV``; whether it succeeded (with ``check``, failing raises)."""
    command = ["ip", "-n", namespace, *argv]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    if check and process.returncode != 0:
        raise AssertionError(f"{shlex.join(command)}: {stderr.decode(errors='replace')}")
    return process.returncode == 0
