"""What bob records about lockers and where they are mounted."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class LockerRecord(BaseModel):
    """A locker bob made: a volume on ``host`` that outlives every Bob it is mounted into."""

    model_config = ConfigDict(frozen=True)

    name: str
    host: str
    backend: str  # dir, btrfs (a subvolume) or lvm (a logical volume)
    size: str | None = None
    job_id: str
    created_at: datetime


class MountRecord(BaseModel):
    """Locker ``locker`` mounted at ``/lockers/{locker}`` inside Bob ``bob``."""

    model_config = ConfigDict(frozen=True)

    locker: str
    bob: str
    read_only: bool = False
    # Said by the operator: this locker may be read-write in more than one Bob at once.
    shared: bool = False
    job_id: str

    @property
    def writes(self) -> bool:
        return not self.read_only


def writer_conflict(new: MountRecord, existing: list[MountRecord]) -> MountRecord | None:
    """The mount that forbids ``new``: a locker is read-write in two Bobs only when every such
    mount was made ``--shared``. None when ``new`` may be made."""
    if not new.writes:
        return None
    for mount in existing:
        if mount.bob != new.bob and mount.writes and not (new.shared and mount.shared):
            return mount
    return None
