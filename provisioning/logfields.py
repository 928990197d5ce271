"""Context that every log record carries: the job, step, lane, host and Bob being worked on.

Bound once where the work happens (the job runner binds them around each lane and step), read
by whatever formats records (``bot.logs``). A context variable follows the work into the tasks
and threads it starts, so a record from SSH or DNS code deep under a step still names the job
and the Bob, while the concurrent lanes of one job never see each other's fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

# In the order a text log line shows them.
FIELDS = ("job", "step", "lane", "host", "bob")

_NONE: Mapping[str, str] = MappingProxyType({})
_bound: ContextVar[Mapping[str, str]] = ContextVar("bob_log_fields", default=_NONE)


def current() -> Mapping[str, str]:
    """The fields bound where the caller runs (empty outside any job)."""
    return _bound.get()


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Add ``fields`` (None ones left out) to the records logged inside the block."""
    token = _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _bound.reset(token)
