"""Steps that put Bobs on a Jenkins controller and take them off again.

attach:  claim (bob's record)  →  attach (the node, through the controller's script console)
detach:  drain  →  wait-idle  →  remove-node  →  forget-attachment
destroy: the same drain and remove-node before the container goes, so no agent outlives its Bob.

The controller is the truth about nodes; the store's controller/label columns are bob's claim,
which makes two attaches racing for one Bob fail cleanly instead of both attaching it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time

from pydantic import BaseModel, ConfigDict

from provisioning.errors import ConflictError, UsageError
from provisioning.jenkins.errors import JenkinsError
from provisioning.jenkins.models import JenkinsNode
from provisioning.jenkins.port import JenkinsController
from provisioning.jenkins.specs import attach_spec
from provisioning.jobs.steps import StepContext
from provisioning.pipeline.base import HostStep
from provisioning.pipeline.context import Pipeline

IDLE_POLL_S = 1.0


class AgentRef(BaseModel):
    """One Bob and the controller it is (or is to be) an agent of; stored in the job's params."""

    model_config = ConfigDict(frozen=True)

    name: str
    host: str
    disk: str
    ip: ipaddress.IPv4Address | None = None
    controller: str
    label: str | None = None


class JenkinsStep(HostStep):
    on_host = False  # a controller's script console, not the Bob's host

    def __init__(self, pipeline: Pipeline, agent: AgentRef, timeout: float | None = None) -> None:
        controller = pipeline.jenkins.get(agent.controller)
        if controller is None:
            raise UsageError(f"{agent.name}: controller {agent.controller!r} is not configured")
        config = next(c for c in pipeline.fleet.jenkins if c.name == agent.controller)
        # A few script-console round trips per step, each bounded by the controller's timeout.
        super().__init__(
            pipeline,
            bob=agent.name,
            host=agent.host,
            disk=agent.disk,
            timeout=timeout if timeout is not None else 4 * config.timeout,
        )
        self.agent = agent
        self.controller: JenkinsController = controller
        self.config = config

    @property
    def where(self) -> str:
        return self.agent.controller  # the step failed there, not on the Bob's host

    async def node(self) -> JenkinsNode | None:
        return next(
            (n for n in await self.controller.list_nodes() if n.name == self.agent.name), None
        )


class ClaimAttachment(JenkinsStep):
    """Bob's record says: this Bob serves that controller with that label (refused if it serves
    another); undone, the record is cleared again — but only once the controller has no such
    agent: while the node is still there (its removal failed: it was busy) the claim is true,
    and clearing it would let another attach take the Bob twice."""

    name = "claim"

    async def _apply(self, ctx: StepContext) -> None:
        label = self._label()
        heavy = label in self.config.heavy_labels
        if not await self.p.store.claim_attachment(
            self.agent.name, self.agent.controller, label, heavy
        ):
            bob = await self.p.store.get_bob(self.agent.name)
            now = f"{bob.controller}/{bob.label}" if bob and bob.controller else "gone"
            raise ConflictError(
                f"{self.agent.name} cannot be attached to {self.agent.controller}/{label}: "
                f"it is {now} (another job got there first)"
            )

    async def _undo(self, ctx: StepContext) -> None:
        bob = await self.p.store.get_bob(self.agent.name)
        if bob is not None and (bob.controller, bob.label) == (
            self.agent.controller,
            self._label(),
        ):
            try:
                node = await self.node()
            except JenkinsError:
                # Unknown is not "still there": the claim goes; should the node turn up,
                # bob list and reconcile report the controller and the records disagreeing.
                node = None
            if node is not None and node.managed:
                raise ConflictError(
                    f"{self.agent.name} is still an agent of {self.agent.controller}: "
                    "bob's record keeps it; detach it when it is idle"
                )
            await self.p.store.clear_attachment(self.agent.name, self.agent.controller)

    async def check(self, ctx: StepContext) -> bool:
        bob = await self.p.store.get_bob(self.agent.name)
        return bob is not None and (bob.controller, bob.label) == (
            self.agent.controller,
            self._label(),
        )

    def _label(self) -> str:
        if self.agent.label is None:
            raise UsageError(f"{self.agent.name}: attach needs a label")
        return self.agent.label


class AttachNode(JenkinsStep):
    """Create the agent. Re-running is safe: the same settings again are ``unchanged``."""

    name = "attach"

    async def _apply(self, ctx: StepContext) -> None:
        assert self.agent.label is not None
        spec = attach_spec(
            self.p.fleet,
            self.config,
            name=self.agent.name,
            ip=self.agent.ip,
            label=self.agent.label,
            job_id=ctx.job.id,
            host=self.agent.host,
            disk=self.agent.disk,
        )
        result = await self.controller.attach(spec)
        await ctx.log(
            f"{self.agent.name}: agent {result.status} on {self.agent.controller} "
            f"({spec.label}, {spec.executors} executor{'s' if spec.executors != 1 else ''}, "
            f"{spec.launcher.type} launcher)"
        )

    async def _undo(self, ctx: StepContext) -> None:
        # A node made a moment ago runs nothing yet, so it can go at once; if someone
        # scheduled a build on it already, drain first so the removal can finish later.
        result = await self.controller.detach(self.agent.name)
        if result.status == "busy":
            await self.controller.drain(self.agent.name, f"bob job {ctx.job.id} failed; undoing")
            raise ConflictError(
                f"{self.agent.name} on {self.agent.controller} is running "
                f"{result.busy_executors} build(s): drained, remove it when idle"
            )
        await ctx.log(f"{self.agent.name}: agent {result.status} on {self.agent.controller}")

    async def check(self, ctx: StepContext) -> bool:
        node = await self.node()
        return node is not None and node.managed and self.agent.label in node.label_set


