"""Per-host concurrency: how many steps may work on one physical host at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class HostSlots:
    """At most ``limit`` steps at a time on one host, across every job of one runner.

    The limit is per process: replicas sharing a store each apply their own.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("per-host limit must be at least 1")
        self._limit = limit
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    def semaphore(self, host: str | None) -> asyncio.Semaphore | None:
        """None for a step that names no host: it is not limited."""
        if host is None:
            return None
        return self._semaphores.setdefault(host, asyncio.Semaphore(self._limit))

    @asynccontextmanager
    async def hold(self, host: str | None) -> AsyncIterator[None]:
        semaphore = self.semaphore(host)
        if semaphore is None:
            yield
            return
        async with semaphore:
            yield
