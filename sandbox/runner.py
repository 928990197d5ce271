"""Run one command: argv only (never a shell), always with a timeout, failures as SandboxError."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import SandboxError

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


async def run(
    argv: Sequence[str],
    *,
    # a parameter with a default, not the caller's asyncio.timeout: no command runs unbounded
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    check: bool = True,
    stdin: bytes | None = None,
    log: Path | None = None,
) -> Completed:
    """Run ``argv`` and wait for it.

    With ``log``, stdout and stderr are appended to that file instead of being captured. That
    is required for anything that leaves a daemon behind (``setsid --fork``): a daemon holding
    our pipe would keep ``communicate()`` waiting until it exits.
    """
    command = tuple(argv)
    log_file = log.open("ab") if log is not None else None
    try:
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=log_file or asyncio.subprocess.PIPE,
                stderr=log_file or asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise SandboxError(
                f"cannot run {command[0]}: {exc.strerror or exc}", command=command
            ) from exc
        try:
            out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
        except TimeoutError:
            await _kill(process)
            raise SandboxError(f"timed out after {timeout:g} s", command=command) from None
        except asyncio.CancelledError:
            await _kill(process)
            raise
    finally:
        if log_file is not None:
            log_file.close()
    done = Completed(
        command,
        process.returncode if process.returncode is not None else -1,
        (out or b"").decode("utf-8", "replace"),
        (err or b"").decode("utf-8", "replace"),
    )
    if check and not done.ok:
        raise SandboxError(
            "command failed",
            command=command,
            returncode=done.returncode,
            stderr=done.stderr or done.stdout,
        )
    return done


async def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await process.wait()
