"""`drain` and `undrain`: take a host out of placement for maintenance, and put it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from handlers.provision import Caller
from provisioning.config.models import Fleet
from provisioning.errors import UsageError
from provisioning.ports import AuditLog, HostStates
from provisioning.records import HostState


class HostStore(HostStates, AuditLog, Protocol):
    """What drain and undrain need of the store."""


def known_host(fleet: Fleet, host: str) -> None:
    """Refuse a host name the config does not have, naming those it has."""
    names = [h.name for h in fleet.hosts]
    if host not in names:
        raise UsageError(f"unknown host {host!r}; known hosts: {', '.join(names)}")


async def drain_host(
    fleet: Fleet, store: HostStore, host: str, caller: Caller, reason: str | None = None
) -> HostState:
    """No new Bobs go to ``host``; the Bobs on it are left alone."""
    known_host(fleet, host)
    state = await store.update_host_state(
        host,
        lambda s: s.model_copy(
            update={"drained": True, "drained_by": caller.actor, "drain_reason": reason}
        ),
    )
    await store.audit(caller.entry("drained", f"{host}" + (f": {reason}" if reason else "")))
    return state


@dataclass(frozen=True)
class Undrain:
    """What an undrain found, so it can say what it did rather than claim it did something."""

    host: str
    was_drained: bool
    was_cooling: bool  # held out of placement after failures
    in_config: bool  # drained by the config, which undrain cannot change

    @property
    def changed(self) -> bool:
        return self.was_drained or self.was_cooling

    def text(self) -> str:
        if self.in_config:
            return (
                f"{self.host} is drained in the config (drained: true); "
                "only the config puts it back into placement"
            )
        if self.was_drained:
            return f"{self.host} is back in placement"
        if self.was_cooling:
            return f"{self.host} was not drained; its cool-down after failures is over"
        return f"{self.host} is not drained: nothing to undo"


async def undrain_host(
    fleet: Fleet, store: HostStore, host: str, caller: Caller, now: datetime | None = None
) -> Undrain:
    """Back in placement; a cool-down after failures is cleared too (the operator vouches)."""
    known_host(fleet, host)
    now = now or datetime.now(UTC)
    found: list[HostState] = []

    def undrained(state: HostState) -> HostState:
        found.append(state)
        return state.model_copy(
            update={
                "drained": False,
                "drained_by": None,
                "drain_reason": None,
                "failures": 0,
                "cooling_until": None,
            }
        )

    await store.update_host_state(host, undrained)
    before = found[-1]
    outcome = Undrain(
        host=host,
        was_drained=before.drained,
        was_cooling=before.cooling_until is not None and before.cooling_until > now,
        in_config=any(h.name == host and h.drained for h in fleet.hosts),
    )
    await store.audit(caller.entry("undrained" if outcome.changed else "no-op", host))
    return outcome
