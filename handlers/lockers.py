"""Lockers for every front end: what a request means, whether it may go, and its job.

Checked here, before any job exists, so a refusal changes nothing: names, the locker's host
against the Bob's, the rule that a locker is read-write in one Bob unless ``--shared``, and
that a mounted locker is never destroyed. The job checks the same again where it matters (the
store's transaction for the writer rule, the host for the wormhole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.provision import Caller
from provisioning.config.models import LABEL_RE, Fleet
from provisioning.errors import BobError, UsageError
from provisioning.lockers.kinds import LOCKER_CREATE, LOCKER_DESTROY, LOCKER_MOUNT, LOCKER_UNMOUNT
from provisioning.lockers.records import LockerRecord, MountRecord, writer_conflict
from provisioning.lockers.steps import LockerMount, NewLocker
from provisioning.ports import StateStore
from provisioning.records import BobState, JobRecord, NewJob

_SIZE = re.compile(r"^[0-9]+[KMGT]$")


@dataclass(frozen=True)
class LockerRow:
    locker: LockerRecord
    mounts: list[MountRecord]

    def line(self) -> str:
        size = f" {self.locker.size}" if self.locker.size else ""
        where = ", ".join(
            m.bob + (" (ro)" if m.read_only else "") + (" (shared)" if m.shared else "")
            for m in self.mounts
        )
        return f"{self.locker.name:<16} {self.locker.host:<10} {self.locker.backend}{size:<6} " + (
            f"mounted in {where}" if where else "not mounted"
        )


async def list_lockers(store: StateStore) -> list[LockerRow]:
    mounts = await store.locker_mounts()
    return [
        LockerRow(lk, [m for m in mounts if m.locker == lk.name])
        for lk in await store.list_lockers()
    ]


def _name(name: str) -> str:
    if not re.fullmatch(LABEL_RE, name):
        raise UsageError(f"{name!r} is not a locker name (lower-case letters, digits, '-')")
    return name


async def _refused(store: StateStore, caller: Caller, exc: BobError) -> None:
    await store.audit(caller.entry("refused", str(exc)))


async def _submit(
    store: StateStore, caller: Caller, kind: str, params: dict[str, object]
) -> JobRecord:
    job = await store.create_job(
        NewJob(kind=kind, params=params, requested_by=caller.actor, source=caller.source)
    )
    await store.audit(caller.entry("submitted", f"job {job.id}"))
    return job


async def submit_create(
    fleet: Fleet, store: StateStore, caller: Caller, name: str, host: str, size: str | None
) -> JobRecord:
    try:
        _name(name)
        if host not in {h.name for h in fleet.hosts}:
            raise UsageError(f"no host named {host} in the config")
        if size is not None and not _SIZE.fullmatch(size):
            raise UsageError(f"size {size!r}: a number and K, M, G or T, e.g. 10G")
        if (known := await store.get_locker(name)) is not None:
            raise UsageError(f"locker {name} exists already, on {known.host}")
    except BobError as exc:
        await _refused(store, caller, exc)
        raise
    locker = NewLocker(name=name, host=host, size=size)
    return await _submit(store, caller, LOCKER_CREATE, {"locker": locker.model_dump()})


async def _mount_of(
    store: StateStore, name: str, bob: str, *, read_only: bool = False, shared: bool = False
) -> LockerMount:
    locker = await store.get_locker(_name(name))
    if locker is None:
        raise UsageError(f"no locker named {name} (bob locker list)")
    record = await store.get_bob(bob)
    if record is None:
        raise UsageError(f"no Bob named {bob}")
    if record.host != locker.host:
        raise UsageError(
            f"locker {name} is on {locker.host} and {bob} on {record.host}: a locker is "
            "mounted only into Bobs on its own host"
        )
    return LockerMount(
        locker=name,
        bob=bob,
        host=record.host,
        disk=record.disk,
        read_only=read_only,
        shared=shared,
    )


async def submit_mount(
    store: StateStore,
    caller: Caller,
    name: str,
    bob: str,
    *,
    read_only: bool = False,
    shared: bool = False,
) -> JobRecord:
    try:
        mount = await _mount_of(store, name, bob, read_only=read_only, shared=shared)
        record = await store.get_bob(bob)
        if record is not None and record.state is not BobState.READY:
            raise UsageError(f"{bob} is {record.state.value}, not ready")
        existing = await store.locker_mounts(locker=name)
        if any(m.bob == bob for m in existing):
            raise UsageError(f"locker {name} is already mounted into {bob}")
        blocker = writer_conflict(mount.record(""), existing)
        if blocker is not None:
            raise UsageError(
                f"locker {name} is read-write in {blocker.bob}: mount it --read-only, or "
                "--shared (and mount it --shared there too)"
            )
    except BobError as exc:
        await _refused(store, caller, exc)
        raise
    return await _submit(store, caller, LOCKER_MOUNT, {"mount": mount.model_dump()})


async def submit_unmount(store: StateStore, caller: Caller, name: str, bob: str) -> JobRecord:
    try:
        mount = await _mount_of(store, name, bob)
        recorded = await store.locker_mounts(locker=name, bob=bob)
        if not recorded:
            raise UsageError(f"locker {name} is not mounted into {bob}")
        was = recorded[0]
        mount = mount.model_copy(update={"read_only": was.read_only, "shared": was.shared})
    except BobError as exc:
        await _refused(store, caller, exc)
        raise
    return await _submit(store, caller, LOCKER_UNMOUNT, {"mount": mount.model_dump()})


async def submit_destroy(store: StateStore, caller: Caller, name: str) -> JobRecord:
    try:
        locker = await store.get_locker(_name(name))
        if locker is None:
            raise UsageError(f"no locker named {name} (bob locker list)")
        mounts = await store.locker_mounts(locker=name)
        if mounts:
            raise UsageError(
                f"locker {name} is mounted into {', '.join(m.bob for m in mounts)}: "
                f"unmount it first (bob locker unmount {name} BOB)"
            )
    except BobError as exc:
        await _refused(store, caller, exc)
        raise
    gone = NewLocker(name=name, host=locker.host, size=locker.size)
    return await _submit(store, caller, LOCKER_DESTROY, {"locker": gone.model_dump()})
