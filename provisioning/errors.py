"""bob's exception tree.

    BobError
    ├── ConfigError            the fleet config is missing, malformed or inconsistent
    ├── UsageError             a request is invalid (bad count, unknown host, bad name)
    │   ├── FieldError         one field of a request is invalid (named by each front end)
    │   ├── ShortfallError     the fleet has less room than a plan asks for
    │   └── UnknownHostError   a request names a host the config does not have
    ├── StoreError             the state store refused or failed
    │   └── ConflictError      a concurrent writer holds what we wanted
    └── JobError               a job failed; carries the job id and the failing step
        └── StepTimeout        a step ran past its timeout

Foreign errors (pydantic, SQLAlchemy, asyncssh, …) are translated at the boundary with
``raise XError(...) from exc`` so callers only ever catch these.
"""

from __future__ import annotations


class BobError(Exception):
    """Base of every error bob raises on purpose.

    ``blame`` names the outside system whose fault the failure is, where one is: ``"host"``
    for a physical host (what host health counts), ``"timeout"`` for a step that ran out of
    time; None when it is nobody's there (a conflict, the store, a bad request).
    """

    blame: str | None = None


class ConfigError(BobError):
    """The fleet configuration cannot be used."""


class UsageError(BobError):
    """A request is invalid; nothing was changed."""


class FieldError(UsageError):
    """One field of a request is invalid: ``field`` is the request's own name for it, which a
    front end may put as its usage puts it (``named``); the message names the field itself."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem

    def named(self, name: str) -> str:
        return f"{name}: {self.problem}"


class ShortfallError(UsageError):
    """The fleet has less room than requested.

    ``available`` is how many Bobs would fit; ``where`` describes the free room per disk.
    """

    def __init__(self, message: str, *, requested: int, available: int, where: str) -> None:
        super().__init__(message)
        self.requested = requested
        self.available = available
        self.where = where


class UnknownHostError(UsageError):
    """A request names a host that is not in the fleet config."""


class StoreError(BobError):
    """The state store failed."""


class ConflictError(StoreError):
    """A concurrent writer already holds the name, address or slot we wanted."""


class JobError(BobError):
    """A job failed."""

    def __init__(self, message: str, *, job_id: str, step: str | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.step = step


class StepTimeout(JobError):
    """A step ran longer than its timeout."""

    blame = "timeout"
