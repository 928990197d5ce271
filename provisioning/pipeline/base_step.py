"""What every rebuild-base step shares: its host, its lane, the host's bases and this job's lock."""

from __future__ import annotations

from provisioning.bases.versions import Lock, version_name
from provisioning.errors import ConflictError
from provisioning.jobs.steps import StepContext
from provisioning.lxc.layout import BASE_NAME
from provisioning.pipeline.base import DEFAULT_TIMEOUT_S, HostStep
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.host_bases import HostBases


class BaseStep(HostStep):
    """A step of one host's rebuild; steps of hosts in the same lane run one after another."""

    def __init__(
        self, pipeline: Pipeline, host: str, lane: str, timeout: float | None = DEFAULT_TIMEOUT_S
    ) -> None:
        super().__init__(pipeline, bob=BASE_NAME, host=host, disk=BASE_NAME, timeout=timeout)
        self.lane = lane

    @property
    def bases(self) -> HostBases:
        return HostBases(self.shell, self.hostcfg, self.timeout)

    async def ours(self, ctx: StepContext) -> Lock | None:
        """This job's lock on the host, or None when the host holds no lock of this job."""
        lock = (await self.bases.state()).lock
        return lock if lock is not None and lock.job_id == ctx.job.id else None

    async def lock(self, ctx: StepContext) -> Lock:
        lock = await self.ours(ctx)
        if lock is None:
            raise ConflictError(
                f"{self.host_name}: this job's rebuild lock {self.bases.lock_path} is gone"
            )
        return lock

    async def target(self, ctx: StepContext) -> str:
        """The name of the version this job builds on the host."""
        return version_name((await self.lock(ctx)).version)
