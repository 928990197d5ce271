"""The job kinds the pipelines provide, rebuilt from a job's stored params after a crash."""

from __future__ import annotations

from provisioning.core.models import CreatePlan, PlannedBob
from provisioning.jobs.registry import JobKinds
from provisioning.jobs.steps import JobDefinition, Step
from provisioning.limits.judge import Change
from provisioning.limits.steps import limit_steps
from provisioning.lockers import kinds as lockers
from provisioning.lockers.bob_lanes import CloseWormhole, MountOwnLockers
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import CREATE_STEPS
from provisioning.pipeline.destroy import Doomed, destroy_steps
from provisioning.pipeline.dns_steps import RegisterDns
from provisioning.pipeline.jenkins_steps import AgentRef, attach_steps, detach_steps
from provisioning.pipeline.rebuild import rebuild_steps
from provisioning.pipeline.refresh import Refreshed, refresh_lanes, refresh_steps
from provisioning.records import JobRecord
from provisioning.staging import kind as staging

CREATE = "create"
DESTROY = "destroy"
ATTACH = "attach"
DETACH = "detach"
REBUILD_BASE = "rebuild-base"
REFRESH = "refresh"
LIMIT = "limit"


def rebuild_lanes(hosts: list[str], parallel: int) -> dict[str, str]:
    """Host → lane: ``parallel`` lanes, hosts dealt round-robin in the order given, so at
    most ``parallel`` hosts rebuild at once and each lane takes its hosts one at a time."""
    lanes = max(1, min(parallel, len(hosts)))
    return {
        host: "rebuild" if lanes == 1 else f"rebuild-{index % lanes + 1}"
        for index, host in enumerate(hosts)
    }


def create_steps(pipeline: Pipeline, bob: PlannedBob) -> list[Step]:
    steps: list[Step] = [step(pipeline, bob) for step in CREATE_STEPS]
    if pipeline.dns is not None:
        # Right after the reservation, so it is undone just before the address is given back.
        steps.insert(1, RegisterDns(pipeline, bob))
    # Once it runs (its wormhole is shared then); undone before it is stopped.
    steps.insert(_after(steps, "start"), MountOwnLockers(pipeline, bob))
    return steps


def _after(steps: list[Step], name: str) -> int:
    return next(i for i, s in enumerate(steps) if s.name == name) + 1


def _destroy_steps(pipeline: Pipeline, bob: Doomed, wait: float) -> list[Step]:
    steps = destroy_steps(pipeline, bob, wait=wait)
    # Once it stopped: its lockers are unmounted, never deleted.
    steps.insert(_after(steps, "stop"), CloseWormhole(pipeline, bob))
    return steps


def register(kinds: JobKinds, pipeline: Pipeline) -> None:
    def create(job: JobRecord) -> JobDefinition:
        plan = CreatePlan.model_validate(job.params["plan"])
        steps: list[Step] = [s for bob in plan.bobs for s in create_steps(pipeline, bob)]
        # A half-made Bob is worth nothing: after a crash, finish what can be checked.
        return JobDefinition(steps=steps, on_resume="continue")

    def destroy(job: JobRecord) -> JobDefinition:
        doomed = [Doomed.model_validate(b) for b in job.params["bobs"]]
        wait = float(job.params.get("wait", 0.0))
        return JobDefinition(
            steps=[s for bob in doomed for s in _destroy_steps(pipeline, bob, wait)],
            on_resume="continue",
            # Each Bob is its own errand: one that cannot be destroyed keeps no other from going.
            lanes_fail="alone",
        )

    def attach(job: JobRecord) -> JobDefinition:
        agents = [AgentRef.model_validate(a) for a in job.params["agents"]]
        return JobDefinition(
            steps=[s for agent in agents for s in attach_steps(pipeline, agent)],
            on_resume="continue",
        )

    def detach(job: JobRecord) -> JobDefinition:
        agents = [AgentRef.model_validate(a) for a in job.params["agents"]]
        wait = float(job.params["wait"])
        reason = f"bob: detaching (job {job.id})"
        return JobDefinition(
            steps=[
                s
                for agent in agents
                for s in detach_steps(pipeline, agent, wait=wait, reason=reason)
            ],
            on_resume="continue",
        )

    def rebuild(job: JobRecord) -> JobDefinition:
        hosts = [str(h) for h in job.params["hosts"]]
        lanes = rebuild_lanes(hosts, int(job.params.get("parallel", 1)))
        return JobDefinition(
            steps=[s for host in hosts for s in rebuild_steps(pipeline, host, lanes[host])],
            on_resume="continue",
        )

    def refresh(job: JobRecord) -> JobDefinition:
        bobs = [Refreshed.model_validate(b) for b in job.params["bobs"]]
        lanes = refresh_lanes([b.name for b in bobs], int(job.params.get("parallel", 1)))
        wait = float(job.params.get("wait", 0.0))
        return JobDefinition(
            steps=[
                s for b in bobs for s in refresh_steps(pipeline, b, lane=lanes[b.name], wait=wait)
            ],
            on_resume="continue",
            # A lane that fails is undone back to its last finished Bob; the others go on.
            lanes_fail="alone",
        )

    def limit(job: JobRecord) -> JobDefinition:
        changes = [Change.model_validate(c) for c in job.params["bobs"]]
        # All or nothing: limits asked together are undone together.
        steps = [s for change in changes for s in limit_steps(pipeline, change)]
        return JobDefinition(steps=steps, on_resume="continue")

    kinds.register(CREATE, create)
    kinds.register(DESTROY, destroy)
    kinds.register(ATTACH, attach)
    kinds.register(DETACH, detach)
    kinds.register(REBUILD_BASE, rebuild)
    kinds.register(REFRESH, refresh)
    kinds.register(LIMIT, limit)
    lockers.register(kinds, pipeline)
    staging.register(kinds, pipeline, create_steps)
