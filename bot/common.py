"""What every ``bob`` command shares: exit codes, who is asking, following a job to its end."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from provisioning.errors import ConfigError
from provisioning.records import JobState

# Type-only: a command imports what it runs when it runs (`bob --help` imports no job machinery).
if TYPE_CHECKING:
    from bot.progress import TerminalProgress
    from bot.runtime import Runtime
    from bot.settings import Settings
    from handlers.provision import Caller
    from provisioning.store import SqlStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Command = Callable[[argparse.Namespace, "Settings", "SqlStore"], Awaitable[int]]


def sandbox_down(settings: Settings) -> str | None:
    """Why the embedded sandbox fleet cannot be worked on, if it cannot: it is not up.

    Its hosts, DNS server and TSIG secret are what `bob sandbox up` makes in its state
    directory; without them every command that touches the fleet would fail on the first of
    them it reaches (the TSIG secret file), which does not say what is wrong.
    """
    from bot.settings import EMBEDDED
    from sandbox import StatePaths

    state_dir = settings.fleet.state_dir
    if settings.config_source != EMBEDDED or state_dir is None:
        return None
    if StatePaths(state_dir).state_file.exists():
        return None
    return (
        f"the sandbox is down (nothing in {state_dir}): start it with `{invoked_as()} sandbox up`"
        ", or pass --config for a real fleet"
    )


@asynccontextmanager
async def live_runtime(settings: Settings, store: SqlStore) -> AsyncIterator[Runtime]:
    """The runtime a command that works on the fleet runs its job in; refused at once, with
    what to do, when the fleet is the sandbox and the sandbox is not up."""
    from bot.runtime import runtime

    require_fleet(settings)
    async with runtime(settings, store) as rt:
        yield rt


def require_fleet(settings: Settings) -> None:
    """Refuse, before a job is submitted, a fleet no job could work on (see sandbox_down)."""
    if (problem := sandbox_down(settings)) is not None:
        raise ConfigError(problem)


def refuse_store_in_down_sandbox(settings: Settings) -> None:
    """Refuse a command whose store would be the down sandbox's: opening it would make its
    state directory and bob.db anew, and an empty fleet read from it would pass for the
    sandbox's (a store kept elsewhere, BOB_STATE_DIR or BOB_DATABASE_URL, is the user's)."""
    from provisioning.store import sqlite_url

    state_dir = settings.fleet.state_dir
    if state_dir is not None and settings.database_url == sqlite_url(state_dir):
        require_fleet(settings)


def cli_caller(command: str) -> Caller:
    from handlers.provision import Caller

    return Caller(
        actor=getpass.getuser(), source="cli", origin=socket.gethostname(), command=command
    )


async def follow(
    rt: Runtime, caller: Caller, job_id: str, *, wanted: JobState = JobState.SUCCEEDED
) -> int:
    """Run the job here with live progress; audit how it ended; 0 only if it ended ``wanted``
    (and, for a cancel, every undo succeeded).

    Ctrl-C stops the job where it stands (the runner gives up its lease, so the job reads
    ``interrupted`` at once) and says how to go on from there.
    """
    from bot.interrupt import say_when_leaving
    from handlers.cancel import undo_failures
    from handlers.provision import record_outcome

    progress = terminal_progress(rt)
    rt.bus.subscribe(progress)
    say_when_leaving(interrupted_note(job_id))
    try:
        final = await rt.runner.run(job_id)
    except asyncio.CancelledError:
        progress.close()  # a live table stops where the job did, above how to go on
        print(interrupted_note(job_id), file=sys.stderr, flush=True)
        raise
    await record_outcome(rt.store, caller, final)
    if wanted is JobState.CANCELLED and (left := undo_failures(await rt.store.journal(job_id))):
        print(f"job {job_id}: undo failed for {', '.join(left)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if final.state is wanted else EXIT_FAILED


def terminal_progress(rt: Runtime) -> TerminalProgress:
    """The terminal's view of the jobs ``rt`` runs, its summary able to look their Bobs up
    (addresses, disks) and to name the controllers to attach them to."""
    from bot.progress import TerminalProgress

    controllers = [c.name for c in rt.settings.fleet.jenkins]
    return TerminalProgress(bobs=rt.store.get_bob, controllers=controllers)


def interrupted_note(job_id: str, program: str | None = None) -> str:
    bob = program or invoked_as()
    return (
        f"job {job_id} interrupted; nothing works on it until you choose:\n"
        f"  {bob} resume {job_id}   finishes it\n"
        f"  {bob} cancel {job_id}   rolls it back"
    )


def invoked_as(argv0: str | None = None) -> str:
    """How to run bob again, as the user did: a command printed for copying must work as printed.

    ``bob`` when that name on PATH is this program; otherwise the path the user typed (the README's
    ``.venv/bin/bob``), since a bare ``bob`` would not be found or would be another install.
    """
    typed = argv0 if argv0 is not None else sys.argv[0]
    on_path = shutil.which("bob")
    if not typed or os.path.basename(typed) != "bob":
        return "bob"  # run as a module or from tests: no path worth repeating
    if on_path is not None and os.path.realpath(on_path) == os.path.realpath(typed):
        return "bob"
    return typed
