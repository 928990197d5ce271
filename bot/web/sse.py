"""Server-Sent Events: the job page's story and the board's "something changed" signal.

Both listen to the ProgressBus only as a wake-up call and then read the store: the journal is
the truth (a resume reads it too), so a page never shows what the store lacks, misses nothing
published before it connected, and shows a job run by another process as well (at the tick).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import cast

from aiohttp import web

from provisioning.jobs.events import Event, EventStream, JobFinished, StepFinished, StepUndone

# How often a page re-reads the store with no event on this process's bus: jobs run by
# another process (the CLI, another replica) reach the page this late.
TICK_S = 2.0
BOARD_TICK_S = 15.0
# Events closer together than this make one update: a burst of log lines is one re-render.
COALESCE_S = 0.15


async def open_stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # a proxy in front must not hold the stream back
        }
    )
    await response.prepare(request)
    return response


async def send(response: web.StreamResponse, event: str, data: str) -> None:
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    await response.write(f"event: {event}\n{lines}\n".encode())


async def wake_ups(
    stream: EventStream, tick: float, closing: asyncio.Event
) -> AsyncIterator[Event | None]:
    """The next event (None at a tick with none), then a short pause to let a burst gather;
    ends when the server is closing. After a job's stream ended, every wake-up is a tick."""
    ended = False
    closed: asyncio.Future[object] = asyncio.ensure_future(closing.wait())
    try:
        while not closing.is_set():
            waiter: asyncio.Future[object] = asyncio.ensure_future(
                asyncio.sleep(tick) if ended else anext(stream)
            )
            done, _ = await asyncio.wait(
                {waiter, closed}, timeout=tick, return_when=asyncio.FIRST_COMPLETED
            )
            event: Event | None = None
            if waiter in done:
                try:
                    result = waiter.result()
                    event = None if result is None else cast(Event, result)
                except StopAsyncIteration:
                    ended = True
            else:
                waiter.cancel()
            if closing.is_set():
                return
            yield event
            await asyncio.sleep(COALESCE_S)
    finally:
        closed.cancel()


def changes_board(event: Event | None) -> bool:
    """A tick, or a step that finished or was undone, or a job that ended (starts and log
    lines change no slot)."""
    return event is None or isinstance(event, StepFinished | StepUndone | JobFinished)
