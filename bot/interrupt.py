"""Ctrl-C always ends a bob that follows a job, and soon.

The first Ctrl-C (or SIGTERM) cancels the command's main task: the job stops where it stands,
its runner gives up the lease and bob says how to go on (see :func:`bot.common.follow`). That
orderly stop waits for remote commands to be stopped on their hosts, which is bounded, but an
operator must never be left with a bob that ignores them. So a second signal, or
:data:`STOP_GRACE_S` seconds without the orderly stop finishing, ends the process at once: the
job then reads ``interrupted`` when its lease runs out, as after a crash, and the next runner
stops what this one left running (``Step.settle``). Leaving that way prints the tasks that were
still pending, since an orderly stop that hangs is a bug worth a report.

Commands that follow no job (``sandbox up`` cleaning up after itself, say) keep asyncio's own
rule: the first signal cancels, a second raises KeyboardInterrupt where the code stands.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import threading
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")
EXIT_INTERRUPTED = 130
STOP_GRACE_S = 15.0

# What to print if bob has to leave without its orderly stop (how to go on with the job).
_parting_words: list[str] = []


def say_when_leaving(text: str) -> None:
    """A job is being followed: ``text`` (how to go on with it) is printed if bob is forced
    out. Replaces what was set before."""
    _parting_words[:] = [text]


async def interruptible(work: Coroutine[Any, Any, T], *, grace_s: float = STOP_GRACE_S) -> T:
    """Run ``work`` as this process's main task, stopped by SIGINT or SIGTERM as above; an
    orderly stop of a followed job gets ``grace_s`` seconds."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None
    signals: list[int] = []

    def on_signal(signum: int) -> None:
        signals.append(signum)
        following = bool(_parting_words)
        if len(signals) > 1:
            if not following:
                raise KeyboardInterrupt  # as asyncio does: the command's own cleanup runs
            _leave(loop, "a second signal")
        main.cancel()
        if following:
            # A thread, not the loop: the orderly stop may hang the loop, or outlive it (a
            # thread that interpreter exit waits for).
            timer = threading.Timer(grace_s, _leave, (loop, f"{grace_s:g} s"))
            timer.daemon = True
            timer.start()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        return await work
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _leave(loop: asyncio.AbstractEventLoop, after: str) -> NoReturn:
    out = io.StringIO()
    out.write(f"bob: the orderly stop did not finish after {after}; leaving now.\n")
    out.write("bob: still pending (a bug, please report it with this):\n")
    try:
        for task in list(asyncio.all_tasks(loop)):
            out.write(f"  {task.get_name()}:\n")
            out.writelines(f"    {where}\n" for where in _awaiting(task.get_coro()))
    except RuntimeError:  # the set of tasks changed under us (another thread): say what we have
        pass
    for text in _parting_words:
        out.write(text + "\n")
    out.write("bob: interrupted\n")
    sys.stderr.write(out.getvalue())
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def _awaiting(coro: Any) -> list[str]:
    """Where a suspended coroutine waits, down its chain of awaits (``Task.get_stack`` stops at
    the outermost frame)."""
    places: list[str] = []
    while coro is not None and len(places) < 40:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            places.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return places
