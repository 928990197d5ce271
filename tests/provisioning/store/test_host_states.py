"""Host states survive in the store, and concurrent updates are never lost."""

from __future__ import annotations

import asyncio

from provisioning.records import HostState
from provisioning.store import SqlStore


def one_more(state: HostState) -> HostState:
    return state.model_copy(update={"failures": state.failures + 1})


async def test_a_host_without_a_state_starts_from_defaults_and_keeps_what_is_written(
    store: SqlStore,
) -> None:
    assert [] == await store.host_states()

    written = await store.update_host_state(
        "host-a", lambda s: s.model_copy(update={"drained": True, "drained_by": "alice"})
    )

    assert [written] == await store.host_states()
    assert (True, "alice", 0) == (written.drained, written.drained_by, written.failures)


async def test_twenty_concurrent_updates_of_one_host_lose_none(store: SqlStore) -> None:
    await asyncio.gather(*(store.update_host_state("host-a", one_more) for _ in range(20)))

    assert [20] == [s.failures for s in await store.host_states()]
