"""Reach into a running host without SSH: ``nsenter`` into its sshd's namespaces.

``up`` builds the base and ``down`` clears containers this way: it works before keys are
trusted and after sshd is wedged, and costs a few milliseconds instead of an SSH handshake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sandbox.runner import DEFAULT_TIMEOUT, Completed, run


@dataclass(frozen=True)
class HostView:
    name: str
    pid: int  # a process living in the host's mount, network and UTS namespaces

    async def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (passed on to runner.run)
        check: bool = True,
    ) -> Completed:
        nsenter = ["nsenter", "--target", str(self.pid), "--mount", "--net", "--uts", "--"]
        return await run([*nsenter, *argv], timeout=timeout, check=check)

    def path(self, inside: PurePosixPath) -> Path:
        """The host's ``inside`` path as seen from here (through its mount namespace).

        Only for files whose every path component is ours: an absolute symlink on the way would
        resolve in *our* root, not the host's.
        """
        return Path(f"/proc/{self.pid}/root") / inside.relative_to("/")
