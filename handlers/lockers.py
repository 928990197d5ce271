"""Lockers for every front end: what a request means, whether it may go, and its job.

Checked here, before any job exists, so a refusal changes nothing: names, the locker's host
against the Bob's, the rule that a locker is read-write in one Bob unless ``--shared``, and
that a mounted locker is never destroyed. The job checks the same again where it matters (the
store's transaction for the writer rule, the host for the wormhole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from handlers.provision import Caller
from handlers.requests import HostName, _Request, build
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


# -- one request for every front end ----------------------------------------------------------

Action = Literal["list", "create", "mount", "unmount", "destroy"]
USAGE = (
    "locker list | create NAME on HOST [--size 10G] | mount NAME into BOB [--read-only] "
    "[--shared] | unmount NAME from BOB | destroy NAME --yes"
)


class LockerCommand(_Request):
    action: Action
    name: HostName | None = None
    bob: HostName | None = None
    host: HostName | None = None
    size: str | None = None
    read_only: bool = False
    shared: bool = False
    yes: bool = False

    @property
    def changes(self) -> bool:
        return self.action != "list"


def parse_locker(args: list[str]) -> LockerCommand:
    """``locker ACTION …`` as chat says it (``on``, ``into`` and ``from`` are optional words)."""
    flags = {a for a in args if a.startswith("--") and a != "--size"}
    unknown = flags - {"--read-only", "--shared", "--yes"}
    if unknown:
        raise UsageError(f"unknown option {sorted(unknown)[0]}")
    words = [a for a in args if a not in flags]
    size = None
    if "--size" in words:
        at = words.index("--size")
        if at + 1 >= len(words):
            raise UsageError("--size needs a value, e.g. 10G")
        size, words = words[at + 1], words[:at] + words[at + 2 :]
    words = [w for w in words if w.lower() not in ("on", "into", "in", "from", "--host")]
    if not words:
        raise UsageError("say what to do with lockers")
    action, rest = words[0].lower(), words[1:]
    needs = {"list": 0, "create": 2, "mount": 2, "unmount": 2, "destroy": 1}
    if action not in needs:
        raise UsageError(f"no locker action {action!r}")
    if len(rest) != needs[action]:
        raise UsageError(f"locker {action} takes {needs[action]} name(s), got {len(rest)}")
    fields: dict[str, object] = {"action": action, "size": size}
    fields |= {"read_only": "--read-only" in flags, "shared": "--shared" in flags}
    fields["yes"] = "--yes" in flags
    if rest:
        fields["name"] = rest[0]
    if action == "create":
        fields["host"] = rest[1]
    elif action in ("mount", "unmount"):
        fields["bob"] = rest[1]
    return build(LockerCommand, **fields)


async def perform(
    fleet: Fleet, store: StateStore, caller: Caller, command: LockerCommand
) -> tuple[str, JobRecord | None]:
    """What to say, and the job to run (None for a listing)."""
    if command.action == "list":
        rows = await list_lockers(store)
        return ("\n".join(r.line() for r in rows) if rows else "no lockers"), None
    name = command.name or ""
    if command.action == "create":
        assert command.host is not None
        job = await submit_create(fleet, store, caller, name, command.host, command.size)
        return f"job {job.id}: creating locker {name} on {command.host}", job
    if command.action == "mount":
        assert command.bob is not None
        job = await submit_mount(
            store, caller, name, command.bob, read_only=command.read_only, shared=command.shared
        )
        return f"job {job.id}: mounting {name} into {command.bob}", job
    if command.action == "unmount":
        assert command.bob is not None
        job = await submit_unmount(store, caller, name, command.bob)
        return f"job {job.id}: unmounting {name} from {command.bob}", job
    if not command.yes:
        raise UsageError(f"destroying locker {name} deletes its data: say --yes")
    job = await submit_destroy(store, caller, name)
    return f"job {job.id}: destroying locker {name} and its data", job
