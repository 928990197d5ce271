"""A long command's output in its job's log while it runs: batched, and bounded in size.

The lines that arrive within ``interval_s`` make one log entry (one journal row, one StepLog
event), so a chatty build costs the store, the board and the Slack thread at most one write a
second, not one per line, and a quiet one still shows its latest line within a second. A batch
keeps its last ``batch_lines`` lines and says how many it skipped; a line is cut to
``line_chars``.

A command keeps up to ``max_lines`` lines in the journal that way. Past them it still shows
that it is alive: one line, its latest, every ``sparse_interval_s``; the command's timeout
(every command has one) bounds how many such entries there can be. When it ends, its last
``tail_lines`` lines not written yet are, because the end is where a failure says why.

Use it around a streamed command::

    async with OutputLog(ctx) as output:
        await shell.stream(argv, output.line, timeout=...)
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from types import TracebackType

from provisioning.jobs.steps import StepContext

INTERVAL_S = 1.0
SPARSE_INTERVAL_S = 10.0
BATCH_LINES = 20
# debootstrap minbase prints about 500 lines: all of them fit.
MAX_LINES = 500
TAIL_LINES = 10
LINE_CHARS = 240


class OutputLog:
    """Collects a command's output lines and writes them to ``ctx``'s log in batches."""

    def __init__(
        self,
        ctx: StepContext,
        *,
        interval_s: float = INTERVAL_S,
        sparse_interval_s: float = SPARSE_INTERVAL_S,
        batch_lines: int = BATCH_LINES,
        max_lines: int = MAX_LINES,
        tail_lines: int = TAIL_LINES,
        line_chars: int = LINE_CHARS,
    ) -> None:
        self._ctx = ctx
        self._interval = interval_s
        self._sparse_interval = sparse_interval_s
        self._batch_lines = batch_lines
        self._max_lines = max_lines
        self._line_chars = line_chars
        self._pending: list[tuple[int, str]] = []
        self._tail: deque[tuple[int, str]] = deque(maxlen=tail_lines)
        self._seen = 0  # lines received, which numbers them
        self._kept = 0  # lines written while within max_lines
        self._last_written = 0  # number of the last line written
        self._sparse_at = float("-inf")  # when the last sparse entry was written
        self._arrived = asyncio.Event()
        self._closing = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    async def line(self, line: str) -> None:
        """Take one output line (a :data:`~provisioning.hosts.shell.LineCallback`).

        Never waits on the store; a write that failed is raised here, which stops the command.
        """
        if self._writer is not None and self._writer.done():
            self._writer.result()
        self._seen += 1
        line = line.rstrip()  # debootstrap ends its lines with a space
        if len(line) > self._line_chars:
            line = line[: self._line_chars] + "…"
        entry = (self._seen, line)
        self._pending.append(entry)
        self._tail.append(entry)
        self._arrived.set()

    async def __aenter__(self) -> OutputLog:
        self._writer = asyncio.ensure_future(self._write_batches())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing.set()
        self._arrived.set()
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            await writer
            await self._write_tail()
        except Exception:
            if exc is None:
                raise
            # The command's own failure is the news; a log write that failed too must not hide it.

    async def _write_batches(self) -> None:
        while True:
            await self._arrived.wait()
            if not self._closing.is_set():
                # Gather what comes within the interval (or until the command ends).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._interval):
                        await self._closing.wait()
            self._arrived.clear()
            batch, self._pending = self._pending, []
            if self._kept < self._max_lines:
                await self._write(batch)
            elif not self._closing.is_set():
                await self._write_sparse()
            if self._closing.is_set():
                return

    async def _write(self, batch: list[tuple[int, str]]) -> None:
        if not batch:
            return
        kept = batch[-min(self._batch_lines, self._max_lines - self._kept) :]
        lines = [text for _, text in kept]
        if skipped := len(batch) - len(kept):
            lines.insert(0, f"… {_lines(skipped)} skipped")
        self._kept += len(kept)
        self._last_written = kept[-1][0]
        if self._kept >= self._max_lines:
            every = f"{self._sparse_interval:g} s"
            lines.append(f"… from here on only its latest line every {every}, and its end")
            self._sparse_at = time.monotonic()
        await self._ctx.log("\n".join(lines))

    async def _write_sparse(self) -> None:
        if time.monotonic() - self._sparse_at < self._sparse_interval or not self._tail:
            return
        number, text = self._tail[-1]
        if number == self._last_written:
            return
        skipped = number - self._last_written - 1
        self._last_written = number
        self._sparse_at = time.monotonic()
        await self._ctx.log(f"… {_lines(skipped)} skipped\n{text}" if skipped else text)

    async def _write_tail(self) -> None:
        """Once the command ended past ``max_lines``: its last lines, which say how it ended."""
        if self._kept < self._max_lines or self._last_written == self._seen:
            return
        last = [(n, text) for n, text in self._tail if n > self._last_written]
        skipped = self._seen - self._last_written - len(last)
        lines = [f"… {_lines(skipped)} skipped"] if skipped else []
        await self._ctx.log("\n".join([*lines, *(text for _, text in last)]))


def _lines(count: int) -> str:
    return f"{count} line{'s' if count != 1 else ''}"
