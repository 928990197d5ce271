"""Job threads reach Slack through the store: what is not in Slack yet waits in the outbox.

A thread writes the latest state of each of its messages (the parent, each reply) to the
outbox; the courier sends what is unsent, oldest first, and marks it sent as of the version
it sent. A newer state written meanwhile stays unsent and goes next, so the last state always
wins over the edits before it, however late. When Slack is away the courier keeps trying with
capped backoff; when bob stops, its claims are given back and the next replica (or the next
start of this one) delivers the rest. Edits of one message are paced to one per interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from bot.slack.deliver import FIRST_BACKOFF_S, MAX_BACKOFF_S, Poster
from provisioning.core.backoff import Backoff
from provisioning.errors import BobError
from provisioning.ports import Outbox
from provisioning.records import OutboxMessage, OutboxRow

log = logging.getLogger("bob.slack")

# How long a replica holds the messages it delivers; a dead replica's pass to the others then.
CLAIM_LEASE = timedelta(seconds=60)
# With nothing to do, how often to look for messages another replica left.
IDLE_POLL_S = 10.0


class _Retry(Exception):
    def __init__(self, after_s: float) -> None:
        self.after_s = after_s


class Courier:
    def __init__(
        self,
        store: Outbox,
        poster: Poster,
        owner: str,
        *,
        interval_s: float,
        first_backoff_s: float = FIRST_BACKOFF_S,
        max_backoff_s: float = MAX_BACKOFF_S,
        lease: timedelta = CLAIM_LEASE,
        idle_poll_s: float = IDLE_POLL_S,
    ) -> None:
        self._store = store
        self._poster = poster
        self._owner = owner
        # Edits of one message at most this often (Slack allows about one a second).
        self.interval_s = interval_s
        self._backoff = Backoff(first_backoff_s, max_backoff_s)
        self._lease = lease
        self._idle_poll = idle_poll_s
        self._wake = asyncio.Event()
        self._delivered = asyncio.Condition()
        self._last_edit: dict[str, float] = {}
        self._ts: dict[str, str] = {}
        self._sent: dict[str, int] = {}
        self._written: dict[str, int] = {}

    def ts(self, key: str) -> str | None:
        """The Slack ts of message ``key``, once this process has posted it."""
        return self._ts.get(key)

    async def put(self, messages: list[OutboxMessage]) -> None:
        """Record the latest state of ``messages``; delivered as soon as Slack takes them."""
        await self._store.outbox_put(messages, self._owner, self._lease)
        for m in messages:
            self._written[m.key] = self._written.get(m.key, 0) + 1
        self._wake.set()

    async def delivered(self, keys: list[str]) -> None:
        """Until every state of ``keys`` this process wrote is in Slack."""
        async with self._delivered:
            await self._delivered.wait_for(
                lambda: all(self._sent.get(k, 0) >= self._written.get(k, 0) for k in keys)
            )

    async def run(self) -> None:
        """Deliver until cancelled: at once when woken, on a backoff while Slack is away."""
        delays = self._backoff.delays()
        while True:
            self._wake.clear()
            try:
                pause = await self._deliver_due()
            except _Retry as retry:
                # New writes do not cut a backoff short: Slack is not hammered while away.
                await asyncio.sleep(max(retry.after_s, next(delays)))
                continue
            except BobError as exc:  # the store is away: same as Slack being away
                log.warning("slack.outbox_unreadable error=%s", exc)
                await asyncio.sleep(next(delays))
                continue
            delays = self._backoff.delays()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)

    async def release(self) -> None:
        """Give back this process's claims, so the next replica delivers at once."""
        try:
            await self._store.outbox_release(self._owner)
        except BobError as exc:
            log.warning("slack.outbox_release_failed error=%s", exc)

    async def _deliver_due(self) -> float:
        """Send what is due; the seconds until the next paced edit is due (or the idle poll)."""
        pause = self._idle_poll
        for row in await self._store.outbox_claim(self._owner, self._lease):
            wait = await self._deliver(row)
            if wait is not None:
                pause = min(pause, wait)
        return pause

    async def _deliver(self, row: OutboxRow) -> float | None:
        m = row.message
        thread_ts = row.thread_ts
        if m.thread_key is not None:
            if thread_ts == "":
                log.error("slack.reply_dropped key=%s reason=parent never posted", m.key)
                await self._sent_as(m.key, row.version, None)
                return None
            # Its parent may have been posted earlier in this very pass.
            thread_ts = thread_ts or self._ts.get(m.thread_key)
            if thread_ts is None:
                return None  # its parent is not posted yet; it comes after
        if row.ts is None:
            attempt = await self._poster.post_once(m.channel, m.text, m.blocks, thread_ts=thread_ts)
            self._last_edit[m.key] = time.monotonic()
        else:
            due = self._last_edit.get(m.key, float("-inf")) + self.interval_s
            if (wait := due - time.monotonic()) > 0:
                return wait
            attempt = await self._poster.update_once(m.channel, row.ts, m.text, m.blocks)
            self._last_edit[m.key] = time.monotonic()
        if attempt.retry_after is not None:
            raise _Retry(attempt.retry_after)
        posted = None
        if attempt.response is not None and row.ts is None:
            posted = str(attempt.response["ts"])
        await self._sent_as(m.key, row.version, posted)
        return None

    async def _sent_as(self, key: str, version: int, ts: str | None) -> None:
        await self._store.outbox_sent(key, version, ts)
        async with self._delivered:
            if ts is not None:
                self._ts[key] = ts
            # A key is written by one thread in one process, so its versions count the
            # writes that ``delivered`` waits for.
            self._sent[key] = max(self._sent.get(key, 0), version)
            self._delivered.notify_all()
