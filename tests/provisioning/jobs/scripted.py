"""Steps scripted by the job's params, acting on an in-memory World the tests can inspect.

A job of kind "scripted" lists its steps in ``params["steps"]`` (see :func:`step`), so the
runner rebuilds them from the stored job exactly as it would a real pipeline.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from provisioning.jobs.registry import JobKinds
from provisioning.jobs.steps import JobDefinition, Step, StepContext
from provisioning.records import JobRecord, JobState, JournalEntry, StepEvent

KIND = "scripted"


class CommandFailed(Exception):
    """Like a failed remote command: carries its stderr."""

    def __init__(self, message: str, stderr: str) -> None:
        super().__init__(message)
        self.stderr = stderr


def step(name: str, lane: str = "main", **behaviour: Any) -> dict[str, Any]:
    """One step's script: host, timeout, delay, fail, stderr, undo_fail, undo_delay, block, log,
    from_submission."""
    return {"name": name, "lane": lane, **behaviour}


def params(
    *steps: dict[str, Any], on_resume: str = "continue", lanes_fail: str = "together"
) -> dict[str, Any]:
    return {"steps": list(steps), "on_resume": on_resume, "lanes_fail": lanes_fail}


@dataclass
class World:
    """What the steps change: the effects in place, and a record of every call."""

    calls: list[str] = field(default_factory=list)
    effects: set[str] = field(default_factory=set)
    busy: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    reached: dict[str, asyncio.Event] = field(default_factory=dict)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)
    broken_checks: set[str] = field(default_factory=set)
    # settle, check and undo calls in order, for the steps a crash interrupted (see Step.settle)
    settling: list[str] = field(default_factory=list)

    def reached_event(self, name: str) -> asyncio.Event:
        return self.reached.setdefault(name, asyncio.Event())

    def gate(self, name: str) -> asyncio.Event:
        return self.gates.setdefault(name, asyncio.Event())

    async def wait_reached(self, name: str, timeout: float = 2.0) -> None:
        await asyncio.wait_for(self.reached_event(name).wait(), timeout)

    def calls_of(self, verb: str) -> list[str]:
        return [c.split(" ", 1)[1] for c in self.calls if c.startswith(verb + " ")]


class ScriptedStep(Step):
    def __init__(self, script: dict[str, Any], world: World) -> None:
        self.name = script["name"]
        self.lane = script.get("lane", "main")
        self.host = script.get("host")
        self.timeout = script.get("timeout")
        self.from_submission = script.get("from_submission", False)
        self._script = script
        self._world = world

    async def apply(self, ctx: StepContext) -> None:
        world, script = self._world, self._script
        world.calls.append(f"apply {self.name}")
        host = self.host or "-"
        world.busy[host] += 1
        world.peak[host] = max(world.peak[host], world.busy[host])
        try:
            world.reached_event(self.name).set()
            if "log" in script:
                await ctx.log(script["log"])
            if script.get("block"):
                await world.gate(self.name).wait()
            await asyncio.sleep(script.get("delay", 0))
            if "fail" in script:
                if "stderr" in script:
                    raise CommandFailed(script["fail"], script["stderr"])
                raise RuntimeError(script["fail"])
            world.effects.add(self.name)
        finally:
            world.busy[host] -= 1

    async def undo(self, ctx: StepContext) -> None:
        world = self._world
        world.settling.append(f"undo {self.name}")
        world.calls.append(f"undo {self.name}")
        world.busy["undo"] += 1
        world.peak["undo"] = max(world.peak["undo"], world.busy["undo"])
        try:
            await asyncio.sleep(self._script.get("undo_delay", 0))
        finally:
            world.busy["undo"] -= 1
        if "undo_fail" in self._script:
            raise RuntimeError(self._script["undo_fail"])
        world.effects.discard(self.name)

    async def settle(self, ctx: StepContext) -> None:
        self._world.settling.append(f"settle {self.name}")

    async def check(self, ctx: StepContext) -> bool:
        self._world.settling.append(f"check {self.name}")
        self._world.calls.append(f"check {self.name}")
        if self.name in self._world.broken_checks:
            raise RuntimeError("cannot look")
        return self.name in self._world.effects


def scripted_kinds(world: World) -> JobKinds:
    def build(job: JobRecord) -> JobDefinition:
        return JobDefinition(
            steps=[ScriptedStep(s, world) for s in job.params["steps"]],
            on_resume=job.params.get("on_resume", "continue"),
            lanes_fail=job.params.get("lanes_fail", "together"),
        )

    return JobKinds({KIND: build})


async def leave_crashed(
    store: Any,
    job: JobRecord,
    *progress: tuple[str, StepEvent],
    state: JobState = JobState.RUNNING,
    error: str | None = None,
    detail: str | None = None,
) -> None:
    """Leave a job as a replica that died mid-run would: its state, its journal, a dead lease."""
    steps = job.params["steps"]
    index = {s["name"]: i for i, s in enumerate(steps)}
    for name, event in progress:
        script = steps[index[name]]
        await store.append_journal(
            JournalEntry(
                job_id=job.id,
                step_index=index[name],
                step=name,
                lane=script.get("lane", "main"),
                host=script.get("host"),
                event=event,
                at=datetime.now(UTC),
                detail=detail if event is StepEvent.FAILED else None,
            )
        )
    await store.set_job_state(job.id, state, error=error)
    await store.claim_job(job.id, "dead-replica", timedelta(seconds=-1))
