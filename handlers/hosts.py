"""`drain` and `undrain`: take a host out of placement for maintenance, and put it back."""

from __future__ import annotations

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


async def undrain_host(fleet: Fleet, store: HostStore, host: str, caller: Caller) -> HostState:
    """Back in placement; a cool-down after failures is cleared too (the operator vouches)."""
    known_host(fleet, host)
    state = await store.update_host_state(
        host,
        lambda s: s.model_copy(
            update={
                "drained": False,
                "drained_by": None,
                "drain_reason": None,
                "failures": 0,
                "cooling_until": None,
            }
        ),
    )
    await store.audit(caller.entry("undrained", host))
    return state
