"""The job kinds the pipelines provide, rebuilt from a job's stored params after a crash."""

from __future__ import annotations

from provisioning.core.models import CreatePlan
from provisioning.jobs.registry import JobKinds
from provisioning.jobs.steps import JobDefinition, Step
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import create_steps
from provisioning.pipeline.destroy import Doomed, destroy_steps
from provisioning.records import JobRecord

CREATE = "create"
DESTROY = "destroy"


def register(kinds: JobKinds, pipeline: Pipeline) -> None:
    def create(job: JobRecord) -> JobDefinition:
        plan = CreatePlan.model_validate(job.params["plan"])
        steps: list[Step] = [s for bob in plan.bobs for s in create_steps(pipeline, bob)]
        # A half-made Bob is worth nothing: after a crash, finish what can be checked.
        return JobDefinition(steps=steps, on_resume="continue")

    def destroy(job: JobRecord) -> JobDefinition:
        doomed = [Doomed.model_validate(b) for b in job.params["bobs"]]
        return JobDefinition(
            steps=[s for bob in doomed for s in destroy_steps(pipeline, bob)],
            on_resume="continue",
        )

    kinds.register(CREATE, create)
    kinds.register(DESTROY, destroy)
