"""Create's gate: every host a plan uses must pass its checks before anything is reserved.

One probe per host involved (all at once), on the pool's connection that the job then reuses.
Only the checks a create needs gate it: SSH, LXC, cgroups, the bridge, the storage, the base
and the lxcpaths of the disks the plan uses; free space and the clock are advice for the
operator. A host SSH cannot reach is not gated here: that is an outage, not an unprepared
host, and the job meets it as before (its retries, its undo, host health's cool-down count).
A host that changes between this look and the job is the job's to find, as before.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from provisioning.config.models import Fleet
from provisioning.core.models import CreatePlan
from provisioning.errors import BobError
from provisioning.hostcheck.model import CheckResult, Outcome
from provisioning.hostcheck.run import ShellSource, check_host


class HostNotReady(BobError):
    """A host the plan uses failed a check; nothing was reserved."""

    def __init__(self, message: str, failed: list[CheckResult]) -> None:
        super().__init__(message)
        self.failed = failed


class CreatePreflight:
    def __init__(self, fleet: Fleet, shells: ShellSource) -> None:
        self._hosts = {h.name: h for h in fleet.hosts}
        self._shells = shells

    async def __call__(self, plan: CreatePlan) -> None:
        disks: dict[str, set[str]] = defaultdict(set)
        for bob in plan.bobs:
            disks[bob.host].add(bob.disk)
        reports = await asyncio.gather(
            *(check_host(self._hosts[h], self._shells.get(h)) for h in sorted(disks))
        )
        failed = [
            result
            for report in reports
            for result in report.results
            if _gates(result, disks[report.host])
        ]
        if failed:
            raise HostNotReady(_message(failed), failed)


def _gates(result: CheckResult, disks: set[str]) -> bool:
    if result.outcome is not Outcome.FAIL or not result.gates_create or result.check == "ssh":
        return False
    kind, _, disk = result.check.partition(" ")
    return kind != "disk" or disk in disks


def _message(failed: list[CheckResult]) -> str:
    by_host: dict[str, list[str]] = defaultdict(list)
    for result in failed:
        fix = f" ({result.fix})" if result.fix else ""
        by_host[result.host].append(f"check {result.check} failed: {result.detail}{fix}")
    hosts = "; ".join(f"{host} is not ready: {', '.join(why)}" for host, why in by_host.items())
    return f"{hosts}. Nothing was reserved; `bob host check` shows every check."
