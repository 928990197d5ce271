"""Which hosts placement skips: drained by an operator, or cooling down after failed steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from provisioning.config.models import HostHealth
from provisioning.core.health import after_failure, unavailable
from provisioning.records import HostState

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
RULES = HostHealth(failures=3, cooldown_s=600)


def test_a_host_cools_down_at_the_threshold_and_not_before():
    state = HostState(host="host-a")
    for _ in range(2):
        state = after_failure(state, "HostUnreachable: timed out", NOW, RULES)
    assert (2, None) == (state.failures, state.cooling_until)

    state = after_failure(state, "HostUnreachable: timed out", NOW, RULES)
    assert (3, NOW + timedelta(seconds=600)) == (state.failures, state.cooling_until)


def test_why_a_host_is_skipped_is_said_in_words():
    states = [
        HostState(host="host-a", drained=True, drained_by="alice", drain_reason="disk swap"),
        HostState(
            host="host-b",
            failures=3,
            cooling_until=NOW + timedelta(minutes=5),
            last_error="StepFailed: clone of bob004 on host-b failed: HostUnreachable: "
            "timed out\nmore",
        ),
        HostState(host="host-c", failures=3, cooling_until=NOW - timedelta(seconds=1)),
        HostState(host="host-d", failures=1),
    ]

    assert {
        "host-a": "drained by alice: disk swap",
        "host-b": "cooling down until 08:05:00 UTC after 3 failures (last: StepFailed: "
        "clone of bob004 on host-b failed: HostUnreachable: timed out)",
    } == unavailable(states, NOW)
