"""Pure: the hosts' disks against bob's records: containers, clone marks, Bob records,
reservations, base versions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from provisioning.bases.versions import referenced_bases, version_name
from provisioning.config.models import Fleet
from provisioning.lxc.config import Autostart
from provisioning.lxc.layout import base_path
from provisioning.reconcile.context import Context
from provisioning.reconcile.model import Finding, Kind, Repair, SeenContainer
from provisioning.records import BobRecord, BobState

# A Bob in these states has (or should have) a container on its host.
_HAS_CONTAINER = frozenset({BobState.READY, BobState.FAILED})


def containers(ctx: Context) -> list[Finding]:
    where = {b.name: (b.host, b.disk) for b in ctx.bobs}
    stale = {r.name: r.job_id for r in ctx.stale()}
    found: list[Finding] = []
    for host, scan in sorted(ctx.truth.hosts.items()):
        depends = frozenset({f"host:{host}"})
        for c in scan.containers:
            if c.name in ctx.busy or where.get(c.name) == (host, c.disk):
                continue
            mark = scan.marks.get((c.disk, c.name))
            if c.owner_job is None and mark is None:
                found.append(
                    Finding(
                        Kind.FOREIGN_CONTAINER,
                        c.name,
                        f"a container ({c.state}) bob did not make, in bob's disk directory",
                        host,
                        c.disk,
                        depends=depends,
                    )
                )
                continue
            elsewhere = where.get(c.name)
            if elsewhere:
                why = f"but bob's records put {c.name} on {elsewhere[0]}/{elsewhere[1]}"
            elif c.name in stale:
                why = f"no Bob of that name; reserved by job {stale[c.name]}, which is over"
            else:
                why = "no Bob or reservation of that name"
            found.append(
                Finding(
                    Kind.CONTAINER_WITHOUT_RECORD,
                    c.name,
                    f"container ({c.state}) made by job {c.owner_job or mark}, {why}",
                    host,
                    c.disk,
                    Repair.REMOVE_CONTAINER,
                    depends=depends,
                )
            )
        present = {(c.disk, c.name) for c in scan.containers}
        for (disk, name), job in sorted(scan.marks.items()):
            if name not in ctx.busy and (disk, name) not in present:
                found.append(
                    Finding(
                        Kind.CLONE_MARK_LEFT,
                        name,
                        f"clone mark of job {job} with no container",
                        host,
                        disk,
                        Repair.REMOVE_MARK,
                        depends=depends,
                    )
                )
    return found


def records(ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    unfinished = {j.id for j in ctx.truth.unfinished}
    for bob in ctx.bobs:
        # Destroying a Bob goes through its host and, when attached, its controller.
        depends = _touches(bob)
        if bob.state in (BobState.CREATING, BobState.DESTROYING) and bob.job_id not in unfinished:
            why = f"recorded as {bob.state.value} but no job is working on it"
            if bob.state is BobState.DESTROYING:
                again = f"`bob destroy {bob.name}` again finishes it"
                why = f"{why}: its destroy failed (job {bob.job_id}); {again}"
            found.append(
                Finding(
                    Kind.RECORD_STUCK,
                    bob.name,
                    why,
                    bob.host,
                    bob.disk,
                    Repair.DESTROY_BOB,
                    depends=depends,
                )
            )
            continue
        if bob.state not in _HAS_CONTAINER:
            continue
        scan = ctx.truth.hosts.get(bob.host)
        if scan is None:
            continue  # host not read: nothing known to be wrong (an UNREADABLE finding says so)
        seen = next((c for c in scan.containers if (c.disk, c.name) == (bob.disk, bob.name)), None)
        if seen is None:
            found.append(
                Finding(
                    Kind.RECORD_WITHOUT_CONTAINER,
                    bob.name,
                    f"recorded as {bob.state.value}, but there is no container",
                    bob.host,
                    bob.disk,
                    Repair.DESTROY_BOB,
                    depends=depends,
                )
            )
        elif (
            bob.state is BobState.READY and seen.state != "RUNNING" and not _parked(ctx, bob, seen)
        ):
            found.append(_not_running(bob, seen.state))
    return found


def _parked(ctx: Context, bob: BobRecord, seen: SeenContainer) -> bool:
    """Stopped on purpose: a staging environment switched off while nobody uses it."""
    return seen.state == "STOPPED" and bob.name in ctx.truth.parked


def _not_running(bob: BobRecord, state: str) -> Finding:
    """A ready Bob whose container is down. Stopped (what a host's reboot leaves) it is started
    again; in any other state (frozen, halfway, not an LXC container) a person decides."""
    startable = state == "STOPPED" and bob.ip is not None
    return Finding(
        Kind.CONTAINER_NOT_RUNNING,
        bob.name,
        f"ready in bob's records, but its container is {state}",
        bob.host,
        bob.disk,
        Repair.START_CONTAINER if startable else None,
        {"address": str(bob.ip)} if startable else {},
        depends=frozenset({f"host:{bob.host}"}),
    )


def autostart(fleet: Fleet, ctx: Context) -> list[Finding]:
    """Ready Bobs whose LXC config would not bring them back after a reboot as the fleet config
    says: no lxc.start lines (made before bob wrote them), or another order or delay."""
    disks = {(h.name, d.name): d for h in fleet.hosts for d in h.disks}
    found: list[Finding] = []
    for bob in ctx.bobs:
        scan = ctx.truth.hosts.get(bob.host)
        disk = disks.get((bob.host, bob.disk))
        if bob.state is not BobState.READY or scan is None or disk is None:
            continue
        has = scan.autostart.get((bob.disk, bob.name))
        wanted = Autostart(order=bob.slot, delay=disk.start_delay)
        if has is None or has == wanted.values:
            continue
        auto, order, delay = has
        says = (
            "has no lxc.start lines"
            if has == ("-", "-", "-")
            else f"says auto={auto} order={order} delay={delay}"
        )
        found.append(
            Finding(
                Kind.AUTOSTART_DIFFERS,
                bob.name,
                f"its LXC config {says}; after a reboot it should start in order "
                f"{wanted.order}, {wanted.delay} s before the next",
                bob.host,
                bob.disk,
                Repair.SET_AUTOSTART,
                {"order": str(wanted.order), "delay": str(wanted.delay)},
                depends=frozenset({f"host:{bob.host}"}),
            )
        )
    return found


def reservations(ctx: Context, found: Sequence[Finding]) -> list[Finding]:
    """Reservations of finished jobs: released only once no container of the name is left."""
    stale = [
        Finding(
            Kind.STALE_RESERVATION,
            r.name,
            f"still reserved by job {r.job_id}, which is over"
            + (f" ({r.ip})" if r.ip is not None else ""),
            r.host,
            r.disk,
            Repair.RELEASE_RESERVATION,
            {"job_id": r.job_id},
            # Its container, if the job left one, is on that host: unread, it may be there.
            depends=frozenset({f"host:{r.host}"}),
        )
        for r in ctx.stale()
    ]
    return [after_containers(f, ctx, found) for f in stale]


def after_containers(finding: Finding, ctx: Context, found: Sequence[Finding]) -> Finding:
    """``finding``'s repair releases a claim on its name (reservation, DNS): ordered after the
    removal of every container of that name, or withheld when one of them may not be removed.

    A Bob's own container does not count: its record holds the name and address itself.
    """
    waits: list[str] = []
    for host, c in ctx.seen.get(finding.subject, []):
        if (host, c.disk, c.name) in ctx.places:
            continue
        removal = next(
            (
                f
                for f in found
                if f.kind is Kind.CONTAINER_WITHOUT_RECORD
                and (f.subject, f.host, f.disk) == (c.name, host, c.disk)
            ),
            None,
        )
        if removal is None:
            return replace(
                finding,
                detail=f"{finding.detail}; kept while a container {c.name} bob may not remove "
                f"is on {host}/{c.disk}",
                repair=None,
            )
        waits.append(removal.key)
    return replace(finding, waits_for=tuple(waits)) if waits else finding


def bases(fleet: Fleet, ctx: Context) -> list[Finding]:
    """Old base versions no clone uses, and a base an interrupted or ended rebuild left
    half-built."""
    found: list[Finding] = []
    unfinished = {j.id for j in ctx.truth.unfinished}
    live = {j.id for j in ctx.live}
    for host, scan in sorted(ctx.truth.hosts.items()):
        state = scan.bases
        depends = frozenset({f"host:{host}"})
        if state is None or state.lock_text is not None:
            continue  # no bases, or a lock bob cannot read: left to whoever wrote it
        if state.lock is not None:
            job = state.lock.job_id
            if job not in live:
                how = (
                    "interrupted (no runner holds it): "
                    f"`bob resume {job}` finishes it, `bob cancel {job}` removes it"
                    if job in unfinished
                    else "over, without finishing it or taking it back"
                )
                built = state.lock.version in state.versions
                found.append(
                    Finding(
                        Kind.BASE_HALF_BUILT,
                        version_name(state.lock.version),
                        ("half-built" if built else "locked for building")
                        + f" by rebuild-base job {job}, which is {how}",
                        host,
                        depends=depends,
                    )
                )
            continue  # a rebuild holds the host (it collects when done)
        if any(r.host == host and r.job_id in unfinished for r in ctx.truth.reservations):
            continue  # a clone may have read the old pointer just before a swap
        hostcfg = fleet.host(host)
        old = state.old_versions()
        in_use = referenced_bases(scan.rootfs_lines, str(base_path(hostcfg)))
        if hostcfg.storage.backend == "overlay":
            in_use |= {
                old[b.base_version]
                for b in ctx.truth.bobs
                if b.host == host and b.base_version in old
            }
        found += [
            Finding(
                Kind.BASE_UNREFERENCED,
                name,
                f"old base v{version} that no clone uses (current: {state.current})",
                host,
                repair=Repair.REMOVE_BASE,
                depends=depends,
            )
            for version, name in sorted(old.items())
            if name not in in_use
        ]
    return found


def _touches(bob: BobRecord) -> frozenset[str]:
    systems = {f"host:{bob.host}"}
    if bob.controller is not None:
        systems.add(f"jenkins:{bob.controller}")
    return frozenset(systems)
