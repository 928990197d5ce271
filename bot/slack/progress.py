"""One job's thread: a parent message edited in place, replies for what matters.

The runner's bus awaits subscribers, so ``__call__`` only updates the view and wakes the
writer; Slack's speed (or absence) never slows a job. The writer puts the parent's newest
summary and each reply, in order, in the outbox (see outbox.py), which delivers them even
after a restart. The summary is written at most once per ``interval_s`` — intermediate states
are skipped, the last one never is.

What the runner's events do not say the writer reads from the store, off the job's path: the
addresses of Bobs done (each ✅ carries one) and who cancelled a cancelled job.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from bot.slack import blocks
from bot.slack.outbox import Courier
from bot.slack.view import Batch, JobView, Reply
from provisioning.errors import BobError
from provisioning.jobs.events import Event, JobFinished
from provisioning.ports import StateStore
from provisioning.records import JobState
from provisioning.store import OutboxMessage

log = logging.getLogger("bob.slack")

UPDATE_INTERVAL_S = 1.0
# The store refused a write (busy, away): try again after this long.
STORE_RETRY_S = 1.0
_FINAL = object()
# How far back in the audit log a cancel request is looked for.
AUDIT_LOOKBACK = 200


class JobThread:
    def __init__(
        self,
        courier: Courier,
        channel: str,
        job_id: str,
        *,
        interval_s: float = UPDATE_INTERVAL_S,
        facts: StateStore | None = None,
        requested_by: str | None = None,
        command: str | None = None,
        job_url: str | None = None,
    ) -> None:
        self.view = JobView(job_id, requested_by=requested_by, command=command, job_url=job_url)
        self._facts = facts
        self.channel = channel
        # Each thread is its own conversation: a resumed job starts a new one.
        self.key = f"job:{job_id}:{uuid.uuid4().hex[:8]}"
        self._courier = courier
        self._interval = interval_s
        self._replies: list[Reply | object] = []
        self._written_replies = 0
        self._version = 0
        self._summary = self.view.summary()
        self._wake = asyncio.Event()
        self._finished = False

    @property
    def job_id(self) -> str:
        return self.view.job_id

    @property
    def ts(self) -> str | None:
        """The parent message's Slack ts, once posted."""
        return self._courier.ts(self.key)

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
        """Write the thread to the outbox as it changes; return once its end is in Slack."""
        written, last_write = -1, float("-inf")
        while True:
            new_replies = len(self._replies) > self._written_replies
            if written != self._version or new_replies:
                wait = last_write + self._interval - time.monotonic()
                if not new_replies and not self._finished and wait > 0:
                    await asyncio.sleep(wait)
                    continue  # replies that came meanwhile go with the newest state
                version, replies = self._version, len(self._replies)
                try:
                    await self._learn(replies)
                    await self._courier.put(self._messages(written != version, replies))
                except BobError as exc:
                    log.warning("slack.thread_unsaved job=%s error=%s", self.job_id, exc)
                    await asyncio.sleep(STORE_RETRY_S)
                    continue
                written, last_write = version, time.monotonic()
                self._written_replies = replies
                continue
            if self._finished:
                break
            self._wake.clear()
            await self._wake.wait()
        last = f"{self.key}:r{self._written_replies - 1}" if self._written_replies else self.key
        await self._courier.delivered([self.key, last])

    async def _learn(self, replies: int) -> None:
        """Read what the replies up to ``replies`` need and no event carries."""
        if self._facts is None:
            return
        pending = self._replies[self._written_replies : replies]
        view = self.view
        done = [n for r in pending if isinstance(r, Batch) and r.what == "done" for n in r.lanes]
        if any(view.lanes[name].address is None for name in done):
            for name, address in (await _addresses(self._facts, self.job_id)).items():
                if name in view.lanes:
                    view.lanes[name].address = address
        if view.state is JobState.CANCELLED and view.cancelled_by is None and _FINAL in pending:
            view.cancelled_by = await _canceller(self._facts, self.job_id)

    def _messages(self, parent: bool, replies: int) -> list[OutboxMessage]:
        """The parent's newest state (when it changed), then the replies not written yet."""
        messages = []
        if parent:
            summary = blocks.job_summary(self.view)
            messages.append(OutboxMessage(self.key, self.channel, self.view.summary(), summary))
        for n in range(self._written_replies, replies):
            reply = self._replies[n]
            if reply is _FINAL:
                text, body = self.view.final_summary(), blocks.final_summary(self.view)
            elif isinstance(reply, Batch):
                text = self.view.reply_text(reply)
                body = blocks.reply(text)
            else:
                text, body = str(reply), blocks.reply(str(reply))
            key = f"{self.key}:r{n}"
            messages.append(OutboxMessage(key, self.channel, text, body, thread_key=self.key))
        return messages


async def _addresses(facts: StateStore, job_id: str) -> dict[str, str]:
    """Each Bob's address: what the job holds reserved, the Bob once it exists, else the job
    itself (a destroy's params keep what it destroyed)."""
    held = [r.as_occupant() for r in await facts.list_reservations(job_id)]
    held += [bob.as_occupant() for bob in await facts.list_bobs()]
    found = {bob.name: str(bob.ip) for bob in held if bob.ip is not None}
    job = await facts.get_job(job_id)
    for bob in job.params.get("bobs") or ():
        if isinstance(bob, dict) and bob.get("ip") and bob.get("name"):
            found.setdefault(str(bob["name"]), str(bob["ip"]))
    return found


async def _canceller(facts: StateStore, job_id: str) -> str | None:
    """Who asked to cancel the job, from the audit log every front end writes to."""
    for entry in await facts.audit_log(AUDIT_LOOKBACK):
        if entry.outcome == "cancel-requested" and entry.detail == f"job {job_id}":
            return entry.actor
    return None
