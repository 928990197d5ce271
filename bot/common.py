"""What every ``bob`` command shares: exit codes, who is asking, following a job to its end."""

from __future__ import annotations

import argparse
import getpass
import socket
from collections.abc import Awaitable, Callable

from bot.progress import TerminalProgress
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.provision import Caller, record_outcome
from provisioning.records import JobState
from provisioning.store import SqlStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Command = Callable[[argparse.Namespace, Settings, SqlStore], Awaitable[int]]


def cli_caller(command: str) -> Caller:
    return Caller(
        actor=getpass.getuser(), source="cli", origin=socket.gethostname(), command=command
    )


async def follow(rt: Runtime, caller: Caller, job_id: str) -> int:
    """Run the job here with live progress; audit how it ended; 0 only if it succeeded."""
    rt.bus.subscribe(TerminalProgress())
    final = await rt.runner.run(job_id)
    await record_outcome(rt.store, caller, final)
    return EXIT_OK if final.state is JobState.SUCCEEDED else EXIT_FAILED
