"""`reconcile`: compare every system with bob's records, and repair what is safe when asked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from handlers.provision import Caller
from provisioning.config.models import Fleet
from provisioning.dns.port import DnsZoneClient
from provisioning.errors import BobError, UsageError
from provisioning.jenkins.client import JenkinsController
from provisioning.pipeline.context import Shells
from provisioning.ports import StateStore
from provisioning.reconcile.compare import compare, in_progress
from provisioning.reconcile.gather import gather
from provisioning.reconcile.model import Finding
from provisioning.reconcile.repair import Repairer


@dataclass
class Report:
    findings: list[Finding]
    in_progress: list[str]
    read: dict[str, int]
    repaired: list[tuple[Finding, str]] = field(default_factory=list)
    failed: list[tuple[Finding, str]] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)  # destructive, not confirmed

    def as_json(self) -> dict[str, Any]:
        return {
            "differences": len(self.findings),
            "findings": [f.as_json() for f in self.findings],
            "in_progress": self.in_progress,
            "read": self.read,
            "repaired": [{**f.as_json(), "outcome": what} for f, what in self.repaired],
            "failed": [{**f.as_json(), "error": why} for f, why in self.failed],
            "skipped": [f.as_json() for f in self.skipped],
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


async def repair(
    report: Report, repairer: Repairer, store: StateStore, caller: Caller, *, destructive: bool
) -> Report:
    """Repair every finding that has a repair; destructive ones only when ``destructive``.

    Each repair, done or failed, is audited with the caller.
    """
    for finding in report.findings:
        if finding.repair is None:
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
        await store.audit(caller.entry("fixed", f"{subject}: {what}"))
    return report


def render(report: Report) -> str:
    lines = [
        f"read {report.read['hosts']} hosts, {report.read['zones']} zones, "
        f"{report.read['controllers']} controllers: "
        + (
            f"{len(report.findings)} difference{'s' if len(report.findings) != 1 else ''}"
            if report.findings
            else "no differences"
        )
    ]
    lines += [f"  {f.line()}" for f in report.findings]
    if report.in_progress:
        lines.append(f"  (left alone, a job is working on them: {', '.join(report.in_progress)})")
    lines += [f"  fixed: {f.subject}: {what}" for f, what in report.repaired]
    lines += [f"  FAILED to fix {f.subject}: {why}" for f, why in report.failed]
    lines += [f"  not fixed (destructive, not confirmed): {f.line()}" for f in report.skipped]
    return "\n".join(lines)
