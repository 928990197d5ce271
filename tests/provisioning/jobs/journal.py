"""Reading a job's journal in tests."""

from __future__ import annotations

from collections.abc import Iterable

from provisioning.records import JournalEntry, StepEvent


def pairs(entries: Iterable[JournalEntry], *events: StepEvent) -> list[tuple[str, str]]:
    """(step, event) in journal order, only the given events if any are named."""
    return [(e.step, e.event.value) for e in entries if not events or e.event in events]
