"""Errors the job runner raises to its caller (as opposed to what it records on a failed job).

They hang off bob's tree in :mod:`provisioning.errors`::

    JobError
    ├── JobNotClaimed      another owner holds a live lease, or the job is already finished
    └── LeaseLost          another owner took the job over while this runner was running it
    UsageError
    └── UnknownJobKind     no factory is registered for the job's kind

A step that fails does not raise out of :meth:`JobRunner.run`: the job ends FAILED and the
returned record says why.
"""

from __future__ import annotations

from provisioning.errors import JobError, UsageError


class JobNotClaimed(JobError):
    """The job could not be claimed, so nothing was run."""


class LeaseLost(JobError):
    """The lease was renewed by nobody in time and another owner claimed the job.

    The runner stopped without touching the job further: it belongs to the new owner now.
    """


class UnknownJobKind(UsageError):
    """No factory is registered for a job kind."""

    def __init__(self, kind: str, known: list[str]) -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown job kind {kind!r} (known kinds: {listed})")
        self.kind = kind
