"""Where the ``bob`` command's log records go: stderr, warnings and worse unless ``-v``.

stdout is what the user reads (progress, listings, reports); log records are for diagnosis.
They never share a line: stdout is flushed before a record is written, so even with ``2>&1``
a record sits between whole progress lines.
"""

from __future__ import annotations

import contextlib
import logging
import sys

FORMAT = "bob: %(levelname)s %(name)s: %(message)s"


class _AfterStdout(logging.Handler):
    """Records to whatever ``sys.stderr`` is when they are emitted, after flushing stdout."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            with contextlib.suppress(OSError, ValueError):  # stdout gone: stderr still works
                sys.stdout.flush()
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def configure(verbosity: int) -> None:
    """0: warnings and errors; 1 (``-v``): info too; 2 or more (``-vv``): debug."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = _AfterStdout()
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
