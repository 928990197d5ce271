"""When a started Bob counts as booted: the readiness probe that runs before its bootstrap.

A container answers ping long before its init has finished booting; a converge that starts
then races the boot. So, after the ping, bob asks the Bob's init where it runs systemd (PID 1 is
``systemd``): ``systemctl is-system-running`` until it says ``running`` or ``degraded`` (booted,
with failed units, which are reported), within ``bob_defaults.readiness.timeout_s``. Without
systemd the ping is the whole probe. A configured command (``probe: command``) replaces that
choice: it runs inside the Bob until it exits 0.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from provisioning.config.models import Readiness

Probe = Literal["systemd", "ping", "command"]
POLL_S = 0.5

# Booted: the probe is satisfied. Given up: the boot went wrong and waiting will not help.
BOOTED = frozenset({"running", "degraded"})
GIVEN_UP = frozenset({"maintenance", "stopping"})

# One attach that says whether PID 1 is systemd and, if so, how far the boot is: the probe's
# first answer costs no extra round trip.
PID1_AND_STATE = (
    'read -r pid1 < /proc/1/comm; echo "$pid1"; '
    '[ "$pid1" != systemd ] || systemctl is-system-running'
)
SYSTEM_STATE = ("systemctl", "is-system-running")
FAILED_UNITS = ("systemctl", "--failed", "--plain", "--no-legend")


@dataclass(frozen=True)
class Answer:
    """One command's outcome inside the Bob."""

    exit_status: int | None
    stdout: str
    stderr: str


# Runs argv inside the Bob within the given seconds.
InBob = Callable[[Sequence[str], float], Awaitable[Answer]]


class NotBooted(Exception):
    """The probe gave up: ``reason`` says what it last saw."""

    def __init__(self, probe: str, reason: str) -> None:
        super().__init__(reason)
        self.probe = probe
        self.reason = reason


def choose(setting: Readiness, pid1: str) -> Probe:
    """The probe for a Bob whose PID 1 is named ``pid1``."""
    if setting.probe != "auto":
        return setting.probe
    return "systemd" if pid1.strip() == "systemd" else "ping"


def failed_units(listing: str) -> list[str]:
    """Unit names from ``systemctl --failed --plain --no-legend``."""
    return [line.split()[0] for line in listing.splitlines() if line.split()]


@dataclass(frozen=True)
class Booted:
    probe: Probe
    summary: str  # one line for the job's progress


async def wait_booted(
    in_bob: InBob,
    setting: Readiness,
    *,
    clock: Callable[[], float] = time.monotonic,
    poll_s: float = POLL_S,
) -> Booted:
    """Wait, within ``setting.timeout_s``, until the Bob's probe says it has booted."""
    started = clock()
    deadline = started + setting.timeout_s

    def left() -> float:
        return max(deadline - clock(), 0.1)

    if setting.probe == "ping":
        return Booted("ping", "probe ping: answers ping (as configured)")
    if setting.probe == "command":
        return await _until_command(in_bob, setting, started, deadline, clock, poll_s)
    first = await in_bob(["sh", "-c", PID1_AND_STATE], left())
    while not first.stdout.strip():
        # The script always prints PID 1's name: no output means lxc-attach itself failed,
        # which says nothing about the init (deciding "no systemd" would skip the wait).
        if clock() >= deadline:
            said = first.stderr.strip().splitlines()
            raise NotBooted(
                setting.probe,
                f"cannot read its PID 1 after {setting.timeout_s:g} s"
                + (f": {said[-1]}" if said else ""),
            )
        await asyncio.sleep(poll_s)
        first = await in_bob(["sh", "-c", PID1_AND_STATE], left())
    lines = first.stdout.splitlines()
    if choose(setting, lines[0] if lines else "") == "ping":
        return Booted("ping", f"probe ping: answers ping (PID 1 is {_pid1(lines)})")
    state = lines[1].strip() if len(lines) > 1 else ""
    while state not in BOOTED:
        if state in GIVEN_UP:
            raise NotBooted("systemd", f"systemd says {state!r}: the boot went wrong")
        if clock() >= deadline:
            raise NotBooted(
                "systemd",
                f"systemd still says {state or 'nothing'!r} after {setting.timeout_s:g} s "
                "(is-system-running: running or degraded expected)",
            )
        await asyncio.sleep(poll_s)
        state = (await in_bob(SYSTEM_STATE, left())).stdout.strip()
    took = f"{clock() - started:.1f} s"
    if state == "running":
        return Booted("systemd", f"probe systemd: running after {took}")
    units = failed_units((await in_bob(FAILED_UNITS, left())).stdout)
    return Booted(
        "systemd",
        f"probe systemd: degraded after {took}; failed units: {', '.join(units) or 'none listed'}",
    )


async def _until_command(
    in_bob: InBob,
    setting: Readiness,
    started: float,
    deadline: float,
    clock: Callable[[], float],
    poll_s: float,
) -> Booted:
    shown = " ".join(setting.command)
    while True:
        answer = await in_bob(setting.command, max(deadline - clock(), 0.1))
        if answer.exit_status == 0:
            return Booted(
                "command", f"probe command: {shown!r} succeeded after {clock() - started:.1f} s"
            )
        if clock() >= deadline:
            said = (answer.stdout + answer.stderr).strip().splitlines()
            raise NotBooted(
                "command",
                f"{shown!r} still exits {answer.exit_status} after {setting.timeout_s:g} s"
                + (f": {said[-1]}" if said else ""),
            )
        await asyncio.sleep(poll_s)


def _pid1(lines: list[str]) -> str:
    return lines[0].strip() if lines and lines[0].strip() else "unknown"
