"""What a job is made of: steps that can be applied, undone and checked, grouped in lanes."""

from __future__ import annotations

import abc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from provisioning.records import JobRecord

log = logging.getLogger("bob.jobs")

OnResume = Literal["continue", "undo"]
# Whether one lane's failure fails the others: "together" (all or nothing: the job is aborted
# and undone) or "alone" (the failed lane stops and is undone; the others run to their end).
LanesFail = Literal["together", "alone"]
LogSink = Callable[["StepContext", str], Awaitable[None]]


async def _log_only(ctx: StepContext, line: str) -> None:
    # Lets a step be exercised on its own (unit tests, dry runs) without a store or a bus.
    log.info("step.log job=%s step=%s lane=%s line=%s", ctx.job.id, ctx.step, ctx.lane, line)


@dataclass
class StepContext:
    """Handed to every step call: the job it belongs to and a journaled log."""

    job: JobRecord
    step: str = ""
    index: int = 0
    lane: str = "main"
    host: str | None = None
    sink: LogSink = field(default=_log_only, repr=False, compare=False, kw_only=True)

    async def log(self, line: str) -> None:
        """Record a progress line in the job's journal and publish it as a StepLog event."""
        await self.sink(self, line)


class Step(abc.ABC):
    """One unit of work with a way back.

    Steps in the same ``lane`` run one after another in the order the job lists them; lanes
    run concurrently (e.g. one lane per Bob). ``host`` names the physical host the step works
    on, so the runner can cap concurrent steps per host. ``timeout`` is in seconds and bounds
    ``apply``, ``undo`` and ``check`` alike.

    A step's effect must happen exactly once even when bob crashes mid-step. The runner makes
    that possible, the step makes it true: ``check`` must tell reliably whether ``apply``'s
    effect is already in place, and ``undo`` must cope with an ``apply`` that was interrupted
    anywhere (or never ran).
    """

    name: str
    lane: str = "main"
    host: str | None = None
    timeout: float | None = None
    # The step's effect exists from the job's submission (a reservation made with the job):
    # undone with the job even when the job stopped before the step ever started.
    from_submission: bool = False

    @abc.abstractmethod
    async def apply(self, ctx: StepContext) -> None:
        """Make the change."""

    @abc.abstractmethod
    async def undo(self, ctx: StepContext) -> None:
        """Remove whatever ``apply`` may have done, however far it got; a no-op if nothing."""

    @abc.abstractmethod
    async def check(self, ctx: StepContext) -> bool:
        """True if ``apply``'s effect is already fully in place.

        Asked after a crash for a step that started but has no recorded outcome.
        """

    def log_fields(self) -> dict[str, str | None]:
        """What the log records emitted while this step runs say it works on (besides the job,
        step and lane, which the runner binds for every step)."""
        return {"host": self.host}

    async def settle(self, ctx: StepContext) -> None:
        """Stop whatever an interrupted run of this step may have left running.

        Called before ``check`` or ``undo`` of a step whose run was cut off (the process that
        ran it died): work still under way would race the check or the undo. Nothing to stop
        for most steps.
        """
        return None

    def describe(self) -> str:
        where = f"lane {self.lane}" + (f", host {self.host}" if self.host else "")
        return f"step {self.name!r} ({where})"


@dataclass
class JobDefinition:
    """The steps of a job, rebuilt from its stored params, and what to do after a crash.

    The factory that builds it must be deterministic: after a crash the journal is matched to
    the steps by position and name.
    """

    steps: list[Step]
    on_resume: OnResume = "continue"
    # A job whose lanes are worth something only together (a create's Bobs) says "together";
    # one whose lanes are separate errands (destroying Bobs) says "alone", so one lane's
    # failure never cancels another's work. A cancel stops every lane either way.
    lanes_fail: LanesFail = "together"

    def __post_init__(self) -> None:
        if self.on_resume not in ("continue", "undo"):
            raise ValueError(f"on_resume must be 'continue' or 'undo', not {self.on_resume!r}")
        if self.lanes_fail not in ("together", "alone"):
            raise ValueError(f"lanes_fail must be 'together' or 'alone', not {self.lanes_fail!r}")

    @property
    def lanes(self) -> dict[str, list[int]]:
        """Step indices per lane, lanes in order of first appearance."""
        lanes: dict[str, list[int]] = {}
        for index, step in enumerate(self.steps):
            lanes.setdefault(step.lane, []).append(index)
        return lanes
