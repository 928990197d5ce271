"""A job's progress as Slack shows it, rebuilt from runner events; no I/O here.

``apply`` returns the thread replies an event deserves (Bobs done, failures, undo failures) so
the caller decides how to deliver them; ``summary`` is the parent message's live text.

A thread tells each thing once: a failure's reason is in its failure reply only (the parent
and the final summary point to it), and undoing is summed up in the final summary. Jobs of
more than ``BATCH_FROM`` Bobs tell Bobs done (or failed) in batches of ``BATCH_SIZE``: Slack
rate-limits bursts of replies, and 17 identical lines read worse than one.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from provisioning.jobs.events import (
    Event,
    JobFinished,
    JobStarted,
    StepFinished,
    StepLog,
    StepStarted,
    StepUndone,
    UndoStarted,
)
from provisioning.jobs.failures import last_said
from provisioning.records import JobState
from provisioning.words import plural

BAR_WIDTH = 20
# A running step's latest log line beside its lane (e.g. a build's output): one line, cut short.
SAID_CHARS = 80
# The one line of an error a thread shows; the job page has the rest.
GIST_CHARS = 200
# Up to this many Bobs, each gets its own reply; beyond, replies come in batches of BATCH_SIZE.
BATCH_FROM = 5
BATCH_SIZE = 5

_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
# A quoted command line (CommandFailed quotes its argv): the program names it well enough.
_QUOTED_COMMAND = re.compile(r"`([^`\s]+)[^`]*`")
# describe_error's "Type: " before a message: the words after it say more.
_ERROR_TYPE = re.compile(r"^[A-Z]\w*(?:Error|Failed|Timeout|Exception): ")


@dataclass(frozen=True)
class Batch:
    """A thread reply about some Bobs: those done, or those that failed."""

    what: Literal["done", "failed"]
    lanes: tuple[str, ...]
    # Failure reasons an earlier reply told already: not told again.
    told: frozenset[str] = frozenset()


Reply = str | Batch


@dataclass
class LaneView:
    """One lane of a job: for create and destroy, one Bob."""

    name: str
    host: str | None = None
    step: str | None = None
    done: int = 0
    failed: bool = False
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    said: str = ""  # the running step's latest log line
    address: str | None = None
    undone: int = 0  # its steps undone so far
    undo_failed: list[str] = field(default_factory=list)  # "step: why" of each failed undo


@dataclass
class JobView:
    job_id: str
    kind: str = "job"
    # Who asked (a Slack user id or a name) and what they typed, when known.
    requested_by: str | None = None
    command: str | None = None
    # The job's page on the board, where the full text of an error is.
    job_url: str | None = None
    lanes: dict[str, LaneView] = field(default_factory=dict)
    total_steps: int = 0
    finished_steps: int = 0
    resumed: bool = False
    undoing: bool = False
    state: JobState | None = None
    error: str | None = None
    cancelled_by: str | None = None
    duration_s: float | None = None
    _pending: dict[str, list[str]] = field(default_factory=lambda: {"done": [], "failed": []})
    _reasons_told: set[str] = field(default_factory=set)

    @property
    def per_lane(self) -> int:
        return self.total_steps // len(self.lanes) if self.lanes else 0

    @property
    def finished(self) -> bool:
        return self.state is not None

    @property
    def batched(self) -> bool:
        return len(self.lanes) > BATCH_FROM

    def apply(self, event: Event) -> list[Reply]:
        """Update from ``event``; the thread replies it calls for, in order."""
        if isinstance(event, JobStarted):
            self.kind, self.total_steps, self.resumed = event.kind, event.total_steps, event.resumed
            self.lanes = {name: self.lanes.get(name, LaneView(name)) for name in event.lanes}
            return ["resumed after a restart of bob"] if event.resumed else []
        if isinstance(event, StepStarted):
            lane = self._lane(event.lane)
            lane.step, lane.host = event.step, event.host or lane.host
            lane.said = ""
            return []
        if isinstance(event, StepLog):
            # The parent message shows it, so it costs no reply: the thread's edits are already
            # limited to one a second, however fast a build prints.
            lines = [line for line in event.line.split("\n") if line.strip()]
            if lines:
                self._lane(event.lane).said = _cut(lines[-1].strip(), SAID_CHARS)
            return []
        if isinstance(event, StepFinished):
            return self._step_finished(event)
        if isinstance(event, UndoStarted):
            # Its reason is the failure already told, or a cancel the final summary names.
            self.undoing = True
            return []
        if isinstance(event, StepUndone):
            # Told in the final summary, which comes right after: no reply per Bob.
            lane = self._lane(event.lane)
            lane.undone += 1
            if not event.ok:
                lane.undo_failed.append(f"{event.step}: {gist(event.error)}")
            return []
        if isinstance(event, JobFinished):
            self.state, self.error, self.duration_s = event.state, event.error, event.duration_s
            return self._flush("done") + self._flush("failed")
        return []

    def _lane(self, name: str) -> LaneView:
        return self.lanes.setdefault(name, LaneView(name))

    def _step_finished(self, event: StepFinished) -> list[Reply]:
        lane = self._lane(event.lane)
        lane.step, lane.host = event.step, event.host or lane.host
        lane.timings[event.step] = event.duration_s
        lane.said = ""
        if event.outcome == "failed":
            lane.failed, lane.error = True, event.error
            return self._told("failed", lane.name)
        lane.done += 1
        self.finished_steps += 1
        if self.per_lane and lane.done == self.per_lane:
            return self._told("done", lane.name)
        return []

    def _told(self, what: Literal["done", "failed"], lane: str) -> list[Reply]:
        self._pending[what].append(lane)
        if self.batched and len(self._pending[what]) < BATCH_SIZE:
            return []
        return self._flush(what)

    def _flush(self, what: Literal["done", "failed"]) -> list[Reply]:
        lanes, self._pending[what] = tuple(self._pending[what]), []
        if not lanes:
            return []
        reasons = {gist(self.lanes[name].error) for name in lanes} if what == "failed" else set()
        told = frozenset(reasons & self._reasons_told)
        self._reasons_told |= reasons
        return [Batch(what, lanes, told)]

    # -- renderings ---------------------------------------------------------------------------

    def who(self) -> str | None:
        return mention(self.requested_by) if self.requested_by else None

    def _status(self, lane: LaneView) -> str:
        if lane.undone:
            if lane.undo_failed:
                return "undo failed"
            if not self.finished:
                return "undoing"
            return f"failed, {_undone_word(self.kind)}" if lane.failed else _undone_word(self.kind)
        if lane.failed:
            return f"failed at {lane.step}"
        if self.per_lane and lane.done >= self.per_lane:
            return _done_word(self.kind)
        return lane.step or "waiting"

    def state_text(self) -> str:
        if self.state is JobState.CANCELLED and self.cancelled_by:
            return f"cancelled by {mention(self.cancelled_by)}"
        if self.state is not None:
            return self.state.value
        if self.undoing:
            return "undoing"
        return "running" if self.lanes else "queued"

    def headline(self) -> str:
        """Who asked for what, and where it stands: ``<@U1>: create 3 — running``."""
        count = len(self.lanes)
        what = f"{self.kind} of {plural(count, 'Bob')}" if count else self.kind
        asked = f"{self.who()}: {self.command or what}" if self.who() else what
        return f"{asked} — {self.state_text()}"

    def footer(self) -> str:
        """The job's id, linked to its page when the board's address is known."""
        return f"job <{self.job_url}|{self.job_id}>" if self.job_url else f"job {self.job_id}"

    def progress_bar(self) -> str:
        share = self.finished_steps / self.total_steps if self.total_steps else 0.0
        if self.state is JobState.SUCCEEDED:
            share = 1.0
        filled = round(share * BAR_WIDTH)
        return f"{'█' * filled}{'░' * (BAR_WIDTH - filled)} {share:4.0%}"

    def lane_lines(self) -> list[str]:
        return [
            f"{lane.name:<10} {self._status(lane):<16} {lane.host or ''}".rstrip()
            + (f"  {lane.address}" if lane.address and not lane.undone else "")
            + (f"  | {lane.said}" if lane.said and not self.finished else "")
            for lane in self.lanes.values()
        ]

    def summary(self) -> str:
        """The parent message in plain text (also Block Kit's fallback)."""
        return "\n".join([self.headline(), self.progress_bar(), *self.lane_lines(), self.footer()])

    def reply_text(self, batch: Batch) -> str:
        """A batch's reply: a line per Bob done, or a line per distinct failure."""
        if batch.what == "done":
            return "\n".join(self._done_line(self.lanes[name]) for name in batch.lanes)
        by_reason: dict[tuple[str | None, str | None, str], list[str]] = defaultdict(list)
        for name in batch.lanes:
            lane = self.lanes[name]
            by_reason[(lane.step, lane.host, gist(lane.error))].append(name)
        lines = [
            f":x: {join_names(names)} failed at `{step}`"
            + (f" on {host}" if host else "")
            + (": the same error as above" if reason in batch.told else f": {reason}")
            for (step, host, reason), names in by_reason.items()
        ]
        return "\n".join([*lines, self._full_text()])

    def _done_line(self, lane: LaneView) -> str:
        where = f" on {lane.host}" if lane.host else ""
        at = f" at {lane.address}" if lane.address else ""
        took = sum(lane.timings.values())
        return f":white_check_mark: {lane.name} {_done_word(self.kind)}{where}{at} ({took:.1f}s)"

    def _full_text(self) -> str:
        if self.job_url:
            return f"full text: <{self.job_url}|the job page>"
        return f"full text: `bob job {self.job_id}`"

    def final_summary(self) -> str:
        """The thread's last reply: the outcome, what was undone, and how long steps took."""
        took = f" in {self.duration_s:.1f}s" if self.duration_s is not None else ""
        lines = [f"{self.headline()}{took}"]
        # What the job leaves done, whatever its outcome (lanes that fail alone keep the rest).
        ready = [
            lane.name
            for lane in self.lanes.values()
            if lane.done >= self.per_lane > 0 and not lane.undone
        ]
        if ready:
            lines.append(f"{_done_word(self.kind)}: {', '.join(ready)}")
        told = any(lane.failed for lane in self.lanes.values())
        if self.error and not told and self.state is JobState.FAILED:
            # No step failed (a job-level error): this is the one place it is told.
            lines += [f"error: {gist(self.error)}", self._full_text()]
        lines += self._undo_lines()
        lines += self._timing_lines()
        return "\n".join(lines)

    def _undo_lines(self) -> list[str]:
        undone = [lane.name for lane in self.lanes.values() if lane.undone]
        if not undone:
            return []
        stuck = [lane for lane in self.lanes.values() if lane.undo_failed]
        if not stuck:
            return [f"{join_names(undone)} {_undone_word(self.kind)}, nothing left"]
        return [
            *(
                f":warning: could not undo {lane.name} {why}"
                for lane in stuck
                for why in lane.undo_failed
            ),
            "`bob reconcile` shows what is left",
        ]

    def _timing_lines(self) -> list[str]:
        if not self.batched:
            return [
                f"{lane.name} ({self._status(lane)}): "
                + ("  ".join(f"{step} {secs:.2f}s" for step, secs in lane.timings.items())
                   or "no steps ran")
                for lane in self.lanes.values()
            ]  # fmt: skip
        # Many Bobs: a line per step (median and slowest) says more than a line per Bob.
        per_step: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for lane in self.lanes.values():
            for step, secs in lane.timings.items():
                per_step[step].append((secs, lane.name))
        return [
            f"{step:<12} median {statistics.median(s for s, _ in runs):.2f}s"
            f"  slowest {max(runs)[0]:.2f}s ({max(runs)[1]})"
            for step, runs in per_step.items()
        ]


def gist(error: str | None) -> str:
    """The line of an error that says why (:func:`~provisioning.jobs.failures.last_said`),
    without its type, quoted command lines shrunk to their program's name."""
    if not error or not error.strip():
        return "no error text"
    line = last_said(error) or error.strip().splitlines()[0]
    return _cut(_QUOTED_COMMAND.sub(r"`\1 …`", _ERROR_TYPE.sub("", line)), GIST_CHARS)


def mention(actor: str) -> str:
    """A Slack user id as Slack shows it (``<@U123>``); any other actor (a CLI user) as is."""
    return f"<@{actor}>" if _SLACK_USER.fullmatch(actor) else actor


def join_names(names: list[str] | tuple[str, ...]) -> str:
    """``bob017``, ``bob017 and bob018``, ``bob001, bob002 and bob003``."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _done_word(kind: str) -> str:
    return {"create": "ready", "destroy": "destroyed"}.get(kind, "done")


def _undone_word(kind: str) -> str:
    return {"create": "removed"}.get(kind, "rolled back")
