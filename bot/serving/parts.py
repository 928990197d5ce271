"""What a front end plugs into ``bob serve`` with: HTTP routes, background duties, components.

A front end never builds the runtime or the job service: it is handed the :class:`Serving`
of the process and returns what it adds, or None when it has nothing to add (not configured).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from bot.metrics import LastReconcile

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.serving.options import ServeOptions
    from bot.settings import Settings
    from bot.slack.serve import SlackFront
    from bot.slack.service import BobService

# Adds routes to the one HTTP server ``bob serve`` runs (the board, Slack's events, ...).
RouteAdder = Callable[[web.Application], None]
# A background duty: runs until bob stops, which cancels it.
Duty = Callable[[], Coroutine[Any, Any, None]]


class Component(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Serving:
    """The process a front end plugs into: built once, shared by every front end."""

    settings: Settings
    options: ServeOptions
    runtime: Runtime
    # Runs and resumes jobs in this process (reporting to Slack when ``slack`` is set).
    service: BobService
    slack: SlackFront | None
    stack: AsyncExitStack
    # The periodic reconcile's last report, for /metrics.
    reconciles: LastReconcile = field(default_factory=LastReconcile)

    @property
    def report_channel(self) -> str | None:
        """Where jobs without a requester's channel (resumed ones) report: Slack's channel;
        None without Slack (the journal and the board only)."""
        return self.settings.fleet.slack.channel if self.slack is not None else None

    def at_stop(self, close: Callable[[], Awaitable[None]]) -> None:
        """Run ``close`` when bob stops: after the front doors close, before the jobs stop."""
        self.stack.push_async_callback(close)


RouteFactory = Callable[[Serving], RouteAdder | None]
DutyFactory = Callable[[Serving], Duty | None]
ComponentFactory = Callable[[Serving], Component | None]
