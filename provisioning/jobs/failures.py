"""How failures read in the journal and in a job's error: what broke, where, and why."""

from __future__ import annotations

from dataclasses import dataclass

# Enough of a command's stderr to diagnose it without flooding the journal or a Slack thread.
STDERR_LIMIT = 2000


@dataclass(frozen=True)
class Abort:
    """Why a job stops running steps and starts undoing them."""

    reason: str
    cancelled: bool = False


CANCEL_REQUESTED = Abort("cancelled by request", cancelled=True)


def describe_error(exc: BaseException) -> str:
    """``Type: message``, plus the stderr of errors that carry one (e.g. a failed command)."""
    text = f"{type(exc).__name__}: {exc}"
    stderr = getattr(exc, "stderr", None)
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    if isinstance(stderr, str) and stderr.strip():
        tail = stderr.strip()[-STDERR_LIMIT:]
        text += f"\nstderr: {tail}"
    return text
