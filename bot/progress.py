"""Job progress in the terminal: one line per finished step, command output, undo, outcome."""

from __future__ import annotations

import sys
from typing import TextIO

from provisioning.jobs.events import (
    Event,
    JobFinished,
    JobStarted,
    StepFinished,
    StepLog,
    StepUndone,
    UndoStarted,
)


class TerminalProgress:
    """A ProgressBus subscriber that prints as events arrive (so a long job shows its life)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout

    async def __call__(self, event: Event) -> None:
        line = format_event(event)
        if line is not None:
            print(line, file=self._out, flush=True)


def format_event(event: Event) -> str | None:
    if isinstance(event, JobStarted):
        again = " (resumed)" if event.resumed else ""
        return f"job {event.job_id}: {event.kind}{again}, {', '.join(event.lanes)}"
    if isinstance(event, StepFinished):
        outcome = {"succeeded": "ok", "failed": "FAILED", "skipped": "done already"}
        where = f"  @{event.host}" if event.host else ""
        error = "\n      " + event.error.replace("\n", "\n      ") if event.error else ""
        return (
            f"  {event.lane:<10} {event.step:<16} {outcome[event.outcome]:<12}"
            f"{event.duration_s:6.2f}s{where}{error}"
        )
    if isinstance(event, StepLog):
        # A batch of a command's output is several lines: each gets the lane and step.
        where = f"  {event.lane:<10} {event.step:<16} | "
        return "\n".join(where + line for line in event.line.split("\n"))
    if isinstance(event, UndoStarted):
        return f"  undoing: {event.reason}"
    if isinstance(event, StepUndone):
        status = "undone" if event.ok else f"UNDO FAILED: {event.error}"
        return f"  {event.lane:<10} {event.step:<16} {status}"
    if isinstance(event, JobFinished):
        error = f": {event.error}" if event.error else ""
        return f"job {event.job_id} {event.state.value} in {event.duration_s:.2f}s{error}"
    return None
