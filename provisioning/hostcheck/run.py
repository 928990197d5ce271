"""Running the checks: one probe per host over the host's shell, every host at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from typing import Protocol

from provisioning.config.models import Host
from provisioning.hostcheck.judge import judge
from provisioning.hostcheck.model import CheckResult, HostReport, Limits, Outcome
from provisioning.hostcheck.probe import Facts, parse_facts, probe_argv
from provisioning.hosts.errors import (
    HostAuthFailed,
    HostError,
    HostKeyMismatch,
    HostUnreachable,
)
from provisioning.hosts.shell import HostShell

# The probe is a handful of stat/df calls; the SSH connect has its own (config) timeout.
PROBE_TIMEOUT_S = 20.0
# The checks that need the probe's output, named up front so that a host SSH cannot reach
# still gets one line per check.
_LATER = ("lxc", "cgroup", "bridge", "storage")


class ShellSource(Protocol):
    """Anything that hands out a host's shell by name (the HostPool, a test's fakes)."""

    def get(self, host: str) -> HostShell: ...


async def probe_host(host: Host, shell: HostShell) -> tuple[CheckResult, Facts | None, float]:
    """The SSH check and, if it passed, the probe's facts and this machine's time halfway
    through the probe (to compare clocks)."""
    target = host.ssh
    started = time.time()
    try:
        result = await shell.run(probe_argv(host), timeout=PROBE_TIMEOUT_S)
    except (HostKeyMismatch, HostAuthFailed, HostUnreachable) as exc:
        fix = f"check ssh.* of {host.name} in the config, and the host's sshd"
        return _ssh_failed(host, str(exc), fix), None, started
    except HostError as exc:
        return _ssh_failed(host, f"the check command failed: {exc}", None), None, started
    mid = (started + time.time()) / 2
    where = f"{target.user}@{target.address}:{target.port}"
    ok = CheckResult(host.name, "ssh", Outcome.OK, f"{where}, host key accepted")
    return ok, parse_facts(result.stdout), mid


async def check_host(host: Host, shell: HostShell, limits: Limits | None = None) -> HostReport:
    ssh, facts, mid = await probe_host(host, shell)
    if facts is None:
        return HostReport(host.name, (ssh, *_skipped(host)))
    return HostReport(host.name, (ssh, *judge(host, facts, mid, limits or Limits())))


async def check_hosts(
    hosts: Sequence[Host], shells: ShellSource, limits: Limits | None = None
) -> list[HostReport]:
    """Every host at once: the slowest host (a dead one: its connect timeout) sets the pace."""
    return list(await asyncio.gather(*(check_host(h, shells.get(h.name), limits) for h in hosts)))


def _ssh_failed(host: Host, detail: str, fix: str | None) -> CheckResult:
    return CheckResult(host.name, "ssh", Outcome.FAIL, detail, fix)


def _skipped(host: Host) -> Iterable[CheckResult]:
    disks = [d.name for d in host.disks]
    names = (
        *_LATER,
        *(f"disk {d}" for d in disks),
        "base",
        *(f"free {d}" for d in disks),
        *(f"boot {d}" for d in disks),
        "clock",
    )
    for name in names:
        yield CheckResult(host.name, name, Outcome.SKIP, "not checked: no SSH session")
