"""Driving one remote process to its end: all output at once, or line by line as it comes."""

from __future__ import annotations

import asyncio
import contextlib

import asyncssh

from provisioning.hosts.shell import LineCallback

_Process = asyncssh.SSHClientProcess[str]
# (exit status or minus the killing signal, or None if the connection dropped; stdout; stderr)
Outcome = tuple[int | None, str, str]


class ChannelBroken(Exception):
    """The channel failed under a running command (its connection dropped).

    Raised only around asyncssh's own calls, so that an error of the caller's ``on_line``
    (an OSError from a log file, a TimeoutError from a chat API) is never taken for one.
    """


async def collect(process: _Process, input: str | None) -> Outcome:
    """Feed ``input`` and end stdin (so nothing waits for more), then wait for the exit."""
    try:
        if input:
            process.stdin.write(input)
        process.stdin.write_eof()
        stdout, stderr = await process.communicate()
    except (asyncssh.Error, OSError) as exc:
        raise ChannelBroken(str(exc) or type(exc).__name__) from exc
    return process.returncode, stdout, stderr


async def pump_lines(process: _Process, on_line: LineCallback) -> Outcome:
    """Await ``on_line`` for every stdout and stderr line in arrival order, then the exit.

    Two reader tasks feed one queue and this task calls ``on_line``: one line at a time, and an
    exception from ``on_line`` surfaces here, in the caller's task.
    """
    try:
        process.stdin.write_eof()
    except (asyncssh.Error, OSError) as exc:
        raise ChannelBroken(str(exc) or type(exc).__name__) from exc
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    stdout: list[str] = []
    stderr: list[str] = []

    async def read(reader: asyncssh.SSHReader[str], sink: list[str]) -> None:
        try:
            async for line in reader:
                if not line:
                    continue  # asyncssh ends a stream with an empty read; a blank line is "\n"
                sink.append(line)
                queue.put_nowait(line)
        except (asyncssh.Error, OSError) as exc:
            raise ChannelBroken(str(exc) or type(exc).__name__) from exc
        finally:
            queue.put_nowait(None)  # this stream is done (or broke: the task says how)

    readers = [
        asyncio.create_task(read(process.stdout, stdout)),
        asyncio.create_task(read(process.stderr, stderr)),
    ]
    try:
        open_streams = len(readers)
        while open_streams:
            line = await queue.get()
            if line is None:
                open_streams -= 1
            else:
                await on_line(line.removesuffix("\n").removesuffix("\r"))
        for task in readers:
            await task  # re-raises a reader's ChannelBroken
    finally:
        for task in readers:
            task.cancel()
        for task in readers:
            with contextlib.suppress(asyncio.CancelledError, ChannelBroken):
                await task
    await process.wait_closed()
    return process.returncode, "".join(stdout), "".join(stderr)
