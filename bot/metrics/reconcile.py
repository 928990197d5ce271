"""What the last periodic reconcile found, kept for the next scrape."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from handlers.reconcile import Report
from provisioning.reconcile.model import Kind


@dataclass(frozen=True)
class Differences:
    by_kind: dict[str, int]  # every kind, 0 when none was found
    at: float  # seconds since the epoch


@dataclass
class LastReconcile:
    """The periodic reconcile records each report here; None until its first pass."""

    last: Differences | None = field(default=None)

    def record(self, report: Report) -> None:
        found = Counter(f.kind.value for f in report.findings)
        self.last = Differences({k.value: found[k.value] for k in Kind}, time.time())
