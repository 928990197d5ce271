"""Executor rules: at most one heavy executor per physical disk.

Heavy builds on the same spindle starve each other, so a Bob may take a heavy label only
when no other Bob on its disk already has one, on any controller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from provisioning.core.models import Occupant


def choose_heavy(
    candidates: Sequence[Occupant], occupants: Iterable[Occupant], count: int
) -> tuple[list[Occupant], dict[str, str]]:
    """Pick up to ``count`` candidates for a heavy label, in the order given.

    Returns the chosen Bobs and, for every candidate passed over, why: naming the Bob that
    holds the disk's heavy executor, or the one this very choice gave it to (then no heavy
    executor exists yet, and saying so would be wrong).
    """
    holders: dict[tuple[str, str], str] = {}
    for o in sorted(occupants, key=lambda o: o.name):
        if o.heavy:
            holders.setdefault((o.host, o.disk), o.name)
    chosen: list[Occupant] = []
    taken: dict[tuple[str, str], str] = {}  # disks this choice gave their heavy executor
    refused: dict[str, str] = {}
    for bob in candidates:
        disk = (bob.host, bob.disk)
        where = f"{bob.host}/{bob.disk}"
        if disk in holders:
            refused[bob.name] = (
                f"one heavy per disk: {where} has its heavy executor on {holders[disk]}"
            )
        elif disk in taken:
            refused[bob.name] = (
                f"one heavy per disk: Bobs on {where} share a disk with {taken[disk]}"
            )
        elif len(chosen) < count:
            chosen.append(bob)
            taken[disk] = bob.name
    return chosen, refused
