"""Dry-run plans for destructive commands: what would go, changing nothing."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.requests import DestroyBobs
from provisioning.ports import FleetStore
from provisioning.records import BobRecord


@dataclass(frozen=True)
class DestroyPlan:
    doomed: list[BobRecord]
    gone: list[str]


async def dry_run_destroy(store: FleetStore, request: DestroyBobs) -> DestroyPlan:
    doomed: list[BobRecord] = []
    gone: list[str] = []
    for name in dict.fromkeys(request.names):
        bob = await store.get_bob(name)
        if bob is None:
            gone.append(name)
        else:
            doomed.append(bob)
    return DestroyPlan(doomed, gone)


def render_destroy_plan(plan: DestroyPlan) -> str:
    if not plan.doomed:
        return f"nothing to destroy: {', '.join(plan.gone)} do not exist"
    lines = [f"would destroy {len(plan.doomed)} Bob{'s' if len(plan.doomed) != 1 else ''}:"]
    lines += [
        f"  {b.name}  {b.host}/{b.disk}  {b.ip or '-'}  {b.state.value}"
        + (f"  {b.controller}/{b.label}" if b.controller else "")
        for b in plan.doomed
    ]
    if plan.gone:
        lines.append(f"already gone: {', '.join(plan.gone)}")
    return "\n".join(lines)
