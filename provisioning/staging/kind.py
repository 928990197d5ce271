"""The ``stage`` job: a new Bob's create steps (or a restart of the PR's Bob), then deploy."""

from __future__ import annotations

from collections.abc import Callable

from provisioning.core.models import CreatePlan, PlannedBob
from provisioning.jobs.registry import JobKinds
from provisioning.jobs.steps import JobDefinition, Step
from provisioning.pipeline.context import Pipeline
from provisioning.records import JobRecord
from provisioning.staging.ports import StageStore
from provisioning.staging.steps import Target, stage_steps

STAGE = "stage"

CreateSteps = Callable[[Pipeline, PlannedBob], list[Step]]


def register(kinds: JobKinds, pipeline: Pipeline, create_steps: CreateSteps) -> None:
    """Only where the store keeps staging environments (the SQL store; not the fakes)."""
    store = pipeline.store
    if not isinstance(store, StageStore):
        return

    def stage(job: JobRecord) -> JobDefinition:
        target = Target.model_validate(job.params["target"])
        steps: list[Step] = []
        new = "plan" in job.params
        if new:
            plan = CreatePlan.model_validate(job.params["plan"])
            steps = [s for bob in plan.bobs for s in create_steps(pipeline, bob)]
            # Placement chose the host and disk when the job was made, after its target.
            where = plan.bobs[0]
            target = target.model_copy(update={"host": where.host, "disk": where.disk})
        steps += stage_steps(pipeline, store, target, restart=not new)
        return JobDefinition(steps=steps, on_resume="continue")

    kinds.register(STAGE, stage)
