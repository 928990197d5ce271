"""The terminal streams of the ``bob`` command: a reader that goes away ends output quietly.

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
