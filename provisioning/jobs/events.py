"""Progress events and the bus that carries them to Slack threads, the CLI and the dashboard."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from provisioning.records import JobState

log = logging.getLogger("bob.jobs")


def _now() -> datetime:
    return datetime.now(UTC)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: str
    at: datetime = Field(default_factory=_now)


class JobStarted(_Event):
    type: Literal["job.started"] = "job.started"
    kind: str
    lanes: tuple[str, ...]
    total_steps: int
    resumed: bool


class StepStarted(_Event):
    type: Literal["step.started"] = "step.started"
    step: str
    lane: str
    host: str | None
    index: int


class StepFinished(_Event):
    type: Literal["step.finished"] = "step.finished"
    step: str
    lane: str
    host: str | None
    index: int
    outcome: Literal["succeeded", "failed", "skipped"]
    duration_s: float
    error: str | None = None
    blame: str | None = None  # a failure's BobError.blame: whose fault it was, if known


class StepLog(_Event):
    type: Literal["step.log"] = "step.log"
    step: str
    lane: str
    line: str


class UndoStarted(_Event):
    type: Literal["undo.started"] = "undo.started"
    reason: str


class StepUndone(_Event):
    type: Literal["step.undone"] = "step.undone"
    step: str
    lane: str
    ok: bool
    error: str | None = None


class JobFinished(_Event):
    type: Literal["job.finished"] = "job.finished"
    state: JobState
    error: str | None = None
    duration_s: float


# Discriminated on ``type`` so the dashboard can send events as JSON and read them back.
Event = Annotated[
    JobStarted | StepStarted | StepFinished | StepLog | UndoStarted | StepUndone | JobFinished,
    Field(discriminator="type"),
]
Subscriber = Callable[[Event], Awaitable[None]]


class ProgressBus:
    """Fans events out to subscribers, in publish order.

    ``publish`` awaits each subscriber in turn, so a subscriber should be quick; a slow sink
    (Slack allows about one message per second per channel) should read from :meth:`stream`
    instead. A subscriber that raises is logged and skipped: reporting never breaks a job.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    async def publish(self, event: Event) -> None:
        for callback in list(self._subscribers):
            try:
                await callback(event)
            except Exception:
                log.exception(
                    "bus.subscriber_failed job=%s event=%s subscriber=%r",
                    event.job_id,
                    event.type,
                    callback,
                )

    def stream(self, job_id: str | None = None) -> EventStream:
        """Events from now on, optionally for one job only (then it ends after JobFinished).

        Subscribes immediately, so nothing published after this call is missed even if the
        first ``__anext__`` comes later. Use ``async with`` or ``aclose()`` to stop early.
        """
        return EventStream(self, job_id)


class EventStream:
    """An async iterator over a bus's events, buffered in an unbounded queue."""

    def __init__(self, bus: ProgressBus, job_id: str | None) -> None:
        self._bus = bus
        self._job_id = job_id
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._done = False
        bus.subscribe(self._put)

    async def _put(self, event: Event) -> None:
        if self._job_id is None or event.job_id == self._job_id:
            self._queue.put_nowait(event)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        if self._done:
            raise StopAsyncIteration
        event = await self._queue.get()
        if self._job_id is not None and isinstance(event, JobFinished):
            await self.aclose()
        return event

    async def aclose(self) -> None:
        self._done = True
        self._bus.unsubscribe(self._put)

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
