"""Job progress redrawn in place on a terminal: a row per Bob and a bar for the whole job.

Each row is a lane (a Bob; a group of hosts for a base rebuild): its name, the host it works
on, its current step and how long it has been at it. The table is redrawn a few times a
second (the elapsed times move between events) and, when the job ends, gives way to the
summary of :mod:`bot.live_summary`. Lines printed meanwhile (bob's own notes on stderr) go
above the table instead of through it.
"""

from __future__ import annotations

import atexit
from collections.abc import Awaitable, Callable, Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from bot.live_state import JobProgress, Lane, now
from bot.live_summary import summary
from provisioning.jobs.events import Event, JobFinished, JobStarted
from provisioning.records import BobRecord

BobLookup = Callable[[str], Awaitable[BobRecord | None]]
REFRESH_PER_SECOND = 4
OUTPUT_WIDTH = 48  # how much of a step's latest output line a row shows


class LiveProgress:
    """A ProgressBus subscriber drawing the jobs it sees start on ``console``."""

    def __init__(
        self,
        console: Console,
        *,
        bobs: BobLookup | None = None,
        controllers: Sequence[str] = (),
        program: str = "bob",
    ) -> None:
        self._console = console
        self._bobs = bobs
        self._controllers = tuple(controllers)
        self._program = program
        self._jobs: dict[str, JobProgress] = {}
        self._live: Live | None = None

    async def __call__(self, event: Event) -> None:
        if isinstance(event, JobStarted):
            self._jobs[event.job_id] = JobProgress.starting(event)
            self._show()
            return
        job = self._jobs.get(event.job_id)
        if job is None:  # a job that started before this view subscribed
            return
        job.apply(event)
        if isinstance(event, JobFinished):
            del self._jobs[event.job_id]
            records = {name: await self._bobs(name) for name in job.lanes} if self._bobs else {}
            if not self._jobs:
                self.close()
            self._console.print(
                summary(job, records, controllers=self._controllers, program=self._program)
            )
        elif self._live is not None:
            self._live.refresh()

    def frame(self) -> RenderableType:
        """What the terminal shows now: each running job's header, rows and bar."""
        return Group(*(part for job in self._jobs.values() for part in job_frame(job)))

    def _show(self) -> None:
        if self._live is not None:
            return
        self._live = Live(
            console=self._console,
            get_renderable=self.frame,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=True,
        )
        self._live.start(refresh=True)
        # However bob leaves with a job unfinished (an error, an interrupted `bob resume`), the
        # terminal gets its cursor back.
        atexit.register(self.close, keep=True)

    def close(self, *, keep: bool = False) -> None:
        """Stop redrawing and give the terminal back: the table is cleared, or with ``keep``
        left as last drawn (a job stopped midway)."""
        live, self._live = self._live, None
        if live is not None:
            atexit.unregister(self.close)
            if keep:
                for job in self._jobs.values():
                    job.stop(now())
            live.transient = not keep
            live.stop()


def job_frame(job: JobProgress) -> list[RenderableType]:
    header = Text(f"job {job.job_id}", style="bold")
    header.append(f"  {job.kind}" + (" (resumed)" if job.resumed else ""))
    header.append(f"  {counted(job)}", style="dim")
    parts: list[RenderableType] = [Text(""), header, LaneTable(job)]
    if job.undoing is not None:
        parts.append(Text(f"undoing: {job.undoing}", style="yellow"))
    parts.append(overall_bar(job))
    return parts


def counted(job: JobProgress) -> str:
    """``2 Bobs``, ``1 lane``: what the rows are, and how many."""
    what = "Bob" if job.lanes_are_bobs else "lane"
    return f"{len(job.lanes)} {what}" + ("" if len(job.lanes) == 1 else "s")


class LaneTable:
    """A job's rows, sized when drawn: name, host, step and elapsed are shown whole, and the
    output column gets what room is left (at most OUTPUT_WIDTH), cut with an ellipsis."""

    def __init__(self, job: JobProgress) -> None:
        self.job = job

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield lane_table(self.job, options.max_width)


def lane_table(job: JobProgress, width: int) -> Table:
    at = now()
    rows = [
        (
            Text(lane.name),
            Text(lane.host or ""),
            step_text(lane),
            Text(f"{lane.elapsed_s(at):.1f}s" if lane.started is not None else ""),
            Text(lane.output if lane.state == "running" else ""),
        )
        for lane in job.lanes.values()
    ]
    headers = ("Bob" if job.lanes_are_bobs else "lane", "host", "step", "elapsed")
    whole = [max([len(h), *(row[i].cell_len for row in rows)]) for i, h in enumerate(headers)]
    gaps = 2 * len(headers)  # a space either side of each line between two columns
    room = max(len("output"), min(OUTPUT_WIDTH, width - sum(whole) - gaps))
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for header, at_least in zip(headers, whole, strict=True):
        table.add_column(header, no_wrap=True, min_width=at_least)
    table.columns[-1].justify = "right"
    table.add_column("output", style="dim", no_wrap=True, overflow="ellipsis", max_width=room)
    for row in rows:
        table.add_row(*row)
    return table


def step_text(lane: Lane) -> Text:
    step = lane.step or ""
    shown: dict[str, tuple[str, str]] = {
        "waiting": ("waiting", "dim"),
        "running": (f"{step} …", "cyan"),
        "done": (f"{step} ✓", "green"),
        "failed": (f"{step} ✗ failed", "bold red"),
        "undoing": (f"undone {step}", "yellow"),
        "rolled back": ("rolled back", "yellow"),
        "undo failed": (f"undo of {step} ✗ failed", "bold red"),
        "stopped": (f"{step} stopped", "yellow"),
    }
    text, style = shown[lane.state]
    return Text(text, style=style)


def overall_bar(job: JobProgress) -> Table:
    total = max(job.total_steps, 1)
    done = min(job.steps_done, total)
    row = Table.grid(padding=(0, 1))
    row.add_row(
        # rich's default pink reads as an error: a job under way is neither good nor bad yet
        ProgressBar(
            total=total, completed=done, width=40, complete_style="cyan", finished_style="green"
        ),
        Text(f"{done}/{job.total_steps} steps", style="bold"),
    )
    return row
