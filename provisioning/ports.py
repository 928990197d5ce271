"""Every seam between bob's core and an outside system, importable from here.

The store's Protocols are defined here; the host shell's, the DNS zone's and the Jenkins
controller's are defined beside their adapters (so a package's types travel with it) and
re-exported here. In-memory fakes of them ship in :mod:`provisioning.fakes`, held to the same
contract tests as the real adapters.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from provisioning.core.models import CreatePlan, Occupant
from provisioning.dns.port import DnsZoneClient, ZoneRecord
from provisioning.hosts.shell import CommandResult, HostShell, LineCallback
from provisioning.jenkins.port import JenkinsController
from provisioning.lockers.records import LockerRecord, MountRecord
from provisioning.records import (
    AuditEntry,
    BobRecord,
    BobState,
    HostState,
    JobRecord,
    JobState,
    JournalEntry,
    NewJob,
    OutboxMessage,
    OutboxRow,
    ReservationRecord,
)
from provisioning.staging.ports import StageStore

__all__ = [
    "AgentSightings",
    "AuditLog",
    "CommandResult",
    "DnsZoneClient",
    "FleetStore",
    "HostShell",
    "HostStates",
    "JenkinsController",
    "JobStore",
    "LineCallback",
    "Outbox",
    "Planner",
    "Shells",
    "StateStore",
    "Store",
    "ZoneRecord",
]

# Called inside the reservation transaction with everything that currently holds a slot;
# raising (e.g. ShortfallError) rolls the transaction back and nothing is written.
Planner = Callable[[Sequence[Occupant]], CreatePlan]


class JobStore(Protocol):
    """Jobs and their step journal: what the job runner needs."""

    async def create_job(self, job: NewJob) -> JobRecord: ...

    async def get_job(self, job_id: str) -> JobRecord: ...

    async def list_jobs(self, limit: int = 20) -> list[JobRecord]: ...

    async def job_ids_starting(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids of the jobs whose id starts with ``prefix`` (at most ``limit``), in id order."""
        ...

    async def unfinished_jobs(self) -> list[JobRecord]: ...

    async def claim_job(self, job_id: str, owner: str, lease: timedelta) -> JobRecord | None:
        """Take ownership if nobody holds a live lease; None when another owner does."""
        ...

    async def renew_lease(self, job_id: str, owner: str, lease: timedelta) -> bool: ...

    async def set_job_state(
        self, job_id: str, state: JobState, *, error: str | None = None
    ) -> None: ...

    async def request_cancel(self, job_id: str) -> bool: ...

    async def append_journal(self, entry: JournalEntry) -> None: ...

    async def journal(self, job_id: str) -> list[JournalEntry]: ...


class FleetStore(Protocol):
    """Bobs and reservations: what placement and the pipelines need."""

    async def reserve(self, job: NewJob, planner: Planner) -> tuple[JobRecord, CreatePlan]:
        """Plan and reserve in one transaction that excludes every other reserver."""
        ...

    async def occupants(self) -> list[Occupant]: ...

    async def list_bobs(self) -> list[BobRecord]: ...

    async def get_bob(self, name: str) -> BobRecord | None: ...

    async def list_reservations(self, job_id: str | None = None) -> list[ReservationRecord]: ...

    async def worked_on(self, kind: str, lanes: Collection[str]) -> set[str]:
        """Which of ``lanes`` (Bob names, for creates) a job of ``kind`` ever journaled."""
        ...

    async def promote_reservation(
        self, name: str, state: BobState, *, base_version: int | None = None
    ) -> BobRecord:
        """Turn a reservation into a Bob record (same name, slot and address)."""
        ...

    async def record_base(self, host: str, version: int) -> None:
        """Note a host's current base version; a lower one than already known is ignored."""
        ...

    async def base_versions(self) -> dict[str, int]:
        """Each host's current base version, for hosts whose version is known."""
        ...

    async def set_bob_state(self, name: str, state: BobState, job_id: str | None = None) -> None:
        """``job_id``, when given, becomes the job the record names (the one working on it)."""
        ...

    async def mark_refreshed(self, name: str, *, job_id: str, base_version: int | None) -> None:
        """A refreshed Bob: ready, made by ``job_id`` from base ``base_version``."""
        ...

    async def delete_bob(self, name: str) -> bool: ...

    async def claim_attachment(self, name: str, controller: str, label: str, heavy: bool) -> bool:
        """Record that ``name`` serves ``controller`` as ``label``, unless it already serves
        another controller or label; True if the record now says so."""
        ...

    async def clear_attachment(self, name: str, controller: str) -> bool:
        """Forget the attachment if it is to ``controller``; True if one was cleared."""
        ...

    async def release_reservations(
        self, job_id: str, names: Sequence[str] | None = None
    ) -> int: ...

    async def readdress(self, job_id: str, name: str, ip: ipaddress.IPv4Address) -> None:
        """Move a job's reservation to another address; ConflictError if that one is held."""
        ...

    async def add_locker(self, locker: LockerRecord) -> None:
        """ConflictError if a locker of that name is recorded (on any host)."""
        ...

    async def list_lockers(self) -> list[LockerRecord]: ...

    async def get_locker(self, name: str) -> LockerRecord | None: ...

    async def delete_locker(self, name: str) -> bool:
        """ConflictError while any mount of it is recorded."""
        ...

    async def locker_mounts(
        self, *, locker: str | None = None, bob: str | None = None
    ) -> list[MountRecord]: ...

    async def add_locker_mount(self, mount: MountRecord) -> None:
        """ConflictError if already mounted there, or if it would make the locker read-write
        in two Bobs without both mounts being shared."""
        ...

    async def delete_locker_mount(self, locker: str, bob: str) -> bool: ...


class HostStates(Protocol):
    """What bob learned about hosts at run time: drained by an operator, cooling down."""

    async def host_states(self) -> list[HostState]: ...

    async def update_host_state(
        self, host: str, change: Callable[[HostState], HostState]
    ) -> HostState:
        """Apply ``change`` to the host's state atomically; returns the new state."""
        ...


class AgentSightings(Protocol):
    async def track_offline(
        self, controller: str, offline: Collection[str], now: datetime
    ) -> dict[str, datetime]:
        """Since when each of ``offline`` has been seen offline (now, if first seen now)."""
        ...


class AuditLog(Protocol):
    async def audit(self, entry: AuditEntry) -> None: ...

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]: ...


class StateStore(JobStore, FleetStore, HostStates, AgentSightings, AuditLog, Protocol):
    async def close(self) -> None: ...


class Outbox(Protocol):
    """Chat messages waiting for delivery, and deliveries already acted on (at most once)."""

    async def outbox_put(
        self, messages: Sequence[OutboxMessage], owner: str, lease: timedelta
    ) -> None: ...

    async def outbox_claim(self, owner: str, lease: timedelta) -> list[OutboxRow]: ...

    async def outbox_sent(self, key: str, version: int, ts: str | None) -> None: ...

    async def outbox_release(self, owner: str) -> None: ...

    async def outbox_backlog(self) -> int:
        """How many messages have a state Slack does not have yet (for /metrics)."""
        ...

    async def first_delivery(self, delivery_id: str, keep: timedelta) -> bool:
        """True the first time ``delivery_id`` is seen within ``keep``; False for a repeat."""
        ...


class Store(StateStore, Outbox, StageStore, Protocol):
    """Everything the long-running service keeps: what the composition root is typed against."""


class Shells(Protocol):
    """A shell per configured host, by name."""

    def get(self, host: str) -> HostShell: ...
