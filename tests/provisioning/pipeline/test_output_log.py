"""A command's output in the job log: batched while it runs, bounded however much it prints."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from provisioning.jobs.steps import StepContext
from provisioning.pipeline.output_log import OutputLog
from provisioning.records import JobRecord, JobState

QUICK = 0.05  # the batching interval these tests use (seconds)


class Written:
    """A StepContext whose log entries land in a list."""

    def __init__(self) -> None:
        self.entries: list[str] = []
        job = JobRecord(
            id="job1",
            kind="rebuild-base",
            params={},
            state=JobState.RUNNING,
            requested_by="tester",
            source="test",
            created_at=datetime.now(UTC),
        )
        self.ctx = StepContext(job, step="build", lane="rebuild", sink=self._sink)

    async def _sink(self, ctx: StepContext, line: str) -> None:
        self.entries.append(line)

    async def until(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.entries) < count:
                await asyncio.sleep(0.01)


def output(written: Written, **limits: int) -> OutputLog:
    return OutputLog(written.ctx, interval_s=QUICK, **limits)


async def test_lines_that_come_together_make_one_entry() -> None:
    written = Written()
    async with output(written) as out:
        for line in ("I: Retrieving InRelease", "I: Retrieving Release", "I: Checking"):
            await out.line(line)

    assert ["I: Retrieving InRelease\nI: Retrieving Release\nI: Checking"] == written.entries


async def test_a_line_is_written_while_the_command_is_still_running() -> None:
    written = Written()
    async with output(written) as out:
        await out.line("I: Retrieving InRelease")
        await written.until(1)  # no further line, no end: the interval alone writes it
        seen_while_running = list(written.entries)
        await out.line("I: Retrieving Release")

    assert ["I: Retrieving InRelease"] == seen_while_running
    assert ["I: Retrieving InRelease", "I: Retrieving Release"] == written.entries


async def test_a_burst_keeps_its_last_lines_and_says_how_many_it_skipped() -> None:
    written = Written()
    async with output(written, batch_lines=3) as out:
        for n in range(10):
            await out.line(f"line {n}")

    assert ["… 7 lines skipped\nline 7\nline 8\nline 9"] == written.entries


async def test_past_its_budget_a_command_shows_its_latest_line_now_and_then_and_its_end() -> None:
    written = Written()
    limits = {"batch_lines": 5, "max_lines": 5, "tail_lines": 2}
    async with OutputLog(written.ctx, interval_s=QUICK, sparse_interval_s=0.3, **limits) as out:
        for n in range(3):
            await out.line(f"early {n}")
        await written.until(1)
        for n in range(100):
            await out.line(f"late {n}")
        await written.until(2)
        await asyncio.sleep(0.3)  # the behaviour under test: the sparse interval passes
        for n in range(50):
            await out.line(f"later {n}")
        await written.until(3)  # the latest line, once the sparse interval has passed
        for n in range(30):
            await out.line(f"last {n}")

    assert [
        "early 0\nearly 1\nearly 2",
        "… 98 lines skipped\nlate 98\nlate 99\n"
        "… from here on only its latest line every 0.3 s, and its end",
        "… 49 lines skipped\nlater 49",
        "… 28 lines skipped\nlast 28\nlast 29",
    ] == written.entries


async def test_past_its_budget_a_quick_command_writes_only_its_end() -> None:
    written = Written()
    async with output(written, batch_lines=5, max_lines=5, tail_lines=2) as out:
        for n in range(7):
            await out.line(f"early {n}")
        await written.until(1)
        for n in range(10):
            await out.line(f"late {n}")

    assert [
        "… 2 lines skipped\nearly 2\nearly 3\nearly 4\nearly 5\nearly 6\n"
        "… from here on only its latest line every 10 s, and its end",
        "… 8 lines skipped\nlate 8\nlate 9",
    ] == written.entries


async def test_a_long_line_is_cut() -> None:
    written = Written()
    async with output(written, line_chars=10) as out:
        await out.line("x" * 500)

    assert ["xxxxxxxxxx…"] == written.entries


async def test_a_quiet_command_writes_nothing() -> None:
    written = Written()
    async with output(written):
        pass

    assert [] == written.entries


async def test_a_log_that_cannot_be_written_stops_the_command() -> None:
    written = Written()
    tried = asyncio.Event()

    async def broken(ctx: StepContext, line: str) -> None:
        tried.set()
        raise OSError("the store is gone")

    written.ctx.sink = broken

    async def command() -> None:
        async with output(written) as out:
            await out.line("one")
            await asyncio.wait_for(tried.wait(), 5)  # the write of "one" has failed
            await out.line("two")

    with pytest.raises(OSError, match="the store is gone"):
        await command()


async def test_the_commands_own_failure_is_not_hidden_by_a_failed_log_write() -> None:
    written = Written()

    async def broken(ctx: StepContext, line: str) -> None:
        raise OSError("the store is gone")

    written.ctx.sink = broken

    async def command() -> None:
        async with output(written) as out:
            await out.line("one")
            raise RuntimeError("the command failed")

    with pytest.raises(RuntimeError, match="the command failed"):
        await command()
