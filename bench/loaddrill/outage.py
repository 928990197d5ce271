"""A host's sshd stopped in the middle of a phase and started again after a while.

"The middle" is measured, not timed: the stop comes once half of the phase's lanes on that
host have finished a marker step (``start`` for creates, ``stop`` for destroys), so the other
half are still at work there whatever the machine's speed.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from pathlib import Path

from provisioning.jobs import Event, StepFinished
from sandbox import start_sshd, stop_sshd


@dataclass(frozen=True)
class OutageRecord:
    host: str
    marker: str
    lanes_past_marker: int  # of the host's lanes, when sshd was stopped
    lanes: int
    stopped_at_s: float  # since the phase started
    down_s: float  # from the stop until sshd answered again
    pids_stopped: int


class Outage:
    """Subscribe ``on_event`` to every replica's bus, then ``await run()`` alongside the jobs."""

    def __init__(
        self, state_dir: Path, host: str, marker: str, lanes: int, down_s: float, began: float
    ) -> None:
        self.host, self.marker, self.lanes = host, marker, lanes
        self._state_dir, self._down_s, self._began = state_dir, down_s, began
        self._threshold = max(1, math.ceil(lanes / 2))
        self._past = 0
        self._reached = asyncio.Event()
        self.stopped = False

    async def on_event(self, event: Event) -> None:
        if (
            isinstance(event, StepFinished)
            and (event.step, event.host) == (self.marker, self.host)
            and event.outcome != "failed"
        ):
            self._past += 1
            if self._past >= self._threshold:
                self._reached.set()

    async def run(self) -> OutageRecord:
        await self._reached.wait()
        past = self._past
        stopped_at = time.perf_counter()
        self.stopped = True
        try:
            pids = await stop_sshd(self._state_dir, self.host)
            await asyncio.sleep(self._down_s)
        finally:
            await start_sshd(self._state_dir, self.host)
        return OutageRecord(
            host=self.host,
            marker=self.marker,
            lanes_past_marker=past,
            lanes=self.lanes,
            stopped_at_s=stopped_at - self._began,
            down_s=time.perf_counter() - stopped_at,
            pids_stopped=len(pids),
        )
