"""Jobs started from Slack run here, in the bot's own process, each with its thread.

The service keeps a reference to every task it starts (asyncio keeps only weak ones), resumes
unfinished jobs at start-up, and shuts down in order: the front door stops taking commands
first (see serve.py), then running jobs get ``grace_s`` to finish; what is still running is
cancelled, which the runner turns into a journaled stop that the next start resumes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from bot.runtime import Runtime
from bot.slack.access import Gate
from bot.slack.confirm import Confirmations
from bot.slack.deliver import FIRST_BACKOFF_S, Poster
from bot.slack.outbox import Courier
from bot.slack.progress import UPDATE_INTERVAL_S, JobThread
from handlers.parse import clean_text
from handlers.provision import Caller, record_outcome
from handlers.reconcile import Report, reconcile
from provisioning.errors import BobError
from provisioning.jobs.liveness import interrupted
from provisioning.reconcile.repair import DestroyBob, Repairer

log = logging.getLogger("bob.slack")

SHUTDOWN_GRACE_S = 30.0
ENDED_THREADS_KEPT = 200
# After the jobs stop, how long their last words may take to reach Slack.
DELIVERY_GRACE_S = 5.0


class BobService:
    def __init__(
        self,
        rt: Runtime,
        poster: Poster,
        gate: Gate,
        confirmations: Confirmations,
        *,
        update_interval_s: float = UPDATE_INTERVAL_S,
        retry_backoff_s: float = FIRST_BACKOFF_S,
    ) -> None:
        # What the handlers work with, taken from the runtime once: they never reach into it.
        self.fleet = rt.settings.fleet
        self.store = rt.store
        self.shells = rt.shells
        self.dns = rt.dns
        self.jenkins = rt.jenkins
        self.runner = rt.runner
        self._bus = rt.bus
        self.poster = poster
        self.gate = gate
        self.confirmations = confirmations
        self._interval = update_interval_s
        self.courier = Courier(
            rt.store,
            poster,
            rt.runner.owner,
            interval_s=update_interval_s,
            first_backoff_s=retry_backoff_s,
        )
        self._courier_task: asyncio.Task[None] | None = None
        self._jobs: dict[str, asyncio.Task[None]] = {}
        self._threads: dict[str, JobThread] = {}
        # Threads of jobs that ended, newest last: a mention answered after its (quick) job
        # ended still finds the job's message.
        self._ended: OrderedDict[str, JobThread] = OrderedDict()
        self._deliveries: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._timers: set[asyncio.Task[None]] = set()
        self.accepting = True

    def deliver_outbox(self) -> None:
        """Start delivering the outbox: what this process writes, and what an earlier run or
        a replica that died left undelivered."""
        if self._courier_task is None:
            self._courier_task = asyncio.create_task(self.courier.run())

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` after the ack; its failure is logged, never lost."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def after(self, delay_s: float, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``work`` in ``delay_s`` unless bob stops first (expiry timers)."""

        async def later() -> None:
            await asyncio.sleep(delay_s)
            await work()

        task = asyncio.create_task(later())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("slack.background_failed", exc_info=exc)

    def start_job(self, job_id: str, caller: Caller, channel: str | None) -> None:
        """Run the job now, reporting to ``channel`` (no thread when None)."""
        thread = None
        if channel is not None:
            self.deliver_outbox()
            board = self.fleet.web.url
            thread = JobThread(
                self.courier,
                channel,
                job_id,
                interval_s=self._interval,
                facts=self.store,
                requested_by=caller.actor,
                command=clean_text(caller.command),
                job_url=f"{board.rstrip('/')}/jobs/{job_id}" if board else None,
            )
            self._threads[job_id] = thread
            # Subscribed before the runner starts, so JobStarted is never missed.
            self._bus.subscribe(thread)
            delivery = asyncio.create_task(thread.deliver())
            self._deliveries.add(delivery)
            delivery.add_done_callback(self._deliveries.discard)
        self._jobs[job_id] = asyncio.create_task(self._run(job_id, caller, thread))

    async def _run(self, job_id: str, caller: Caller, thread: JobThread | None) -> None:
        note = "bob is stopping; this job will resume when it is back"
        try:
            final = await self.runner.run(job_id)
            await record_outcome(self.store, caller, final)
        except BobError as exc:
            # Another replica holds it, or it cannot be rebuilt here: that replica reports it.
            log.warning("slack.job_not_run job=%s reason=%s", job_id, exc)
            note = f"this job did not run here: {exc}"
        except Exception:
            log.exception("slack.job_crashed job=%s", job_id)
            note = "this job stopped on an internal error; `bob resume` or a restart resumes it"
        finally:
            if thread is not None:
                self._bus.unsubscribe(thread)
                thread.abandon(note)
            if (ended := self._threads.pop(job_id, None)) is not None:
                self._ended[job_id] = ended
                while len(self._ended) > ENDED_THREADS_KEPT:
                    self._ended.popitem(last=False)
            self._jobs.pop(job_id, None)

    async def resume(self, channel: str | None, *, orphans_only: bool = False) -> list[str]:
        """Start every unfinished job no live runner holds; their ids.

        ``orphans_only``: only jobs whose owner's lease has run out (or that no runner ever
        claimed): what a replica that died left behind. A job another live replica runs is
        left to it, without a word in Slack.
        """
        resumed = []
        now = datetime.now(UTC)
        for job in await self.store.unfinished_jobs():
            if job.id in self._jobs or not self.accepting:
                continue
            if orphans_only and not interrupted(job, now):
                continue
            caller = Caller(job.requested_by, "slack", "resume", f"resume {job.id}")
            self.start_job(job.id, caller, channel)
            resumed.append(job.id)
        return resumed

    async def sweep(self, channel: str | None, every_s: float) -> None:
        """Pick up orphaned jobs every ``every_s``: a replica that dies mid-job is replaced by
        whichever replica sweeps first after its lease runs out (the claim decides)."""
        while self.accepting:
            await asyncio.sleep(every_s)
            try:
                if resumed := await self.resume(channel, orphans_only=True):
                    log.info("slack.orphans_resumed jobs=%s", ",".join(resumed))
            except BobError as exc:
                log.warning("slack.sweep_failed error=%s", exc)

    async def reconcile(self) -> Report:
        """The fleet's records compared with its hosts, DNS and Jenkins."""
        return await reconcile(self.fleet, self.store, self.shells, self.dns, self.jenkins)

    def repairer(self, destroy: DestroyBob) -> Repairer:
        """What repairs a reconcile's findings; ``destroy`` removes a Bob through a job."""
        return Repairer(self.fleet, self.store, self.shells, self.dns, self.jenkins, destroy)

    def thread(self, job_id: str) -> JobThread | None:
        return self._threads.get(job_id) or self._ended.get(job_id)

    async def wait_idle(self) -> None:
        """Until every job has finished and its thread is delivered (tests, shutdown)."""
        while self._jobs or self._deliveries or self._background:
            await asyncio.gather(
                *self._jobs.values(), *self._deliveries, *self._background, return_exceptions=True
            )

    async def shutdown(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        self.accepting = False
        await _settle(list(self._timers), 0)
        await _settle(list(self._background), grace_s)
        await _settle(list(self._jobs.values()), grace_s)
        await _settle(list(self._deliveries), DELIVERY_GRACE_S)
        if self._courier_task is not None:
            await _settle([self._courier_task], 0)
            self._courier_task = None
        # What Slack has not taken yet stays in the outbox for the next start or replica.
        await self.courier.release()


async def _settle(tasks: list[asyncio.Task[Any]], grace_s: float) -> None:
    """Wait up to ``grace_s`` for the tasks, then cancel what is left and wait for that."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=grace_s)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
