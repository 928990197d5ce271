"""Since when an agent has been seen offline: kept across passes, forgotten once it is back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from provisioning.store import SqlStore

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


async def test_the_first_sighting_is_kept_while_the_agent_stays_offline(store: SqlStore) -> None:
    assert {"bob001": T0} == await store.track_offline("ci-main", {"bob001"}, T0)

    later = await store.track_offline("ci-main", {"bob001", "bob002"}, T0 + timedelta(hours=2))

    assert {"bob001": T0, "bob002": T0 + timedelta(hours=2)} == later


async def test_an_agent_back_online_starts_over(store: SqlStore) -> None:
    await store.track_offline("ci-main", {"bob001"}, T0)
    await store.track_offline("ci-main", set(), T0 + timedelta(minutes=5))

    again = await store.track_offline("ci-main", {"bob001"}, T0 + timedelta(minutes=10))

    assert {"bob001": T0 + timedelta(minutes=10)} == again


async def test_controllers_are_tracked_apart(store: SqlStore) -> None:
    await store.track_offline("ci-main", {"bob001"}, T0)

    assert {} == await store.track_offline("ci-other", set(), T0)
    assert {"bob001": T0} == await store.track_offline("ci-main", {"bob001"}, T0 + timedelta(1))
