"""Value objects the planner reasons about."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SlotRef(_Value):
    """One place for a Bob: a slot number on a disk of a physical host."""

    host: str
    disk: str
    slot: int

    def __str__(self) -> str:
        return f"{self.host}/{self.disk}#{self.slot}"


class Occupant(_Value):
    """Something that holds a slot: an existing Bob or an in-flight reservation."""

    name: str
    host: str
    disk: str
    slot: int
    ip: ipaddress.IPv4Address | None = None
    heavy: bool = False

    @property
    def where(self) -> SlotRef:
        return SlotRef(host=self.host, disk=self.disk, slot=self.slot)


class PlannedBob(_Value):
    name: str
    host: str
    disk: str
    slot: int
    ip: ipaddress.IPv4Address
    gateway: ipaddress.IPv4Address
    prefix_length: int

    def describe(self) -> str:
        return f"{self.name} on {self.host}/{self.disk}, {self.ip}"


class CreatePlan(_Value):
    bobs: tuple[PlannedBob, ...]

    @property
    def names(self) -> list[str]:
        return [b.name for b in self.bobs]
