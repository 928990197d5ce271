"""Waiting in tests for something to happen, never for a guessed length of time.

A fixed sleep that orders events passes on an idle machine and fails on a loaded one (or makes
every run pay for the worst case). These wait for the condition itself; the timeout only turns
a hang into a failure that names what never happened, so it is generous on purpose.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# How often a condition is looked at: short, since looking is cheap next to what is awaited.
POLL_S = 0.01


async def until(check: Callable[[], Awaitable[T | None]], what: str, timeout: float = 10.0) -> T:
    """The first value of ``check()`` that is not None (or False); fails naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(POLL_S)


async def until_true(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Like :func:`until` for a plain (not awaitable) condition."""

    async def looked() -> bool:
        return bool(check())

    await until(looked, what, timeout)


def until_sync(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """:func:`until_true` for tests outside an event loop (subprocesses, the CLI)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(POLL_S)
