"""Running one pipeline step by hand, as the job runner would, for the unit-level tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from provisioning.core.models import PlannedBob
from provisioning.core.plan import plan_create
from provisioning.jobs.steps import StepContext
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.kinds import CREATE
from provisioning.records import NewJob

DISK1 = "/var/lib/bob/disk1"


@dataclass
class Logged:
    """A step context's log sink that keeps the lines."""

    lines: list[str] = field(default_factory=list)

    async def __call__(self, ctx: StepContext, line: str) -> None:
        self.lines.append(line)


async def reserve_one(
    pipeline: Pipeline, log: Logged | None = None
) -> tuple[StepContext, PlannedBob]:
    """A create job holding one Bob (bob001 on host-a/disk1), and a context of that job."""
    job, plan = await pipeline.store.reserve(
        NewJob(kind=CREATE), lambda held: plan_create(pipeline.fleet, held, 1)
    )
    return StepContext(job=job, sink=log or Logged()), plan.bobs[0]
