"""Stop a process we started and wait until it is really gone.

Dead or zombie both count as gone: PID 1 on these machines (not systemd) may reap late, and a
zombie no longer holds namespaces, mounts or sockets.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from sandbox.errors import SandboxError

WAIT = 5.0
POLL = 0.02


async def terminate(pid: int) -> None:
    """SIGTERM, then SIGKILL if it lingers."""
    if not await _signal_and_wait(pid, signal.SIGTERM):
        await kill(pid)


async def kill(pid: int) -> None:
    if not await _signal_and_wait(pid, signal.SIGKILL):
        raise SandboxError(f"process {pid} survived SIGKILL for {WAIT:g} s")


def gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # the state field follows the parenthesised command name, which may contain spaces
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


async def _signal_and_wait(pid: int, sig: signal.Signals) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if gone(pid):
            return True
        await asyncio.sleep(POLL)
    return gone(pid)
