"""A place (a host, a controller) that does not answer, as one job's undo lanes see it together.

An undo that cannot reach its place is retried for a bounded window, because a host that drops
off for a moment must not leave a container nobody removes. The window belongs to the job and
the place, not to each lane: the first lane that finds the place away retries for all of them,
the others wait for its outcome. If the place answers, they all try again at once; if the
window passes, the place is away for this job and every lane that cannot reach it gives up at
once. A failed create of ten Bobs on a host that never comes back so ends after one window,
not ten, and asks the host about as often as one lane would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from provisioning.core.backoff import Backoff
from provisioning.errors import BobError

Attempt = Callable[[], Awaitable[None]]
OnWait = Callable[[BobError, float], Awaitable[None]]


@dataclass(frozen=True)
class Patience:
    window_s: float
    backoff: Backoff


# How long an undo keeps trying a place it cannot reach, and how often: the pipeline's default
# (:attr:`~provisioning.pipeline.context.Pipeline.undo_patience`).
UNDO_PATIENCE = Patience(window_s=30.0, backoff=Backoff(first_s=0.2, max_s=2.0))


class PlaceAway(Exception):
    """The place stayed away for the whole window; ``cause`` is the last unreachable error."""

    def __init__(self, cause: BobError, waited_s: float) -> None:
        super().__init__(f"{cause} (still failing after {waited_s:g} s)")
        self.cause = cause
        self.waited_s = waited_s


@dataclass
class _Outage:
    # Until when the verdict "away" holds: long enough for every lane of the undo under way to
    # hear it, short enough that a later undo (a resume, a re-run) waits for the place again.
    away_until: float | None = None
    waited_s: float = 0.0
    # The outcome of the lane that is retrying for all: False once the place is known away,
    # True when the others should try again (it answered, or the retrying lane was cancelled).
    retrying: asyncio.Future[bool] | None = None


@dataclass
class Outages:
    """Per (job, place): who retries, and the verdict once the window has passed."""

    _outages: dict[tuple[str, str], _Outage] = field(default_factory=dict)

    async def attempt(
        self,
        job_id: str,
        place: str,
        attempt: Attempt,
        *,
        unreachable: tuple[type[BobError], ...],
        patience: Patience,
        on_wait: OnWait,
    ) -> None:
        """Run ``attempt`` until it does not raise ``unreachable``; raises PlaceAway when
        ``place`` stays away for the window (this lane's, or one shared with another lane)."""
        key = (job_id, place)
        while True:
            try:
                await attempt()
                return
            except unreachable as exc:
                outage = self._current(key)
                if outage.away_until is not None:
                    raise PlaceAway(exc, outage.waited_s) from exc
                retrying = outage.retrying
                if retrying is None or retrying.done():
                    await self._retry_for_all(
                        key, outage, attempt, exc, unreachable, patience, on_wait
                    )
                    return
                if not await asyncio.shield(retrying):
                    raise PlaceAway(exc, outage.waited_s) from exc
                # The place answered the lane that retried: this lane tries again at once.

    def _current(self, key: tuple[str, str]) -> _Outage:
        outage = self._outages.get(key)
        now = time.monotonic()
        if outage is None or (outage.away_until is not None and outage.away_until <= now):
            outage = self._outages[key] = _Outage()
        return outage

    async def _retry_for_all(
        self,
        key: tuple[str, str],
        outage: _Outage,
        attempt: Attempt,
        error: BobError,
        unreachable: tuple[type[BobError], ...],
        patience: Patience,
        on_wait: OnWait,
    ) -> None:
        loop = asyncio.get_running_loop()
        retrying = outage.retrying = loop.create_future()
        started = time.monotonic()
        deadline = started + patience.window_s
        delays = patience.backoff.delays()
        answered = False
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    outage.waited_s = patience.window_s
                    outage.away_until = time.monotonic() + patience.window_s
                    raise PlaceAway(error, patience.window_s) from error
                wait = min(next(delays), left)
                await on_wait(error, wait)
                await asyncio.sleep(wait)
                try:
                    await attempt()
                    answered = True
                    return
                except unreachable as exc:
                    error = exc
                except Exception:
                    answered = True  # the place answered, with a failure of this lane's own
                    raise
        finally:
            if answered:
                self._outages.pop(key, None)  # over: a later loss starts a window of its own
            retrying.set_result(outage.away_until is None)
