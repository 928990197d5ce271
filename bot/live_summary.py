"""The table a followed job ends with on a terminal: each Bob where it lives, what went wrong
where, and the command to run next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bot.live_state import Failure, JobProgress, Lane, now
from provisioning.jobs.failures import last_said as said_last
from provisioning.records import BobRecord, JobState

LINE_LIMIT = 160


def last_said(error: str) -> str:
    """The failure's last said line (:func:`provisioning.jobs.failures.last_said`), cut to a
    table cell."""
    line = said_last(error)
    return line if len(line) <= LINE_LIMIT else line[: LINE_LIMIT - 1] + "…"


def summary(
    job: JobProgress,
    records: Mapping[str, BobRecord | None],
    *,
    controllers: Sequence[str] = (),
    program: str = "bob",
) -> RenderableType:
    """The job's outcome line, a row per lane, its failures, and what to do next."""
    parts: list[RenderableType] = [Text(""), _outcome(job)]
    if job.lanes:
        parts.append(_lanes(job, records))
    if job.failures:
        parts += [Text(""), _failures(job.failures)]
    if hint := next_step(job, records, controllers, program):
        parts += [Text(""), Text(f"next: {hint}", style="bold")]
    return Group(*parts)


def _outcome(job: JobProgress) -> Text:
    end = job.finished
    state = end.state if end is not None else JobState.RUNNING
    style = {JobState.SUCCEEDED: "bold green", JobState.FAILED: "bold red"}.get(state, "bold")
    took = f" in {end.duration_s:.1f}s" if end is not None else ""
    text = Text(f"job {job.job_id} ({job.kind}) ")
    text.append(state.value, style=style)
    text.append(took)
    if end is not None and end.error and not job.failures:
        text.append(f": {last_said(end.error)}")
    return text


def _lanes(job: JobProgress, records: Mapping[str, BobRecord | None]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    first = "Bob" if job.lanes_are_bobs else "lane"
    for column in (first, "host/disk", "address", "base", "time", "state"):
        table.add_column(column, justify="right" if column == "time" else "left")
    end = job.finished.at if job.finished is not None else now()
    for lane in job.lanes.values():
        record = records.get(lane.name)
        table.add_row(
            lane.name,
            _where(lane, record),
            str(record.ip) if record is not None and record.ip is not None else "",
            f"v{record.base_version}" if record is not None and record.base_version else "",
            f"{lane.elapsed_s(end):.1f}s" if lane.started is not None else "",
            _state(job, lane, record),
        )
    return table


def _where(lane: Lane, record: BobRecord | None) -> str:
    if record is not None:
        return f"{record.host}/{record.disk}"
    return lane.host or ""


def _state(job: JobProgress, lane: Lane, record: BobRecord | None) -> Text:
    if lane.state == "failed":
        return Text(f"failed at {lane.step}", style="red")
    if lane.state == "undo failed":
        return Text(f"undo failed at {lane.step}: some of it is left", style="bold red")
    if lane.state == "rolled back":
        return Text("rolled back, nothing left", style="yellow")
    if lane.state == "waiting":
        return Text("not started", style="dim")
    if record is None:
        return Text("removed" if job.kind == "destroy" else "done", style="green")
    agent = f", agent of {record.controller}" if record.controller else ""
    style = "green" if record.state.value == "ready" else "yellow"
    return Text(f"{record.state.value}{agent}", style=style)


def _failures(failures: Sequence[Failure]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold red", title_justify="left")
    for column in ("failed", "host", "step", "what it said"):
        table.add_column(column, overflow="fold")
    for failure in failures:
        table.add_row(failure.lane, failure.host or "", failure.step, last_said(failure.error))
    return table


def next_step(
    job: JobProgress,
    records: Mapping[str, BobRecord | None],
    controllers: Sequence[str],
    program: str,
) -> str | None:
    """The command an operator runs next: attach new Bobs, or read a failed job's journal."""
    end = job.finished
    if end is None or end.state is not JobState.SUCCEEDED:
        return f"{program} job {job.job_id}   shows every step and its full output"
    if job.kind == "create":
        ready = [r for r in records.values() if r is not None and r.controller is None]
        if ready and controllers:
            return f"{program} attach {len(ready)} to {controllers[0]} LABEL"
        return f"{program} list"
    return None
