"""What a host check reports: one result per check, each with what to do about a failure."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Outcome(enum.StrEnum):
    OK = "ok"
    FAIL = "FAIL"
    SKIP = "skip"  # not looked at, because a check it depends on failed (SSH, mostly)


@dataclass(frozen=True)
class CheckResult:
    host: str
    check: str  # "ssh", "bridge", "disk disk1", …: what an operator searches the output for
    outcome: Outcome
    detail: str
    fix: str | None = None  # who makes it right, and how, for a failure
    # Advice checks (free space, clock) are reported but do not stop a create.
    gates_create: bool = True

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def line(self) -> str:
        text = f"{self.host}  {self.check:<12} {self.outcome.value:<4}  {self.detail}"
        return f"{text} ({self.fix})" if self.fix and not self.ok else text


@dataclass(frozen=True)
class HostReport:
    host: str
    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.ok]


@dataclass(frozen=True)
class Limits:
    """Thresholds of the advice checks."""

    min_free_bytes: int = 1024**3
    # Hosts whose date lacks %N (busybox) report whole seconds, read as ±0.5 s.
    max_skew_s: float = 5.0
