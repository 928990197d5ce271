"""Where the ``bob`` command's log records go: stderr, warnings and worse unless ``-v``.

stdout is what the user reads (progress, listings, reports); log records are for diagnosis.
They never share a line: stdout is flushed before a record is written, so even with ``2>&1``
a record sits between whole progress lines.

Every record carries the fields bound where it was logged (:mod:`provisioning.logfields`: job,
step, lane, host, Bob): as ``key=value`` after the text line, or as keys of the JSON object
(``--log-format json``, one object a line, for a log collector).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

from provisioning import logfields

FORMAT = "bob: %(levelname)s %(name)s: %(message)s"
# A daemon's log is its output: each line says when.
SERVE_FORMAT = "%(asctime)s %(name)s %(message)s"
LogFormat = Literal["text", "json"]
FORMATS: tuple[LogFormat, ...] = ("text", "json")


class BoundFields(logging.Filter):
    """Stamps each record with the fields bound where it was logged, as ``record.fields``.

    Read when the record is made, not when it is formatted, so a handler that formats later
    (or in another thread) still shows the job the record came from.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "fields"):
            record.fields = dict(logfields.current())
        return True


def _fields(record: logging.LogRecord) -> dict[str, str]:
    fields: dict[str, str] = getattr(record, "fields", {})
    known = [k for k in logfields.FIELDS if k in fields]
    return {k: fields[k] for k in [*known, *sorted(fields.keys() - set(known))]}


class TextFormatter(logging.Formatter):
    """The classic line, then the bound fields as ``key=value``."""

    def __init__(self, fmt: str = FORMAT) -> None:
        super().__init__(fmt)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        if not pairs:
            return line
        head, sep, tail = line.partition("\n")  # a traceback stays below its line
        return f"{head} {pairs}{sep}{tail}"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, bound fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


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


def configure(verbosity: int, log_format: LogFormat = "text", *, text: str = FORMAT) -> None:
    """0: warnings and errors; 1 (``-v``): info too; 2 or more (``-vv``): debug.

    ``text``: the line format of ``log_format="text"`` (the bound fields follow it).
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = _AfterStdout()
    handler.addFilter(BoundFields())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(text))
    logging.basicConfig(level=level, handlers=[handler], force=True)