class DrainNode(JenkinsStep):
    """Take the agent offline so no new build starts on it.

    In a detach a failure later on brings it back online (``undrain``), so an agent is never
    left offline for nobody; in a destroy it stays drained — the Bob is on its way out.
    """

    name = "drain"

    def __init__(
        self, pipeline: Pipeline, agent: AgentRef, reason: str, *, restore_on_undo: bool
    ) -> None:
        super().__init__(pipeline, agent)
        self.reason = reason
        self.restore_on_undo = restore_on_undo

    async def _apply(self, ctx: StepContext) -> None:
        result = await self.controller.drain(self.agent.name, self.reason)
        await ctx.log(f"{self.agent.name}: {result.status} on {self.agent.controller}")

    async def _undo(self, ctx: StepContext) -> None:
        if self.restore_on_undo:
            result = await self.controller.undrain(self.agent.name)
            await ctx.log(f"{self.agent.name}: {result.status} on {self.agent.controller}")

    async def check(self, ctx: StepContext) -> bool:
        node = await self.node()
        return node is None or node.temporarily_offline


class WaitIdle(JenkinsStep):
    """Wait for the builds running on the agent to finish, up to ``wait`` seconds."""

    name = "wait-idle"

    def __init__(self, pipeline: Pipeline, agent: AgentRef, wait: float, then: str) -> None:
        super().__init__(pipeline, agent, timeout=wait + 4 * pipeline_timeout(pipeline, agent))
        self.wait = wait
        self.then = then  # what happens to the agent if it stays busy, for the error message

    async def _apply(self, ctx: StepContext) -> None:
        deadline = time.monotonic() + self.wait
        announced = False
        while True:
            node = await self.node()
            if node is None or node.idle:
                return
            if time.monotonic() >= deadline:
                raise ConflictError(
                    f"{self.agent.name} on {self.agent.controller} is still running "
                    f"{node.busy_executors} build(s) after {self.wait:g} s; {self.then}"
                )
            if not announced:
                await ctx.log(
                    f"{self.agent.name}: waiting up to {self.wait:g} s for "
                    f"{node.busy_executors} build(s) to finish"
                )
                announced = True
            await asyncio.sleep(min(IDLE_POLL_S, max(deadline - time.monotonic(), 0.05)))

    async def check(self, ctx: StepContext) -> bool:
        node = await self.node()
        return node is None or node.idle


class RemoveNode(JenkinsStep):
    """Remove the (idle) agent; ``absent`` is success — a re-run finds it gone."""

    name = "remove-node"

    async def _apply(self, ctx: StepContext) -> None:
        result = await self.controller.detach(self.agent.name)
        if result.status == "busy":
            raise ConflictError(
                f"{self.agent.name} on {self.agent.controller} started "
                f"{result.busy_executors} build(s) meanwhile; it stays drained"
            )
        await ctx.log(f"{self.agent.name}: agent {result.status} from {self.agent.controller}")

    async def check(self, ctx: StepContext) -> bool:
        return await self.node() is None


class ForgetAttachment(JenkinsStep):
    name = "forget-attachment"

    async def _apply(self, ctx: StepContext) -> None:
        await self.p.store.clear_attachment(self.agent.name, self.agent.controller)

    async def check(self, ctx: StepContext) -> bool:
        bob = await self.p.store.get_bob(self.agent.name)
        return bob is None or bob.controller != self.agent.controller


def pipeline_timeout(pipeline: Pipeline, agent: AgentRef) -> float:
    config = next((c for c in pipeline.fleet.jenkins if c.name == agent.controller), None)
    return config.timeout if config is not None else 10.0


def attach_steps(pipeline: Pipeline, agent: AgentRef) -> list[HostStep]:
    return [ClaimAttachment(pipeline, agent), AttachNode(pipeline, agent)]


def detach_steps(
    pipeline: Pipeline,
    agent: AgentRef,
    *,
    wait: float,
    reason: str,
    restore_on_undo: bool = True,
    then: str = "it is back online",
) -> list[HostStep]:
    return [
        DrainNode(pipeline, agent, reason, restore_on_undo=restore_on_undo),
        WaitIdle(pipeline, agent, wait, then),
        RemoveNode(pipeline, agent),
        ForgetAttachment(pipeline, agent),
    ]
