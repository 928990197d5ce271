"""Pure: where the systems disagree with bob's records, and how each difference can be repaired.

Three rules hold for every finding, whatever its kind:

- Names a job owns are left out: a container half-cloned by a live job is not an orphan. A job
  no runner holds (its lease ran out) is *interrupted*: it is itself a finding, and its names
  stay left out (``bob resume`` or ``bob cancel`` deals with them).
- Nothing about a system that could not be read is ever stale or missing: a finding that
  depends on one (read from it, or repaired through it) becomes ``unknown``, with no repair.
- Repairs never pull one Bob two ways: a Bob's missing pieces are completed only when its
  container is there, and a name's claims (reservation, DNS) are released only after every
  container of that name is gone (``waits_for`` orders them).
"""

from __future__ import annotations

from provisioning.config.models import Fleet
from provisioning.reconcile.compare_hosts import (
    autostart,
    bases,
    containers,
    records,
    reservations,
)
from provisioning.reconcile.compare_lockers import lockers
from provisioning.reconcile.compare_peers import dns, jenkins, offline_agents
from provisioning.reconcile.context import Context
from provisioning.reconcile.model import Finding, Kind, Truth


def in_progress(truth: Truth) -> set[str]:
    """Every name a job that a live runner holds may be working on."""
    return Context.of(truth).working


def compare(fleet: Fleet, truth: Truth) -> list[Finding]:
    ctx = Context.of(truth)
    findings: list[Finding] = [
        Finding(Kind.UNREADABLE, what, f"could not be read: {why}")
        for what, why in sorted(truth.errors.items())
    ]
    findings += _interrupted(ctx)
    found = containers(ctx)
    found += records(ctx)
    found += autostart(fleet, ctx)
    found += reservations(ctx, found)
    found += dns(fleet, ctx, found)
    found += jenkins(fleet, ctx)
    found += offline_agents(fleet, ctx)
    found += bases(fleet, ctx)
    found += lockers(ctx)
    return findings + [_unless_unread(f, ctx.unread) for f in found]


def _interrupted(ctx: Context) -> list[Finding]:
    found = []
    for job in ctx.stopped:
        names = sorted(n for n, holder in ctx.held.items() if holder == job.id)
        since = job.lease_expires_at or job.created_at
        found.append(
            Finding(
                Kind.JOB_INTERRUPTED,
                job.id,
                f"{job.kind} job interrupted (recorded as {job.state.value}): no runner has "
                f"held its lease since {since:%Y-%m-%d %H:%M:%S} UTC"
                + (f"; it holds {', '.join(names)}" if names else "")
                + f". `bob resume {job.id}` finishes it, `bob cancel {job.id}` rolls it back",
            )
        )
    return found


def _unless_unread(finding: Finding, unread: dict[str, str]) -> Finding:
    """The finding as it stands, or ``unknown`` when a system it depends on was not read."""
    blind = sorted(s for s in finding.depends if s in unread)
    if not blind:
        return finding
    return Finding(
        Kind.UNKNOWN,
        finding.subject,
        f"{finding.detail}; whether anything is wrong cannot be told while "
        f"{', '.join(blind)} cannot be read: left as it is",
        finding.host,
        finding.disk,
        depends=finding.depends,
    )
