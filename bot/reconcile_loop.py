"""The periodic reconcile: every interval, compare; when something is wrong, say so once.

``bob serve`` runs it beside the Slack app. A report is posted when differences appear or change,
not every interval while they stay the same: a channel that repeats itself gets muted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from handlers.reconcile import Report
from provisioning.errors import BobError

log = logging.getLogger("bob.reconcile")

Notify = Callable[[str], Awaitable[None]]
MAX_LINES = 10


def summary(report: Report) -> str:
    """A few lines for a channel: what disagrees, and the command that repairs it."""
    count = len(report.findings)
    lines = [f"bob reconcile: {count} difference{'s' if count != 1 else ''}"]
    lines += [f"• {f.line()}" for f in report.findings[:MAX_LINES]]
    if count > MAX_LINES:
        lines.append(f"• … and {count - MAX_LINES} more")
    lines.append("`bob reconcile` shows them all; `bob reconcile --fix` repairs what is safe.")
    return "\n".join(lines)


class PeriodicReconcile:
    def __init__(
        self,
        run: Callable[[], Awaitable[Report]],
        notify: Notify,
        interval_s: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._run, self._notify, self._interval, self._sleep = run, notify, interval_s, sleep
        self._last: frozenset[tuple[str, str]] = frozenset()

    async def once(self) -> Report | None:
        """One pass; posts only when the set of differences is new. None if it could not run."""
        try:
            report = await self._run()
        except BobError as exc:
            log.warning("reconcile.failed error=%s", exc)
            return None
        seen = frozenset((f.kind.value, f.subject) for f in report.findings)
        if seen and seen != self._last:
            try:
                await self._notify(summary(report))
            except Exception:  # a channel that is down must not stop the checks
                log.exception("reconcile.notify_failed")
                return report
        self._last = seen
        return report

    async def run_forever(self) -> None:
        while True:
            await self.once()
            await self._sleep(self._interval)
