"""Records that cross the store boundary: what bob knows about Bobs, jobs and who asked what."""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from provisioning.core.models import Occupant


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class BobState(enum.StrEnum):
    CREATING = "creating"
    READY = "ready"
    FAILED = "failed"
    DESTROYING = "destroying"


class JobState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    UNDOING = "undoing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class StepEvent(enum.StrEnum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"  # check() said the step was already done
    UNDO_STARTED = "undo-started"
    UNDONE = "undone"
    UNDO_FAILED = "undo-failed"
    LOG = "log"


class BobRecord(_Record):
    name: str
    host: str
    disk: str
    slot: int
    ip: ipaddress.IPv4Address | None
    state: BobState
    job_id: str | None = None
    base_version: int | None = None
    controller: str | None = None
    label: str | None = None
    heavy: bool = False
    created_at: datetime
    expires_at: datetime | None = None  # made with a time to live: destroyed after this

    def as_occupant(self) -> Occupant:
        return Occupant(
            name=self.name,
            host=self.host,
            disk=self.disk,
            slot=self.slot,
            ip=self.ip,
            heavy=self.heavy,
        )


class ReservationRecord(_Record):
    """A name, slot and address held by an in-flight job until its Bob exists or it fails."""

    name: str
    host: str
    disk: str
    slot: int
    ip: ipaddress.IPv4Address | None
    job_id: str
    created_at: datetime
    expires_at: datetime | None = None

    def as_occupant(self) -> Occupant:
        return Occupant(name=self.name, host=self.host, disk=self.disk, slot=self.slot, ip=self.ip)


class NewJob(_Record):
    kind: str
    params: dict[str, Any] = Field(default_factory=dict)
    requested_by: str = "cli"
    source: str = "cli"


class JobRecord(_Record):
    id: str
    kind: str
    params: dict[str, Any]
    state: JobState
    requested_by: str
    source: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    cancel_requested: bool = False
    owner: str | None = None
    lease_expires_at: datetime | None = None


class JournalEntry(_Record):
    job_id: str
    step_index: int
    step: str
    lane: str
    host: str | None
    event: StepEvent
    at: datetime
    duration_s: float | None = None
    detail: str | None = None


class AuditEntry(_Record):
    at: datetime
    actor: str
    source: str
    origin: str
    command: str
    outcome: str
    detail: str | None = None


class HostState(_Record):
    """What bob has learned about a host at run time (the config's ``drained`` is separate)."""

    host: str
    drained: bool = False
    drained_by: str | None = None
    drain_reason: str | None = None
    failures: int = 0  # consecutive jobs that failed on the host since its last success
    cooling_until: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """A message's latest state; ``thread_key`` names the message it replies to."""

    key: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    thread_key: str | None = None


@dataclass(frozen=True)
class OutboxRow:
    message: OutboxMessage
    version: int
    ts: str | None
    # The Slack ts of the message replied to, once posted; "" when it never will be.
    thread_ts: str | None
