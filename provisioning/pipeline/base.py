"""What every pipeline step shares: one Bob, one host, failures that say where, a patient undo.

A subclass implements ``_apply``, ``check`` and (if it leaves anything behind) ``_undo``. The
public ``apply`` and ``undo`` add two things the job runner cannot know about:

- a failure is raised as :class:`~provisioning.pipeline.errors.StepFailed` naming the step, the
  Bob and the host, carrying the failed command's stderr, so the journal says what broke where;
- an undo (and a ``patient`` step's apply) that cannot reach the host is retried with backoff
  for up to ``Pipeline.undo_patience``: a host that drops off for a moment (sshd restarted, a
  network blip) must not turn into a container nobody removes. Undo steps are written to be safe
  to repeat, so retrying a command whose outcome was lost with the connection is safe too. The
  window is the job's, shared by its lanes on that host (:mod:`~provisioning.pipeline.outages`):
  a host that stays away costs one window, however many Bobs the job had there.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable

from provisioning.config.models import Host
from provisioning.errors import BobError
from provisioning.hosts.command import stop_scope_argv
from provisioning.hosts.errors import HostBusy, HostConnectionLost, HostUnreachable
from provisioning.hosts.scope import in_scope, step_scope
from provisioning.hosts.shell import HostShell
from provisioning.jenkins.errors import JenkinsUnreachable
from provisioning.jobs.steps import Step, StepContext
from provisioning.pipeline.containers import Container
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.errors import StepFailed, step_failed
from provisioning.pipeline.outages import PlaceAway

# The host (or controller) could not be asked, or its answer was lost: worth asking again (a
# failed command, by contrast, is the host's answer).
UNREACHABLE = (HostUnreachable, HostConnectionLost, HostBusy, JenkinsUnreachable)
DEFAULT_TIMEOUT_S = 120.0


class HostStep(Step):
    """A step of one Bob's lane, working on the Bob's container on its host.

    ``patient``: the step's ``apply`` is safe to repeat (it does only what is left), so a host
    that does not answer is waited for the way an undo waits, in the same per-job-and-host
    window, instead of failing the step at the first lost connection.
    """

    patient: bool = False
    # Whether the step runs commands on its host. A step that only writes bob's store, DNS or
    # a Jenkins controller (reserve, dns, ready, …) names no host to the runner: its journal
    # entries, progress and metrics carry none, and it takes none of the host's step slots.
    # It still knows the host (``host_name``) for what it does and for its messages.
    on_host: bool = True

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        bob: str,
        host: str,
        disk: str,
        timeout: float | None = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.p = pipeline
        self.bob_name = bob
        self.lane = bob
        self.host = host if self.on_host else None  # what the runner reads
        self.host_name = host
        self.disk = disk
        self.timeout = timeout

    def log_fields(self) -> dict[str, str | None]:
        return {"host": self.host_name, "bob": self.bob_name}

    @property
    def where(self) -> str:
        """What a failure names as the place it happened: the host, unless a step says else."""
        return self.host_name

    @property
    def shell(self) -> HostShell:
        return self.p.shell(self.host_name)

    @property
    def hostcfg(self) -> Host:
        return self.p.host(self.host_name)

    @property
    def container(self) -> Container:
        return Container(self.shell, self.hostcfg, self.disk, self.bob_name, self.timeout)

    async def apply(self, ctx: StepContext) -> None:
        with in_scope(step_scope(ctx.job.id, ctx.index)):
            if self.patient:
                await self._patiently(ctx, self._apply, undo=False)
                return
            try:
                await self._apply(ctx)
            except StepFailed:
                raise
            except BobError as exc:
                raise self.failure(ctx, exc) from exc

    async def undo(self, ctx: StepContext) -> None:
        with in_scope(step_scope(ctx.job.id, ctx.index)):
            await self._patiently(ctx, self._undo, undo=True)

    async def settle(self, ctx: StepContext) -> None:
        """Stop the commands an interrupted run of this step left on the host (they carry the
        step's scope in their tag), waiting for the host as an undo does."""

        async def stop(ctx: StepContext) -> None:
            await self.shell.run(stop_scope_argv(step_scope(ctx.job.id, ctx.index)))

        await self._patiently(ctx, stop, undo=True)

    async def _patiently(
        self, ctx: StepContext, call: Callable[[StepContext], Awaitable[None]], *, undo: bool
    ) -> None:
        """``call``, retried while the place does not answer, within the job's window for it."""
        doing = f"{'undo ' if undo else ''}{self.name} of {self.bob_name}"

        async def attempt() -> None:
            await call(ctx)

        async def waiting(exc: BobError, wait: float) -> None:
            await ctx.log(f"{doing}: {exc}; again in {wait:.1f} s")

        try:
            await self.p.outages.attempt(
                ctx.job.id,
                self.where,
                attempt,
                unreachable=UNREACHABLE,
                patience=self.p.undo_patience,
                on_wait=waiting,
            )
        except StepFailed:
            raise
        except PlaceAway as away:
            detail = f"(still failing after {away.waited_s:g} s)"
            raise self.failure(ctx, away.cause, undo=undo, detail=detail) from away.cause
        except BobError as exc:
            raise self.failure(ctx, exc, undo=undo) from exc

    @abc.abstractmethod
    async def _apply(self, ctx: StepContext) -> None:
        """Make the change (``apply`` reports its failures)."""

    async def _undo(self, ctx: StepContext) -> None:
        """Nothing by default: most steps change nothing that outlives the container."""

    def failure(
        self, ctx: StepContext, cause: BobError, *, undo: bool = False, detail: str = ""
    ) -> StepFailed:
        doing = f"{'undo of ' if undo else ''}{self.name} of {self.bob_name}"
        return step_failed(
            doing=doing,
            host=self.where,
            job_id=ctx.job.id,
            step=self.name,
            cause=cause,
            detail=detail,
        )
