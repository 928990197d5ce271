"""The job runner: steps with a journal, lanes, per-host limits, undo and resume after a crash.

Start with :class:`~provisioning.jobs.runner.JobRunner`; steps subclass
:class:`~provisioning.jobs.steps.Step`; job kinds are registered in
:class:`~provisioning.jobs.registry.JobKinds`; progress arrives on a
:class:`~provisioning.jobs.events.ProgressBus`.
"""

from provisioning.jobs.errors import JobNotClaimed, LeaseLost, UnknownJobKind
from provisioning.jobs.events import (
    Event,
    JobFinished,
    JobStarted,
    ProgressBus,
    StepFinished,
    StepLog,
    StepStarted,
    StepUndone,
    UndoStarted,
)
from provisioning.jobs.liveness import JobStatus, interrupted, job_status
from provisioning.jobs.registry import JobFactory, JobKinds
from provisioning.jobs.runner import JobRunner, unique_owner
from provisioning.jobs.steps import JobDefinition, Step, StepContext

__all__ = [
    "Event",
    "JobDefinition",
    "JobFactory",
    "JobFinished",
    "JobKinds",
    "JobNotClaimed",
    "JobRunner",
    "JobStarted",
    "JobStatus",
    "LeaseLost",
    "ProgressBus",
    "Step",
    "StepContext",
    "StepFinished",
    "StepLog",
    "StepStarted",
    "StepUndone",
    "UndoStarted",
    "UnknownJobKind",
    "interrupted",
    "job_status",
    "unique_owner",
]
