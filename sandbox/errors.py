"""The one error the sandbox raises: what failed, and the command's own words when there was one."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from provisioning.errors import BobError

# Enough of stderr to show the real error without flooding a terminal or a Slack reply.
STDERR_TAIL = 2000


class SandboxError(BobError):
    """Building, checking or removing the local sandbox fleet failed.

    ``command`` is the argv that failed (if a command failed), ``returncode`` its exit status
    (``None`` when it timed out or never ran) and ``stderr`` what it printed there.
    """

    def __init__(
        self,
        message: str,
        *,
        command: Sequence[str] | None = None,
        returncode: int | None = None,
        stderr: str = "",
    ) -> None:
        self.message = message
        self.command = tuple(command) if command is not None else None
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [self.message]
        if self.command is not None:
            lines.append(f"  command: {shlex.join(self.command)}")
        if self.returncode is not None:
            lines.append(f"  exit status: {self.returncode}")
        if tail := self.stderr.strip()[-STDERR_TAIL:]:
            lines.append("  stderr: " + tail.replace("\n", "\n          "))
        return "\n".join(lines)
