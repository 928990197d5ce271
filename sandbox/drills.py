"""Fault drills: take a host's sshd away mid-job and bring it back, the host itself untouched.

The host's namespaces are held by its keeper (see ``host_init``), not by sshd, so stopping sshd
leaves its mounts, bridge and running containers as they are; ``start_sshd`` starts a new sshd
inside the keeper's namespaces, with the same config, key and address.

Only PIDs the sandbox started are stopped: the listener named by the host's pid file (checked by
``sshd.our_pid``) and the sshd processes serving its sessions, which live in the host's own
network namespace.
"""

from __future__ import annotations

import os
from pathlib import Path

from sandbox import network, processes, sshd, state
from sandbox.errors import SandboxError
from sandbox.layout import HostLayout, host_layouts
from sandbox.mounts import SSHD
from sandbox.paths import StatePaths

ANSWER_TIMEOUT = 10.0


async def stop_sshd(state_dir: Path, host: str) -> list[int]:
    """Stop ``host``'s sshd and drop every session it serves; returns the PIDs stopped.

    Clients see their connections close and new ones refused, as with a crashed sshd. Commands
    already running on the host go on (they are not sshd).
    """
    layout = _layout(state_dir, host)
    _keeper(layout)  # without one, the host would die with its sshd
    stopped: list[int] = []
    listener = sshd.our_pid(layout)
    if listener is not None:
        await processes.terminate(listener)  # first: no new session can start after this
        stopped.append(listener)
    for pid in await network.netns_pids(layout.namespace):
        if _is_sshd(pid):
            await processes.kill(pid)
            stopped.append(pid)
    return stopped


async def start_sshd(state_dir: Path, host: str) -> int:
    """Start ``host``'s sshd again (a no-op if it runs) and wait until it answers; its PID."""
    layout = _layout(state_dir, host)
    running = sshd.our_pid(layout)
    if running is not None:
        return running
    pid = await sshd.restart(layout, _keeper(layout))
    await sshd.wait_answering(layout, StatePaths(state_dir), ANSWER_TIMEOUT)
    return pid


def _layout(state_dir: Path, host: str) -> HostLayout:
    options = state.read(StatePaths(state_dir))
    if options is None:
        raise SandboxError(f"no sandbox is recorded in {state_dir}")
    for layout in host_layouts(options):
        if layout.name == host:
            return layout
    known = ", ".join(h.name for h in host_layouts(options))
    raise SandboxError(f"the sandbox in {state_dir} has no host {host!r} (it has {known})")


def _keeper(layout: HostLayout) -> int:
    keeper = sshd.keeper_pid(layout)
    if keeper is None:
        raise SandboxError(
            f"{layout.name} has no keeper process holding its namespaces (built by an older "
            "bob, or half torn down): its sshd cannot be stopped and started. Run `sandbox "
            "down`, then `sandbox up`."
        )
    return keeper


def _is_sshd(pid: int) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/exe") == SSHD
    except OSError:
        return False
