"""The readiness probe's rules without a Bob: which probe, what counts as booted, how long.

``wait_booted`` is driven here by a scripted Bob (its answers in order) and a clock that moves
only when the probe waits, so the bound is shown exactly and costs no time.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from pydantic import ValidationError

from provisioning.config.models import Readiness
from provisioning.pipeline.readiness import (
    PID1_AND_STATE,
    Answer,
    Booted,
    NotBooted,
    Probe,
    choose,
    failed_units,
    wait_booted,
)


@pytest.mark.parametrize(
    ("setting", "pid1", "expected"),
    [
        ("auto", "systemd", "systemd"),
        ("auto", "init", "ping"),
        ("auto", "", "ping"),
        ("ping", "systemd", "ping"),
        ("systemd", "init", "systemd"),
    ],
)
def test_the_probe_follows_the_setting_and_auto_follows_pid1(
    setting: str, pid1: str, expected: Probe
) -> None:
    assert expected == choose(Readiness.model_validate({"probe": setting}), pid1)


def test_a_command_probe_is_chosen_whatever_pid1_is() -> None:
    setting = Readiness(probe="command", command=("test", "-e", "/run/ready"))
    assert "command" == choose(setting, "systemd")


@pytest.mark.parametrize(
    ("given", "complaint"),
    [
        ({"probe": "command"}, "probe 'command' needs a command"),
        ({"command": ["true"]}, "a command is only run by probe 'command', not 'auto'"),
        ({"timeout_s": 0}, "greater than 0"),
        ({"probe": "ssh"}, "'auto', 'systemd', 'ping' or 'command'"),
    ],
)
def test_readiness_settings_that_cannot_work_are_refused_at_load(
    given: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Readiness.model_validate(given)


def test_failed_units_are_the_first_column_of_systemctl_failed() -> None:
    listing = (
        "bob-fake.service loaded failed failed A unit that failed\n"
        "\n"
        "other.mount      loaded failed failed Another one\n"
    )
    assert ["bob-fake.service", "other.mount"] == failed_units(listing)


class ScriptedBob:
    """Answers each command in order from ``answers``; each call takes ``call_s`` on the clock."""

    def __init__(self, answers: Sequence[tuple[int, str]], call_s: float = 0.0) -> None:
        self.answers = list(answers)
        self.asked: list[list[str]] = []
        self.now = 0.0
        self.call_s = call_s

    def clock(self) -> float:
        return self.now

    async def __call__(self, argv: Sequence[str], seconds: float) -> Answer:
        self.asked.append(list(argv))
        self.now += self.call_s
        status, out = self.answers.pop(0) if self.answers else self.answers_forever
        return Answer(status, out, "")

    answers_forever: tuple[int, str] = (1, "starting\n")


async def run(bob: ScriptedBob, setting: Readiness) -> Booted:
    return await wait_booted(bob, setting, clock=bob.clock, poll_s=0.0)


async def test_systemd_running_at_the_first_look_costs_one_attach() -> None:
    bob = ScriptedBob([(0, "systemd\nrunning\n")])

    booted = await run(bob, Readiness())

    assert Booted("systemd", "probe systemd: running after 0.0 s") == booted
    assert [["sh", "-c", PID1_AND_STATE]] == bob.asked


async def test_systemd_is_asked_again_until_degraded_and_then_for_its_failed_units() -> None:
    bob = ScriptedBob(
        [
            (1, "systemd\ninitializing\n"),
            (1, "starting\n"),
            (1, "degraded\n"),
            (0, "a.service loaded failed failed A\n"),
        ],
        call_s=1.0,
    )

    booted = await run(bob, Readiness())

    assert "probe systemd: degraded after 3.0 s; failed units: a.service" == booted.summary
    assert [
        ["sh", "-c", PID1_AND_STATE],
        ["systemctl", "is-system-running"],
        ["systemctl", "is-system-running"],
        ["systemctl", "--failed", "--plain", "--no-legend"],
    ] == bob.asked


async def test_systemd_that_stays_starting_is_given_up_at_the_timeout_not_before() -> None:
    bob = ScriptedBob([(1, "systemd\nstarting\n")], call_s=1.0)

    with pytest.raises(NotBooted) as caught:
        await run(bob, Readiness(timeout_s=5))

    assert "systemd still says 'starting' after 5 s" in caught.value.reason
    assert 5.0 == bob.now  # asked at 1, 2, 3, 4 and 5 s: the last look is at the bound


class AttachFailsTwice(ScriptedBob):
    """lxc-attach fails (no output, its error on stderr) before the script runs."""

    async def __call__(self, argv: Sequence[str], seconds: float) -> Answer:
        answer = await super().__call__(argv, seconds)
        if len(self.asked) <= 2:
            return Answer(1, "", "lxc-attach: bob001: Failed to get init pid")
        return answer


async def test_an_attach_that_fails_is_asked_again_rather_than_read_as_no_systemd() -> None:
    bob = AttachFailsTwice([(1, "x\n"), (1, "x\n"), (0, "systemd\nrunning\n")], call_s=1.0)

    booted = await run(bob, Readiness())

    assert Booted("systemd", "probe systemd: running after 3.0 s") == booted


async def test_an_attach_that_keeps_failing_is_given_up_at_the_timeout_with_its_error() -> None:
    bob = AttachFailsTwice([], call_s=1.0)

    with pytest.raises(NotBooted) as caught:
        await run(bob, Readiness(timeout_s=2))

    assert (
        "auto",
        "cannot read its PID 1 after 2 s: lxc-attach: bob001: Failed to get init pid",
    ) == (
        caught.value.probe,
        caught.value.reason,
    )


async def test_systemd_in_maintenance_is_given_up_at_once() -> None:
    bob = ScriptedBob([(1, "systemd\nmaintenance\n")])

    with pytest.raises(NotBooted, match="systemd says 'maintenance'"):
        await run(bob, Readiness(timeout_s=60))

    assert 1 == len(bob.asked)


async def test_a_configured_ping_probe_asks_the_bob_nothing_more() -> None:
    bob = ScriptedBob([])

    booted = await run(bob, Readiness(probe="ping"))

    assert (Booted("ping", "probe ping: answers ping (as configured)"), []) == (booted, bob.asked)


async def test_without_systemd_the_ping_already_made_is_the_whole_probe() -> None:
    bob = ScriptedBob([(0, "init\n")])

    assert Booted("ping", "probe ping: answers ping (PID 1 is init)") == await run(bob, Readiness())


async def test_a_command_probe_that_keeps_failing_says_its_last_words_at_the_timeout() -> None:
    bob = ScriptedBob([(2, "not yet\n")] * 10, call_s=1.0)

    with pytest.raises(NotBooted) as caught:
        await run(bob, Readiness(probe="command", command=("check",), timeout_s=3))

    assert ("command", "'check' still exits 2 after 3 s: not yet") == (
        caught.value.probe,
        caught.value.reason,
    )
    assert [["check"]] * 3 == bob.asked  # at 1, 2 and 3 s; PID 1 is not asked at all
