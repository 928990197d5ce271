"""The one retry pacing bob uses: capped exponential delays.

Slack deliveries, undo steps waiting out a host outage and refused SSH channels all wait this
way; a single policy keeps their shapes comparable and their tunables in one form.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """``first_s``, then doubling, never above ``max_s``."""

    first_s: float
    max_s: float

    def __post_init__(self) -> None:
        if not 0 < self.first_s <= self.max_s:
            raise ValueError(f"backoff needs 0 < first ({self.first_s}) <= max ({self.max_s})")

    def delays(self) -> Iterator[float]:
        """An endless series of waits; take a fresh one for each new run of retries."""
        delay = self.first_s
        while True:
            yield delay
            delay = min(delay * 2, self.max_s)
