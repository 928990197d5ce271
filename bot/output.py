"""The terminal streams of the ``bob`` command: a reader that goes away ends output quietly,
and job progress is drawn live only where someone watches a terminal.

``bob list | head -1`` closes the pipe while bob writes. What bob was doing does not change: a
reader that stops reading is not asking to cancel, so a job keeps running to its end (journaled
as always, ``bob job ID`` shows it) and only what it would have printed is discarded.
"""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO


class DiscardOnClosedPipe(io.TextIOWrapper):
    """A text stream over a file descriptor that, once its reader is gone, discards writes."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(
            stream.buffer,
            encoding=stream.encoding,
            errors=stream.errors,
            line_buffering=bool(stream.line_buffering),
        )
        self.reader_gone = False

    def write(self, s: str) -> int:
        if self.reader_gone:
            return len(s)
        try:
            return super().write(s)
        except BrokenPipeError:
            self._discard()
            return len(s)

    def flush(self) -> None:
        if self.reader_gone:
            return
        try:
            super().flush()
        except BrokenPipeError:
            self._discard()

    def _discard(self) -> None:
        """Point the descriptor at /dev/null: what is still buffered, here or in the stream the
        interpreter flushes at exit, goes nowhere instead of raising again."""
        self.reader_gone = True
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, self.fileno())
        finally:
            os.close(null)


def quiet_when_closed() -> None:
    """Make the process's own stdout and stderr discard output once their reader is gone.

    Only the real streams: a test's captured ones are left alone.
    """
    if sys.stdout is sys.__stdout__ and sys.stdout is not None:
        sys.stdout = DiscardOnClosedPipe(sys.stdout)
    if sys.stderr is sys.__stderr__ and sys.stderr is not None:
        sys.stderr = DiscardOnClosedPipe(sys.stderr)


# Whether the user asked for line output (``--plain``): set once per command by ``bot.cli.main``.
_plain = [False]


def prefer_plain(plain: bool) -> None:
    """Record whether this command's progress must be one line an event even on a terminal."""
    _plain[0] = plain


def live_wanted(stream: TextIO) -> bool:
    """Redraw progress in place on ``stream``: only a terminal that can move its cursor, and
    only unless the user asked for lines (a pipe, a file or a log reader gets lines, which
    stay whole for grep and ``head``)."""
    if _plain[0] or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except ValueError:  # a closed stream
        return False
