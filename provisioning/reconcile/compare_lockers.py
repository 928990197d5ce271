"""Pure: the hosts' lockers and wormholes against bob's locker records.

Lockers outlive Bobs, so nothing here is ever repaired by deleting: each finding is told, and
what to do about it is the operator's (the detail says what would).
"""

from __future__ import annotations

from provisioning.reconcile.context import Context
from provisioning.reconcile.model import Finding, Kind


def lockers(ctx: Context) -> list[Finding]:
    return _missing_mounts(ctx) + _unknown_lockers(ctx) + _mounts_without_bob(ctx)


def _missing_mounts(ctx: Context) -> list[Finding]:
    """A mount bob recorded into a Bob that is there, which its host does not have."""
    bobs = {b.name: b for b in ctx.bobs}
    found = []
    for mount in ctx.truth.mounts:
        bob = bobs.get(mount.bob)
        scan = ctx.truth.hosts.get(bob.host) if bob is not None else None
        if bob is None or scan is None or (mount.bob, mount.locker) in scan.locker_mounts:
            continue
        found.append(
            Finding(
                Kind.LOCKER_MOUNT_MISSING,
                mount.locker,
                f"recorded as mounted into {mount.bob}, but it is not mounted there (a host "
                f"reboot forgets mounts): `bob locker unmount {mount.locker} {mount.bob}`, "
                "then mount it again",
                bob.host,
                depends=frozenset({f"host:{bob.host}"}),
            )
        )
    return found


def _unknown_lockers(ctx: Context) -> list[Finding]:
    known = {(lk.host, lk.name) for lk in ctx.truth.lockers}
    found = []
    for host, scan in sorted(ctx.truth.hosts.items()):
        for name in sorted(scan.lockers):
            if (host, name) in known or name in ctx.busy:
                continue
            found.append(
                Finding(
                    Kind.LOCKER_WITHOUT_RECORD,
                    name,
                    "a locker volume no record knows (its data is kept; remove it by hand if "
                    "nobody wants it)",
                    host,
                    depends=frozenset({f"host:{host}"}),
                )
            )
    return found


def _mounts_without_bob(ctx: Context) -> list[Finding]:
    """Recorded mounts into a Bob bob no longer has, and mounts in the wormhole of one."""
    every = {b.name: b.host for b in ctx.truth.bobs}
    found = []
    for mount in ctx.truth.mounts:
        if mount.bob in every or mount.bob in ctx.busy:
            continue
        found.append(
            Finding(
                Kind.LOCKER_MOUNT_WITHOUT_BOB,
                mount.locker,
                f"recorded as mounted into {mount.bob}, which is gone",
            )
        )
    for host, scan in sorted(ctx.truth.hosts.items()):
        for bob, locker in sorted(scan.locker_mounts):
            if every.get(bob) == host or bob in ctx.busy:
                continue
            found.append(
                Finding(
                    Kind.LOCKER_MOUNT_WITHOUT_BOB,
                    locker,
                    f"mounted in the wormhole of {bob}, which is not a Bob on {host}",
                    host,
                    depends=frozenset({f"host:{host}"}),
                )
            )
    return found
