"""Reading a finished job's journal and what it left behind, for the failure tests."""

from __future__ import annotations

from typing import Any

from provisioning.jobs.replay import CANCELLED_DETAIL
from provisioning.records import JournalEntry, StepEvent
from sandbox import SandboxInfo
from tests.provisioning.pipeline.observe import containers, disk_entries
from tests.provisioning.pipeline.runtime import Bob

NOTHING: dict[str, Any] = {"containers": [], "disk entries": {}, "reservations": [], "bobs": []}


def failures(journal: list[JournalEntry]) -> list[JournalEntry]:
    """The steps that really failed, in journal order (not those cancelled because of them)."""
    return [e for e in journal if e.event is StepEvent.FAILED and e.detail != CANCELLED_DETAIL]


def entries(journal: list[JournalEntry], event: StepEvent) -> list[JournalEntry]:
    return [e for e in journal if e.event is event]


async def leftovers(info: SandboxInfo, bob: Bob) -> dict[str, Any]:
    """Everything a job may leave: equal to NOTHING when it left nothing."""
    return {
        "containers": containers(info),
        "disk entries": {disk: found for disk, found in disk_entries(info).items() if found},
        "reservations": await bob.store.list_reservations(),
        "bobs": await bob.store.list_bobs(),
    }
