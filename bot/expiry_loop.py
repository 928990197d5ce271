"""The expiry sweep of `bob serve`: every interval, destroy the Bobs whose time is up.

What is due, and why, is decided in handlers.expiry; this loop submits that destroy and runs it
in this process (one at a time, so a sweep never races its own previous destroy).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from handlers.expiry import Expired
from provisioning.errors import BobError
from provisioning.records import JobRecord

log = logging.getLogger("bob.expiry")

# Time to live and idle_after_s are hours in practice; a minute late is on time.
EXPIRY_SWEEP_S = 60.0

Submit = Callable[[datetime], Awaitable[tuple[JobRecord | None, list[Expired]]]]
Run = Callable[[str], Awaitable[JobRecord]]


class ExpirySweep:
    def __init__(
        self,
        submit: Submit,
        run: Run,
        interval_s: float = EXPIRY_SWEEP_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._submit, self._run, self._interval = submit, run, interval_s
        self._clock, self._sleep = clock, sleep

    async def once(self) -> JobRecord | None:
        """One sweep: the finished destroy job, or None when nothing was due (or it failed to
        start: a controller or the store away is logged and tried again next time)."""
        try:
            job, expired = await self._submit(self._clock())
        except BobError as exc:
            log.warning("expiry.failed error=%s", exc)
            return None
        if job is None:
            return None
        log.info("expiry.destroying job=%s bobs=%s", job.id, "; ".join(e.line() for e in expired))
        finished = await self._run(job.id)
        log.info("expiry.done job=%s state=%s", job.id, finished.state.value)
        return finished

    async def run_forever(self) -> None:
        while True:
            await self.once()
            await self._sleep(self._interval)
