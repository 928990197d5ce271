"""Pure: which hosts placement must skip right now, and a host's state after a failure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from provisioning.config.models import HostHealth
from provisioning.records import HostState


def unavailable(states: Iterable[HostState], now: datetime) -> dict[str, str]:
    """Host → why it takes no new Bobs: drained by an operator, or cooling down."""
    why: dict[str, str] = {}
    for state in states:
        if state.drained:
            reason = f": {state.drain_reason}" if state.drain_reason else ""
            why[state.host] = f"drained by {state.drained_by or 'an operator'}{reason}"
        elif state.cooling_until is not None and state.cooling_until > now:
            why[state.host] = (
                f"cooling down until {state.cooling_until:%H:%M:%S} UTC after "
                f"{state.failures} failure{'s' if state.failures != 1 else ''} "
                f"(last: {_short(state.last_error)})"
            )
    return why


def after_failure(state: HostState, error: str, now: datetime, rules: HostHealth) -> HostState:
    failures = state.failures + 1
    cooling = state.cooling_until
    if failures >= rules.failures:
        cooling = now + timedelta(seconds=rules.cooldown_s)
    return state.model_copy(
        update={"failures": failures, "cooling_until": cooling, "last_error": error}
    )


def _short(error: str | None) -> str:
    text = (error or "unknown").splitlines()[0]
    return text if len(text) <= 120 else text[:117] + "..."
