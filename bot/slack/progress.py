"""One job's Slack thread: a parent message edited in place, replies for what matters.

The runner's bus awaits subscribers, so ``__call__`` only updates the view and wakes the
delivery task; Slack's speed (or absence) never slows a job. The delivery task posts the
parent, then thread replies in order, and edits the parent with the newest summary at most
once per ``interval_s`` — intermediate states are skipped, the last one never is.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from bot.slack import blocks
from bot.slack.deliver import Poster
from bot.slack.view import JobView
from provisioning.jobs.events import Event, JobFinished

UPDATE_INTERVAL_S = 1.0
_FINAL = object()


class JobThread:
    def __init__(
        self,
        poster: Poster,
        channel: str,
        job_id: str,
        *,
        interval_s: float = UPDATE_INTERVAL_S,
    ) -> None:
        self.view = JobView(job_id)
        self.channel = channel
        self.ts: str | None = None
        self._poster = poster
        self._interval = interval_s
        self._replies: deque[str | object] = deque()
        self._version = 0
        self._summary = self.view.summary()
        self._wake = asyncio.Event()
        self._finished = False

    @property
    def job_id(self) -> str:
        return self.view.job_id

    async def __call__(self, event: Event) -> None:
        if event.job_id != self.job_id or self._finished:
            return
        self._replies.extend(self.view.apply(event))
        if isinstance(event, JobFinished):
            self._replies.append(_FINAL)
            self._finished = True
        summary = self.view.summary()
        if summary != self._summary:
            # Only a visible change is worth one of the few edits Slack allows.
            self._summary = summary
            self._version += 1
        self._wake.set()

    def abandon(self, note: str) -> None:
        """The job will not finish here: say ``note`` in the thread, then stop delivering.

        Does nothing once the job's own end has been reported.
        """
        if not self._finished:
            self._replies.append(note)
            self._finished = True
            self._wake.set()

    async def deliver(self) -> None:
        """Run until the job's last state is in Slack."""
        self.ts = await self._poster.post(
            self.channel, self.view.summary(), blocks.job_summary(self.view)
        )
        if self.ts is None:
            return
        sent, last_edit = self._version, time.monotonic()
        while True:
            while self._replies:
                await self._reply(self._replies.popleft())
            if sent != self._version:
                wait = last_edit + self._interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue  # replies that came meanwhile go first; then the newest state
                version = self._version
                await self._poster.update(
                    self.channel, self.ts, self.view.summary(), blocks.job_summary(self.view)
                )
                sent, last_edit = version, time.monotonic()
                continue
            if self._finished:
                return
            self._wake.clear()
            await self._wake.wait()

    async def _reply(self, reply: str | object) -> None:
        assert self.ts is not None
        if reply is _FINAL:
            text, body = self.view.final_summary(), blocks.final_summary(self.view)
        else:
            text = str(reply)
            body = blocks.reply(text)
        await self._poster.post(self.channel, text, body, thread_ts=self.ts)
