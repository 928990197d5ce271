"""How failures read in the journal and in a job's error: what broke, where, and why."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from provisioning.errors import BobError

# bob's own words around what a failing program said: the step that failed and where, and the
# command it ran (``host: `argv` exited 1: ``).
_ECHOES = (
    re.compile(r"^\w+: .+? on \S+ failed: "),
    re.compile(r"^.*`[^`]*` (?:exited -?\d+|was killed by [\w ]+): "),
)
_NOT_SAID = {"(no stderr)", ""}

# Enough of a command's stderr to diagnose it without flooding the journal or a Slack thread.
STDERR_LIMIT = 2000


@dataclass(frozen=True)
class Abort:
    """Why a job stops running steps and starts undoing them."""

    reason: str
    cancelled: bool = False


CANCEL_REQUESTED = Abort("cancelled by request", cancelled=True)


def describe_error(exc: BaseException) -> str:
    """``Type: message``, plus the stderr of other code's errors that carry one.

    A BobError's message already says the tail of what its command printed (a failed step's
    says its cause's): adding its ``stderr`` again told the same line twice, three times
    once the job's error repeated it.
    """
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, BobError):
        return text
    stderr = getattr(exc, "stderr", None)
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    if isinstance(stderr, str) and stderr.strip():
        tail = stderr.strip()[-STDERR_LIMIT:]
        text += f"\nstderr: {tail}"
    return text


def pointing_to_steps(error: str, details: Iterable[str | None], where: str = "below") -> str:
    """A job's ``error`` less what its failed steps' ``details`` tell, for a view that shows
    both: a failure is read once, in its step's entry (``where`` it is shown), and the job's
    error says which step that is."""
    for detail in {d for d in details if d}:
        error = error.replace(f" failed: {detail}", f" failed ({where})")
    return error


def last_said(error: str) -> str:
    """The line of a failure's text that says why: the last line the failing program wrote on
    stderr, else on stdout (debootstrap says why on stdout), without bob's echoes; the
    failure's own words when it ran no program ("" when there are none).

    What a thread, a summary table or a chat line shows of a failure; the job page and
    ``bob job`` show the whole text.
    """
    said: dict[str, list[str]] = {"stderr": [], "stdout": []}
    stream = "stderr"  # the message itself carries the tail of stderr first
    for raw in error.splitlines():
        line = raw.strip()
        for name in said:
            if line.startswith(f"{name}: "):
                stream, line = name, line.removeprefix(f"{name}: ")
        for echo in _ECHOES:
            line = echo.sub("", line)
        if line.strip() not in _NOT_SAID:
            said[stream].append(line.strip())
    lines = said["stderr"] or said["stdout"]
    return lines[-1] if lines else ""
