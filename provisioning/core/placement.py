"""Where new Bobs go: first usable host in config order, first disk with room, lowest slot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from provisioning.config.models import Fleet, Host
from provisioning.core.models import SlotRef
from provisioning.errors import ShortfallError, UnknownHostError, UsageError
from provisioning.words import plural


def used_slots(occupied: Iterable[SlotRef]) -> dict[tuple[str, str], set[int]]:
    used: dict[tuple[str, str], set[int]] = defaultdict(set)
    for ref in occupied:
        used[(ref.host, ref.disk)].add(ref.slot)
    return used


def free_slots(host: Host, used: Mapping[tuple[str, str], set[int]]) -> list[SlotRef]:
    """Every free slot on ``host``, in placement order (disk order, then slot number)."""
    free: list[SlotRef] = []
    for disk in host.disks:
        taken = used.get((host.name, disk.name), set())
        free.extend(
            SlotRef(host=host.name, disk=disk.name, slot=slot)
            for slot in range(disk.max_bobs)
            if slot not in taken
        )
    return free


def place(
    fleet: Fleet,
    occupied: Iterable[SlotRef],
    count: int,
    *,
    host: str | None = None,
    unavailable: Mapping[str, str] | None = None,
) -> list[SlotRef]:
    """Slots for ``count`` new Bobs, all or nothing.

    ``unavailable`` maps host names to a reason they cannot take Bobs right now (e.g. cooling
    down after failures); drained hosts are skipped too. Naming a host restricts placement to it.
    """
    if count < 1:
        raise UsageError(f"count must be at least 1, got {count}")
    skipped = dict(unavailable or {})
    for h in fleet.hosts:
        if h.drained:
            skipped.setdefault(h.name, "drained")
    if host is not None:
        known = [h.name for h in fleet.hosts]
        if host not in known:
            raise UnknownHostError(f"unknown host {host!r}; known hosts: {', '.join(known)}")
        if host in skipped:
            raise UsageError(f"host {host} cannot take Bobs: {skipped[host]}")
        candidates = [fleet.host(host)]
    else:
        candidates = [h for h in fleet.hosts if h.name not in skipped]

    used = used_slots(occupied)
    chosen: list[SlotRef] = []
    for h in candidates:
        chosen.extend(free_slots(h, used)[: count - len(chosen)])
        if len(chosen) == count:
            return chosen
    raise ShortfallError(
        f"need room for {plural(count, 'Bob')}, the fleet has room for {len(chosen)}: "
        + describe_room(candidates, used, skipped if host is None else {}),
        requested=count,
        available=len(chosen),
        where=describe_room(candidates, used, {}),
    )


def describe_room(
    hosts: Iterable[Host],
    used: Mapping[tuple[str, str], set[int]],
    skipped: Mapping[str, str],
) -> str:
    """``host-a 3 (disk2 1, disk3 2), host-b full; host-c drained``."""
    parts = []
    for h in hosts:
        per_disk = [
            (d.name, d.max_bobs - len(used.get((h.name, d.name), set()) & set(range(d.max_bobs))))
            for d in h.disks
        ]
        total = sum(n for _, n in per_disk)
        if total == 0:
            parts.append(f"{h.name} full")
        else:
            detail = ", ".join(f"{name} {n}" for name, n in per_disk if n > 0)
            parts.append(f"{h.name} {total} ({detail})")
    text = ", ".join(parts) if parts else "no usable hosts"
    if skipped:
        text += "; " + ", ".join(f"{name} {why}" for name, why in sorted(skipped.items()))
    return text
