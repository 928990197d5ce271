"""Ctrl-C always ends a bob that follows a job: orderly if it can, at once if it cannot.

Each case runs a small program in a process of its own (signals and ``os._exit`` are the
point), built on bot.interrupt as the ``bob`` command uses it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

from bot.interrupt import STOP_GRACE_S

PROGRAM = textwrap.dedent(
    """
    import asyncio, sys
    import bot.interrupt as interrupt

    async def work():
        if {following}:
            interrupt.say_when_leaving("job j1 interrupted; bob resume j1 finishes it")
        print("ready", flush=True)
        while True:
            try:
                await asyncio.sleep(60)  # a job that runs until stopped
            except asyncio.CancelledError:
                print("cancelled", flush=True)
                if not {stubborn}:
                    print("stopped in order", file=sys.stderr, flush=True)
                    raise

    try:
        asyncio.run(interrupt.interruptible(work(), grace_s={grace}))
    except (asyncio.CancelledError, KeyboardInterrupt) as exc:
        print(f"ended by {{type(exc).__name__}}", file=sys.stderr)
        sys.exit(130)
    """
)


def run_until_ready(*, grace: float, following: bool, stubborn: bool) -> subprocess.Popen[str]:
    source = PROGRAM.format(grace=grace, following=following, stubborn=stubborn)
    process = subprocess.Popen(
        [sys.executable, "-c", source],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert "ready\n" == process.stdout.readline()
    return process


def wait_cancelled(process: subprocess.Popen[str]) -> None:
    """Until the program's main task has seen the first signal's cancel."""
    assert process.stdout is not None
    assert "cancelled\n" == process.stdout.readline()


def ended(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_first_signal_stops_the_job_in_order(signum: int) -> None:
    process = run_until_ready(grace=30, following=True, stubborn=False)
    process.send_signal(signum)

    code, err = ended(process)

    assert (130, ["stopped in order", "ended by CancelledError"]) == (code, err.splitlines())


def test_an_orderly_stop_that_hangs_is_cut_short_after_the_grace_saying_how_to_go_on() -> None:
    process = run_until_ready(grace=0.5, following=True, stubborn=True)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)

    code, err = ended(process)

    lines = err.splitlines()
    assert 130 == code
    # Not a speed claim: the given grace, not the default 15 s, cut the stop short.
    assert time.monotonic() - sent < STOP_GRACE_S
    assert "bob: the orderly stop did not finish after 0.5 s; leaving now." == lines[0]
    assert any("in work" in line for line in lines)  # the stack of what hung, for a report
    assert ["job j1 interrupted; bob resume j1 finishes it", "bob: interrupted"] == lines[-2:]


def test_a_second_signal_leaves_at_once() -> None:
    process = run_until_ready(grace=30, following=True, stubborn=True)
    process.send_signal(signal.SIGINT)
    wait_cancelled(process)  # the orderly stop is under way
    process.send_signal(signal.SIGINT)

    code, err = ended(process)

    assert 130 == code
    assert (
        "bob: the orderly stop did not finish after a second signal; leaving now."
        == (err.splitlines()[0])
    )


def test_without_a_job_nothing_forces_the_command_out() -> None:
    # A command such as `sandbox up` runs its own cleanup, however long it takes.
    grace = 0.1
    process = run_until_ready(grace=grace, following=False, stubborn=True)
    process.send_signal(signal.SIGINT)
    wait_cancelled(process)
    # The behaviour under test is a timer that must not fire: wait well past its time.
    time.sleep(grace * 10)

    still_running = process.poll() is None
    process.kill()
    process.communicate()

    assert still_running
