"""The host shell port: run an argv on a physical host and get its result.

Commands are argv lists, never shell text: an adapter quotes them (``shlex.join``) so no
argument is ever parsed by a shell. Failures raise :mod:`provisioning.hosts.errors`.

Secrets go on stdin (``input``), never in argv: an argv shows in ``ps`` on the host, in error
messages and in logs; stdin is never logged or repeated in an error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

# Receives each output line (stdout or stderr, in arrival order, without its newline).
LineCallback = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class CommandResult:
    """How a command ended. A negative ``exit_status`` is the signal that killed it."""

    argv: tuple[str, ...]
    exit_status: int
    stdout: str
    stderr: str
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


class HostShell(Protocol):
    """One physical host, reachable for commands.

    ``timeout`` bounds the command's run time in seconds; None means the shell's default (there
    is no unbounded command). It is a parameter rather than the caller's ``asyncio.timeout``
    because the host enforces it too: the remote command is stopped, not just abandoned.
    With ``check`` a non-zero exit raises ``CommandFailed``.
    """

    name: str

    async def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (also sent to the host)
        check: bool = True,
    ) -> CommandResult:
        """Run ``argv`` with ``input`` on stdin (EOF right away when None) and collect output."""
        ...

    async def stream(
        self,
        argv: Sequence[str],
        on_line: LineCallback,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (also sent to the host)
        check: bool = True,
    ) -> CommandResult:
        """Like :meth:`run`, also awaiting ``on_line`` for each output line as it arrives."""
        ...

    async def close(self) -> None:
        """Release the connection; a closed shell runs no more commands."""
        ...
