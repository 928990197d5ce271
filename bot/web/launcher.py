"""Jobs started from the board: submitted like the CLI submits them, then run in this process."""

from __future__ import annotations

import asyncio
import logging

from bot.runtime import Runtime
from bot.web.context import BoardContext
from bot.web.security import Access
from handlers.jenkins import submit_attach
from handlers.lockers import LockerCommand
from handlers.lockers import perform as perform_locker
from handlers.provision import Caller, record_outcome, submit_create
from handlers.rebuild import submit_rebuild
from handlers.refresh import RefreshBobs, submit_refresh
from handlers.requests import AttachBobs, CreateBobs, RebuildBase
from provisioning.errors import UsageError
from provisioning.hostcheck import CreatePreflight

log = logging.getLogger("bob.web")


class BackgroundJobs:
    """A :class:`~bot.web.context.JobLauncher` over a Runtime's runner.

    Each job runs in a task of its own; :meth:`aclose` cancels those still running, which
    leaves each as a crash would (journaled, lease released), for ``bob resume`` or the next
    ``bob serve`` to finish.
    """

    def __init__(self, rt: Runtime) -> None:
        self._fleet, self._store, self._runner = rt.settings.fleet, rt.store, rt.runner
        self._shells, self._dns, self._jenkins = rt.shells, rt.dns, rt.jenkins
        self._tasks: set[asyncio.Task[None]] = set()

    async def create(self, request: CreateBobs, caller: Caller) -> str:
        preflight = CreatePreflight(self._fleet, self._shells)
        job, _ = await submit_create(
            self._fleet, self._store, request, caller, self._dns, preflight
        )
        self._start(job.id, caller)
        return job.id

    async def attach(self, request: AttachBobs, caller: Caller) -> str:
        job, _ = await submit_attach(self._fleet, self._store, self._jenkins, request, caller)
        self._start(job.id, caller)
        return job.id

    async def rebuild_base(self, request: RebuildBase, caller: Caller) -> str:
        job = await submit_rebuild(self._fleet, self._store, request, caller)
        self._start(job.id, caller)
        return job.id

    async def refresh(self, request: RefreshBobs, caller: Caller) -> str | None:
        job = await submit_refresh(self._fleet, self._store, request, caller)
        if job is None:
            return None
        self._start(job.id, caller)
        return job.id

    async def locker(self, command: LockerCommand, caller: Caller) -> str:
        said, job = await perform_locker(self._fleet, self._store, caller, command)
        if job is None:
            raise UsageError(said)
        self._start(job.id, caller)
        return job.id

    def _start(self, job_id: str, caller: Caller) -> None:
        task = asyncio.create_task(self._run(job_id, caller), name=f"bob-job-{job_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job_id: str, caller: Caller) -> None:
        try:
            final = await self._runner.run(job_id)
            await record_outcome(self._store, caller, final)
        except Exception:
            # Nobody awaits this task: the log is the only place a runner error can go.
            log.exception("web.job_failed_to_run job=%s", job_id)

    async def wait(self) -> None:
        """Until every job started so far has finished (tests, and a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def board_context(rt: Runtime, access: Access) -> tuple[BoardContext, BackgroundJobs]:
    """The board over a Runtime, and the launcher to close when the server stops."""
    jobs = BackgroundJobs(rt)
    context = BoardContext(
        fleet=rt.settings.fleet,
        store=rt.store,
        controllers=rt.jenkins,
        bus=rt.bus,
        launcher=jobs,
        access=access,
        shells=rt.shells,
        dns=rt.dns,
    )
    return context, jobs
