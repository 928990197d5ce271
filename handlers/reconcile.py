"""`reconcile`: compare every system with bob's records, and repair what is safe when asked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from handlers.provision import Caller
from provisioning.config.models import Fleet
from provisioning.dns.port import DnsZoneClient
from provisioning.errors import BobError, UsageError
from provisioning.jenkins.port import JenkinsController
from provisioning.ports import AuditLog, Shells, StateStore
from provisioning.reconcile.compare import compare, in_progress
from provisioning.reconcile.gather import gather
from provisioning.reconcile.model import Finding


@dataclass
class Report:
    findings: list[Finding]
    in_progress: list[str]
    read: dict[str, int]
    repaired: list[tuple[Finding, str]] = field(default_factory=list)
    failed: list[tuple[Finding, str]] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)  # destructive, not confirmed
    held: list[tuple[Finding, str]] = field(default_factory=list)  # waits for another repair
    found: int | None = None  # after --fix: how many differences the pass before it found

    @property
    def unfixed(self) -> bool:
        """A repair was asked for and did not happen (failed, not confirmed, or held back)."""
        return bool(self.failed or self.skipped or self.held)

    @property
    def clean(self) -> bool:
        """Nothing disagrees, and no repair was left undone: what exit code 0 promises. A
        destructive repair not confirmed counts even if the pass after it saw nothing."""
        return not self.findings and not self.unfixed

    def as_json(self) -> dict[str, Any]:
        return {
            "differences": len(self.findings),
            "found": self.found,
            "findings": [f.as_json() for f in self.findings],
            "in_progress": self.in_progress,
            "read": self.read,
            "repaired": [{**f.as_json(), "outcome": what} for f, what in self.repaired],
            "failed": [{**f.as_json(), "error": why} for f, why in self.failed],
            "skipped": [f.as_json() for f in self.skipped],
            "held": [{**f.as_json(), "reason": why} for f, why in self.held],
        }


async def reconcile(
    fleet: Fleet,
    store: StateStore,
    shells: Shells,
    dns: DnsZoneClient | None,
    jenkins: Mapping[str, JenkinsController],
    *,
    hosts: Sequence[str] | None = None,
) -> Report:
    known = {h.name for h in fleet.hosts}
    unknown = [h for h in hosts or () if h not in known]
    if unknown:
        raise UsageError(f"unknown host {unknown[0]!r}; known hosts: {', '.join(sorted(known))}")
    truth = await gather(fleet, store, shells, dns, jenkins, hosts=hosts)
    findings = compare(fleet, truth)
    if hosts:
        # Findings tied to another host are out of scope; orphans tied to none stay in.
        findings = [f for f in findings if f.host is None or f.host in hosts]
    return Report(
        findings=findings,
        in_progress=sorted(in_progress(truth)),
        read={
            "hosts": len(truth.hosts),
            "zones": len(truth.zones),
            "controllers": len(truth.nodes),
        },
    )


class Repairs(Protocol):
    async def repair(self, finding: Finding) -> str: ...


async def repair(
    report: Report, repairer: Repairs, store: AuditLog, caller: Caller, *, destructive: bool
) -> Report:
    """Repair every finding that has a repair; destructive ones only when ``destructive``.

    Each repair, done or failed, is audited with the caller. A finding that waits for another
    one's repair (a reservation for its container's removal) is repaired only after that one was.
    """
    done: set[str] = set()
    for finding in report.findings:
        if finding.repair is None:
            continue
        waiting = [key for key in finding.waits_for if key not in done]
        if waiting:
            report.held.append((finding, f"waits for {', '.join(waiting)}"))
            continue
        if finding.destructive and not destructive:
            report.skipped.append(finding)
            continue
        subject = f"{finding.kind.value} {finding.subject}: {finding.repair.value}"
        try:
            what = await repairer.repair(finding)
        except BobError as exc:
            report.failed.append((finding, str(exc)))
            await store.audit(caller.entry("fix-failed", f"{subject}: {exc}"))
            continue
        report.repaired.append((finding, what))
        done.add(finding.key)
        await store.audit(caller.entry("fixed", f"{subject}: {what}"))
    return report


def render(report: Report) -> str:
    read = (
        f"read {report.read['hosts']} hosts, {report.read['zones']} zones, "
        f"{report.read['controllers']} controllers: "
    )
    if report.found is None:
        lines = [read + (_count(len(report.findings)) if report.findings else "no differences")]
        lines += [f"  {f.line()}" for f in report.findings]
    else:
        # After --fix: what the first pass found, what was fixed, what a second pass still sees.
        lines = [
            read + f"{_count(report.found)} found, {len(report.repaired)} fixed, "
            f"{len(report.findings)} remain"
        ]
        lines += [f"  fixed: {f.key}: {what}" for f, what in report.repaired]
        lines += [f"  FAILED to fix {f.key}: {why}" for f, why in report.failed]
        lines += [f"  not fixed (destructive, not confirmed): {f.key}" for f in report.skipped]
        lines += [f"  not fixed ({why}): {f.key}" for f, why in report.held]
        if report.findings:
            lines.append("  remaining:")
            lines += [f"    {f.line()}" for f in report.findings]
    if report.in_progress:
        lines.append(f"  (left alone, a job is working on them: {', '.join(report.in_progress)})")
    return "\n".join(lines)


def _count(n: int) -> str:
    return f"{n} difference{'s' if n != 1 else ''}"
