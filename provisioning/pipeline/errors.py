"""How a pipeline step fails: what it was doing, to which Bob, on which host, and the host's words.

The job runner journals ``Type: message`` plus the ``stderr`` an error carries, so a
:class:`StepFailed` names the step, the Bob and the host in its message and hands the failed
command's stderr on.
"""

from __future__ import annotations

from collections.abc import Sequence

from provisioning.errors import BobError, JobError
from provisioning.hosts.errors import HostError


class StepFailed(JobError):
    """A pipeline step's apply or undo failed; what it ran into is its ``__cause__``."""

    def __init__(
        self,
        message: str,
        *,
        job_id: str,
        step: str,
        host: str,
        stderr: str = "",
    ) -> None:
        super().__init__(message, job_id=job_id, step=step)
        self.host = host
        self.stderr = stderr


class ContainerRemains(HostError):
    """A container is still on its host after every command meant to remove it ran."""

    def __init__(self, *, host: str, where: str, failures: Sequence[tuple[str, str]]) -> None:
        said = "; ".join(
            f"`{command}`: {stderr.strip() or '(no stderr)'}" for command, stderr in failures
        )
        super().__init__(
            f"{host}: {where} is still there after removing it: "
            + (said or "every command succeeded, yet its directory remains"),
            host=host,
        )
        self.stderr = "\n".join(stderr for _, stderr in failures)


class FixupFailed(HostError):
    """A fix-up script run inside a new base exited non-zero; its stderr says why."""

    def __init__(self, message: str, *, host: str, stderr: str) -> None:
        super().__init__(message, host=host)
        self.stderr = stderr


def explain(cause: BaseException) -> str:
    """``Type: message`` without the host prefix every HostError message starts with."""
    text = str(cause)
    if isinstance(cause, HostError):
        text = text.removeprefix(f"{cause.host}: ")
    return f"{type(cause).__name__}: {text}"


def step_failed(
    *,
    doing: str,
    host: str,
    job_id: str,
    step: str,
    cause: BobError,
    detail: str = "",
) -> StepFailed:
    """``{doing} on {host} failed: {cause}`` (e.g. ``start of bob001 on host-a failed: …``)."""
    message = f"{doing} on {host} failed: {explain(cause)}"
    if detail:
        message += f"\n{detail}"
    stderr = getattr(cause, "stderr", "")
    failed = StepFailed(
        message,
        job_id=job_id,
        step=step,
        host=host,
        stderr=stderr if isinstance(stderr, str) else "",
    )
    failed.blame = cause.blame  # whose fault it was does not change by saying where
    return failed
