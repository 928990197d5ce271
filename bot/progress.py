"""Job progress in the terminal: live on a terminal someone watches, else a line an event.

The line form (a pipe, a file, ``--plain``): one line per finished step, command output, undo,
outcome. A lane's host is said once, on a line of its own, when the lane first works there (and
again if it moves on to another host, as a base rebuild's lanes do): every step of a lane works
for that lane's Bob or host, so repeating the host on each step only made steps that run here,
such as ``reserve``, look as if they ran there.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from bot.output import live_wanted
from provisioning.jobs.events import (
    Event,
    JobFinished,
    JobStarted,
    StepFinished,
    StepLog,
    StepStarted,
    StepUndone,
    Subscriber,
    UndoStarted,
)
from provisioning.jobs.failures import pointing_to_steps

if TYPE_CHECKING:  # the live view loads rich, which a piped bob never needs
    from bot.live import BobLookup, LiveProgress


class TerminalProgress:
    """A ProgressBus subscriber for the terminal: the live table when ``out`` is a terminal
    (and the user did not ask for ``--plain``), else :class:`PlainProgress`.

    ``bobs`` looks a Bob up at the end of a job, for the summary's addresses and disks;
    ``controllers`` name the Jenkins controllers a summary may suggest attaching to.
    """

    def __init__(
        self,
        out: TextIO | None = None,
        *,
        bobs: BobLookup | None = None,
        controllers: Sequence[str] = (),
    ) -> None:
        stream = out or sys.stdout
        self._live: LiveProgress | None = None
        if live_wanted(stream):
            from rich.console import Console

            from bot.common import invoked_as
            from bot.live import LiveProgress

            self._live = LiveProgress(
                Console(file=stream), bobs=bobs, controllers=controllers, program=invoked_as()
            )
        self._sink: Subscriber = self._live or PlainProgress(stream)

    async def __call__(self, event: Event) -> None:
        await self._sink(event)

    def close(self) -> None:
        """The job stopped without finishing (Ctrl-C): a live table stays as it was last drawn
        and gives the terminal back; lines need nothing."""
        if self._live is not None:
            self._live.close(keep=True)


class PlainProgress:
    """Prints a line (or a few) as events arrive, so a long job shows its life in a log."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self._hosts: dict[tuple[str, str], str | None] = {}  # (job, lane) → where it works now
        self._told: dict[str, list[str]] = {}  # job → the step failures printed so far

    async def __call__(self, event: Event) -> None:
        lines = [self._moved(event), format_event(self._once(event))]
        text = "\n".join(line for line in lines if line is not None)
        if text:
            print(text, file=self._out, flush=True)

    def _once(self, event: Event) -> Event:
        """``event``, its job's error pointing to the step failures printed above it: the undo
        and the job's end repeat the error, which is the failed step's text in full."""
        if isinstance(event, StepFinished) and event.error:
            self._told.setdefault(event.job_id, []).append(event.error)
        if isinstance(event, UndoStarted):
            told = self._told.get(event.job_id, [])
            return event.model_copy(
                update={"reason": pointing_to_steps(event.reason, told, "above")}
            )
        if isinstance(event, JobFinished) and event.error:
            told = self._told.pop(event.job_id, [])
            return event.model_copy(update={"error": pointing_to_steps(event.error, told, "above")})
        return event

    def _moved(self, event: Event) -> str | None:
        """The lane's header, when ``event`` is its first on a host."""
        if not isinstance(event, StepStarted | StepFinished) or event.host is None:
            return None
        key = (event.job_id, event.lane)
        if self._hosts.get(key) == event.host:
            return None
        self._hosts[key] = event.host
        return f"  {event.lane} on {event.host}"


def format_event(event: Event) -> str | None:
    if isinstance(event, JobStarted):
        again = " (resumed)" if event.resumed else ""
        return f"job {event.job_id}: {event.kind}{again}, {', '.join(event.lanes)}"
    if isinstance(event, StepFinished):
        outcome = {"succeeded": "ok", "failed": "FAILED", "skipped": "done already"}
        error = "\n      " + event.error.replace("\n", "\n      ") if event.error else ""
        return (
            f"  {event.lane:<10} {event.step:<16} {outcome[event.outcome]:<12}"
            f"{event.duration_s:6.2f}s{error}"
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
