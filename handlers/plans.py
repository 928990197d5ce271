"""Dry-run plans for destructive commands: what would go, changing nothing."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from handlers.requests import DestroyBobs
from provisioning.errors import UsageError
from provisioning.pipeline.kinds import CREATE
from provisioning.ports import FleetStore
from provisioning.records import BobRecord

MAX_NAMES_SHOWN = 8
_NUMBERED = re.compile(r"(\D*)(\d+)")


@dataclass(frozen=True)
class DestroyPlan:
    doomed: list[BobRecord]
    gone: list[str]


async def dry_run_destroy(store: FleetStore, request: DestroyBobs) -> DestroyPlan:
    """The named Bobs that exist, and those bob made once that are gone by now.

    Every front end's destroy sorts names here (``submit_destroy`` too). "Gone" is only for a
    name some create job worked on: any other is a mistake (a typo, another fleet's name),
    refused with the names it may have meant, and a name still reserved is being created.
    """
    doomed: list[BobRecord] = []
    missing: list[str] = []
    for name in dict.fromkeys(request.names):
        bob = await store.get_bob(name)
        if bob is None:
            missing.append(name)
        else:
            doomed.append(bob)
    if not missing:
        return DestroyPlan(doomed, [])
    reserved = {r.name: r.job_id for r in await store.list_reservations()}
    for name in missing:
        if name in reserved:
            raise UsageError(
                f"{name} is still being created by job {reserved[name]}; cancel its job instead"
            )
    made = await store.worked_on(CREATE, missing)
    unknown = [name for name in missing if name not in made]
    if unknown:
        names = [b.name for b in await store.list_bobs()]
        raise UsageError(unknown_names(unknown, names))
    return DestroyPlan(doomed, missing)


def unknown_names(unknown: list[str], names: list[str]) -> str:
    """Names bob does not know, with the Bobs they may have meant."""
    what = f"no Bob named {', '.join(unknown)}"
    guesses = [g for u in unknown if (g := _meant(u, names)) is not None]
    if guesses:
        return f"{what}; did you mean {' or '.join(dict.fromkeys(guesses))}?"
    if not names:
        return f"{what}; there are no Bobs"
    shown = ", ".join(names[:MAX_NAMES_SHOWN]) + (", …" if len(names) > MAX_NAMES_SHOWN else "")
    return f"{what}; Bobs: {shown} (`bob list` shows them all)"


def render_destroy_plan(plan: DestroyPlan) -> str:
    if not plan.doomed:
        return f"nothing to destroy: {', '.join(plan.gone)} already gone"
    lines = [f"would destroy {len(plan.doomed)} Bob{'s' if len(plan.doomed) != 1 else ''}:"]
    lines += [
        f"  {b.name}  {b.host}/{b.disk}  {b.ip or '-'}  {b.state.value}"
        + (f"  {b.controller}/{b.label}" if b.controller else "")
        for b in plan.doomed
    ]
    if plan.gone:
        lines.append(f"already gone: {', '.join(plan.gone)}")
    return "\n".join(lines)


def _meant(name: str, names: list[str]) -> str | None:
    """The Bob a mistyped name most likely meant: the same number with the fleet's padding
    (``bob7``, ``bob07`` → ``bob007``), else a close spelling."""
    typed = _NUMBERED.fullmatch(name)
    if typed is not None:
        for candidate in names:
            known = _NUMBERED.fullmatch(candidate)
            if known and (known[1], int(known[2])) == (typed[1], int(typed[2])):
                return candidate
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    return close[0] if close else None
