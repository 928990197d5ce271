"""Commands on bob's own machine (git, nginx -t): bounded, killed when they overrun."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Ran:
    status: int | None  # None: killed at the time limit
    stdout: bytes
    stderr: bytes

    def said(self) -> str:
        """The last line it printed on stderr, else stdout."""
        lines = (self.stderr or self.stdout).decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit {self.status}"


async def run_local(
    argv: Sequence[str], within_s: float, env: Mapping[str, str] | None = None
) -> Ran:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        async with asyncio.timeout(within_s):
            out, err = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return Ran(None, b"", b"")
    return Ran(proc.returncode, out, err)
