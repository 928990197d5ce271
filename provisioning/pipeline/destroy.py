"""The destroy pipeline: stop, remove container and volume, forget. Safe to run again.

Nothing here can be undone, so no step has an undo; every step instead checks what is left
and does only that, which is what makes a re-run on a half-destroyed Bob finish the job.
"""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict

from provisioning.dns.zone import reverse_zone
from provisioning.errors import BobError
from provisioning.jobs.steps import Step, StepContext
from provisioning.pipeline.base import DEFAULT_TIMEOUT_S, HostStep
from provisioning.pipeline.collect import collect_unused
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.jenkins_steps import AgentRef, detach_steps
from provisioning.records import BobState


class Doomed(BaseModel):
    """What destroy needs to know about a Bob, captured when the job is submitted."""

    model_config = ConfigDict(frozen=True)

    name: str
    host: str
    disk: str
    ip: ipaddress.IPv4Address | None = None
    # The controller it is an agent of (found when the job was submitted), None if none.
    controller: str | None = None


class DestroyStep(HostStep):
    """Destruction is not undone: a failed destroy leaves the Bob marked 'destroying'.

    Every destroy step does only what is left, so it is safe to repeat: a host that drops off
    for a moment (sshd restarted) is waited for within the job's window, not a failure.
    """

    patient = True

    def __init__(
        self, pipeline: Pipeline, bob: Doomed, timeout: float | None = DEFAULT_TIMEOUT_S
    ) -> None:
        super().__init__(pipeline, bob=bob.name, host=bob.host, disk=bob.disk, timeout=timeout)
        self.bob = bob


class MarkDestroying(DestroyStep):
    """From here on the Bob is going: the record says so, and names this job as the one doing it
    (not the job that created it)."""

    name = "mark-destroying"
    on_host = False

    async def _apply(self, ctx: StepContext) -> None:
        if await self.p.store.get_bob(self.bob.name) is not None:
            await self.p.store.set_bob_state(self.bob.name, BobState.DESTROYING, job_id=ctx.job.id)

    async def check(self, ctx: StepContext) -> bool:
        bob = await self.p.store.get_bob(self.bob.name)
        return bob is None or bob.state is BobState.DESTROYING


class StopContainer(DestroyStep):
    name = "stop"

    async def _apply(self, ctx: StepContext) -> None:
        await self.container.stop()

    async def check(self, ctx: StepContext) -> bool:
        return await self.container.state() in (None, "STOPPED")


class RemoveContainer(DestroyStep):
    """Container and volume; each command tolerates what an earlier attempt already removed."""

    name = "remove"

    async def _apply(self, ctx: StepContext) -> None:
        if not await self.container.exists():
            await ctx.log(f"{self.bob.name}: no container on {self.bob.host}, nothing to remove")
            return
        await self.container.remove()

    async def check(self, ctx: StepContext) -> bool:
        return not await self.container.exists()


class Forget(DestroyStep):
    """Drop the record: the name, slot and address are free again."""

    name = "forget"
    on_host = False

    async def _apply(self, ctx: StepContext) -> None:
        await self.p.store.delete_bob(self.bob.name)

    async def check(self, ctx: StepContext) -> bool:
        return await self.p.store.get_bob(self.bob.name) is None


class ForgetDns(DestroyStep):
    """Remove the Bob's A and PTR records (only those exact values, and its tags)."""

    name = "dns"
    on_host = False

    async def _apply(self, ctx: StepContext) -> None:
        if self.p.dns is None or self.bob.ip is None:
            return
        subnet = next((s for s in self.p.fleet.subnets if self.bob.ip in s.cidr), None)
        if subnet is None:
            await ctx.log(f"{self.bob.ip} is in no configured subnet: no DNS records to remove")
            return
        await self.p.dns.release(
            self.bob.name, self.bob.ip, subnet.forward_zone, reverse_zone(subnet)
        )

    async def check(self, ctx: StepContext) -> bool:
        return False  # releasing again is a no-op


class CollectBases(DestroyStep):
    """Old base versions the host keeps only for its Bobs go once the last of them is gone.

    Each Bob's lane collects after its own Forget, so whichever lane finishes last on a host
    sees every Bob of the job gone.
    """

    name = "collect-bases"
    # Housekeeping after the Bob is gone: not worth waiting for a host that does not answer.
    patient = False

    async def _apply(self, ctx: StepContext) -> None:
        # Never fails the destroy: the Bob is gone, and reconcile reports (and --fix collects)
        # base versions nothing references, so a host that cannot be asked now loses nothing.
        try:
            await collect_unused(self.p, self.bob.host, ctx)
        except BobError as exc:
            await ctx.log(f"warning: {self.bob.host}: old bases not collected now: {exc}")

    async def check(self, ctx: StepContext) -> bool:
        return False  # collecting again removes only what is unused by then


DESTROY_STEPS: tuple[type[DestroyStep], ...] = (
    MarkDestroying,
    StopContainer,
    RemoveContainer,
    ForgetDns,
    Forget,
    CollectBases,
)


def destroy_steps(pipeline: Pipeline, bob: Doomed, *, wait: float = 0.0) -> list[Step]:
    """The Bob's steps; an agent on a controller is drained and removed before anything else.

    ``wait``: how long to let running builds finish; past it the destroy fails with the agent
    drained (no new builds) and the container untouched, so a re-run can finish the job. Those
    steps come before ``mark-destroying``: a destroy stopped by a busy agent has changed nothing
    but the drain, so the record must still say what the Bob is (ready), not ``destroying``.
    """
    steps: list[Step] = [step(pipeline, bob) for step in DESTROY_STEPS]
    if bob.controller is not None:
        agent = AgentRef(
            name=bob.name, host=bob.host, disk=bob.disk, ip=bob.ip, controller=bob.controller
        )
        steps[0:0] = detach_steps(
            pipeline,
            agent,
            wait=wait,
            reason="bob: destroying this Bob",
            restore_on_undo=False,
            then="it stays drained: destroy it again when it is idle, or with --wait",
        )[:3]  # drain, wait-idle, remove-node: the record goes with the Bob
    return steps
