"""The host shell over SSH: one asyncssh connection per host, one channel per command.

A connection is opened on first use and reused; commands run on channels of it, at most
``max_channels`` at a time, because sshd refuses a channel beyond its ``MaxSessions`` (10 by
default) with ChannelOpenError. Other clients of the same sshd count against that limit too, so
a refused channel is retried with backoff. A connection found closed is replaced transparently,
but only before a command starts: a command whose connection drops mid-way raises
HostConnectionLost, because running it again might do its work twice.

A command given up before it ends (its caller cancelled, or its deadline passed) is stopped on
the host before the call returns: closing the channel would leave it running there, still
changing what the caller goes on to undo.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import asyncssh

from provisioning.config.models import Host
from provisioning.core.backoff import Backoff
from provisioning.errors import UsageError
from provisioning.hosts.command import (
    DEFAULT_ENV,
    STOP_GRACE_S,
    remote_command,
    stop_argv,
    validate_argv,
)
from provisioning.hosts.connect import open_connection
from provisioning.hosts.errors import (
    CommandFailed,
    CommandTimeout,
    HostBusy,
    HostConnectionLost,
    HostError,
    HostUnreachable,
)
from provisioning.hosts.output import ChannelBroken, collect, pump_lines
from provisioning.hosts.scope import new_tag
from provisioning.hosts.shell import CommandResult, LineCallback

log = logging.getLogger("bob.hosts")

DEFAULT_TIMEOUT_S = 60.0
# Below sshd's default MaxSessions of 10, leaving room for an operator's own session.
DEFAULT_MAX_CHANNELS = 8
# Refused channel opens: retry after 0.02, 0.04, 0.08 … capped at 1 s; about 3 s in all.
# Refusals happen even under our cap: sshd frees a session's slot a little after the client
# sees its channel close (measured: 34 refusals in 1,300 short commands at 8 channels, none
# at 6), so a quick first retry nearly always gets the slot.
OPEN_ATTEMPTS = 9
_OPEN_BACKOFF = Backoff(first_s=0.02, max_s=1.0)
# After a timeout or cancel, how long to wait for sshd to confirm the channel closed (so the
# channel slot is really free) before giving the slot back anyway.
_CLOSE_GRACE_S = 1.0
# Beyond the connect timeout, how long stopping a given-up command may take: its processes get
# TERM, then KILL after STOP_GRACE_S.
_STOP_GRACE_S = STOP_GRACE_S + 3.0

_Process = asyncssh.SSHClientProcess[str]


class SshShell:
    """:class:`~provisioning.hosts.shell.HostShell` for one host, over asyncssh."""

    def __init__(
        self,
        host: Host,
        *,
        default_timeout: float = DEFAULT_TIMEOUT_S,
        max_channels: int = DEFAULT_MAX_CHANNELS,
        env: Mapping[str, str] = DEFAULT_ENV,
    ) -> None:
        if max_channels < 1:
            raise ValueError(f"max_channels must be at least 1, got {max_channels}")
        self.name = host.name
        self._host = host
        self._default_timeout = default_timeout
        self._env = dict(env)
        self._channels = asyncio.Semaphore(max_channels)
        self._connecting: asyncio.Future[asyncssh.SSHClientConnection] | None = None
        self._conn: asyncssh.SSHClientConnection | None = None
        self._closed = False

    async def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (also sent to the host)
        check: bool = True,
    ) -> CommandResult:
        return await self._execute(argv, input=input, on_line=None, timeout=timeout, check=check)

    async def stream(
        self,
        argv: Sequence[str],
        on_line: LineCallback,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (also sent to the host)
        check: bool = True,
    ) -> CommandResult:
        return await self._execute(argv, input=None, on_line=on_line, timeout=timeout, check=check)

    async def close(self) -> None:
        self._closed = True
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            await conn.wait_closed()

    async def _execute(
        self,
        argv: Sequence[str],
        *,
        input: str | None,
        on_line: LineCallback | None,
        timeout: float | None,  # noqa: ASYNC109 (also sent to the host)
        check: bool,
    ) -> CommandResult:
        args = validate_argv(argv)
        limit = self._default_timeout if timeout is None else timeout
        tag = new_tag()
        command = remote_command(args, timeout=limit, env=self._env, tag=tag)
        async with self._channels:
            process = await self._open(command)
            started = time.monotonic()
            finished = broken = False
            deadline = asyncio.timeout(limit)
            try:
                async with deadline:
                    if on_line is None:
                        exit_status, stdout, stderr = await collect(process, input)
                    else:
                        exit_status, stdout, stderr = await pump_lines(process, on_line)
                finished = True
            except TimeoutError as exc:
                if not deadline.expired():
                    raise  # on_line's own TimeoutError, not the command's
                raise CommandTimeout(host=self.name, argv=args, timeout=limit) from exc
            except ChannelBroken as exc:
                broken = True  # the host is not answering: its own deadline stops the command
                raise HostConnectionLost(host=self.name, argv=args, reason=str(exc)) from exc
            finally:
                await _close_channel(process, wait=not finished)
                if not finished and not broken:
                    await self._stop_given_up(tag, args)
        duration = time.monotonic() - started
        if exit_status is None:
            # asyncssh ends the wait without a status when the connection drops under it.
            raise HostConnectionLost(
                host=self.name, argv=args, reason="the connection closed before an exit status"
            )
        result = CommandResult(args, exit_status, stdout, stderr, duration)
        log.debug(
            "host.command host=%s argv=%r exit_status=%s duration_s=%.3f",
            self.name,
            args,
            exit_status,
            duration,
        )
        if check and exit_status != 0:
            raise CommandFailed(
                host=self.name, argv=args, exit_status=exit_status, stderr=stderr, stdout=stdout
            )
        return result

    async def _stop_given_up(self, tag: str, args: tuple[str, ...]) -> None:
        """Stop a command we stopped waiting for, and wait until it is gone from the host.

        Runs to its end even while the caller is being cancelled (that is when it matters
        most), bounded in time; if the host cannot be asked, the command's own deadline there
        still stops it.
        """
        stopping = asyncio.ensure_future(self._stop_remote(tag, args))
        try:
            await asyncio.shield(stopping)
        except asyncio.CancelledError:
            # Cancelled again while stopping: the stop goes on by itself, and so do we.
            if not stopping.done():
                stopping.add_done_callback(_retrieved)
            raise

    async def _stop_remote(self, tag: str, args: tuple[str, ...]) -> None:
        command = remote_command(stop_argv(tag), timeout=_STOP_GRACE_S, env=self._env)
        try:
            async with asyncio.timeout(self._host.ssh.connect_timeout + _STOP_GRACE_S):
                process = await self._open(command)
                try:
                    _, stdout, _ = await collect(process, None)
                finally:
                    process.close()
        except Exception as exc:
            # Whatever went wrong must not replace the caller's own exception (often its
            # cancellation), and the command's deadline on the host still stops it.
            log.warning(
                "host.stop_failed host=%s argv=%r reason=%r", self.name, args, exc or "timeout"
            )
            return
        log.info("host.command_stopped host=%s argv=%r pids=%s", self.name, args, stdout.split())

    async def _open(self, command: str) -> _Process:
        """A process running ``command`` on a fresh channel; retries refused channel opens."""
        reason = ""
        delays = _OPEN_BACKOFF.delays()
        for attempt in range(OPEN_ATTEMPTS):
            conn = await self._connection()
            try:
                # Bounded: an idle connection to a host that vanished silently would never
                # answer. Not retried then, since the exec request may already have run.
                async with asyncio.timeout(self._host.ssh.connect_timeout):
                    return await conn.create_process(command, encoding="utf-8", errors="replace")
            except asyncssh.ChannelOpenError as exc:
                reason = exc.reason
                if conn.is_closed():
                    self._forget(conn)  # dropped while idle: reconnect at once
                elif attempt + 1 < OPEN_ATTEMPTS:
                    await asyncio.sleep(next(delays))
            except TimeoutError as exc:
                self._forget(conn)
                raise HostUnreachable(
                    host=self.name,
                    address=self._host.ssh.address,
                    port=self._host.ssh.port,
                    reason="the connection stopped answering (no reply to a session request)",
                ) from exc
            except (OSError, asyncssh.Error) as exc:
                # The connection broke under the session request (sshd stopping resets it):
                # the host is away right now, as when a fresh connection is refused.
                self._forget(conn)
                raise HostUnreachable(
                    host=self.name,
                    address=self._host.ssh.address,
                    port=self._host.ssh.port,
                    reason=f"the connection broke opening a session: {exc}",
                ) from exc
        raise HostBusy(host=self.name, attempts=OPEN_ATTEMPTS, reason=reason)

    async def _connection(self) -> asyncssh.SSHClientConnection:
        if self._closed:
            raise HostError(f"{self.name}: the shell is closed", host=self.name)
        conn = self._conn
        if conn is not None and not conn.is_closed():
            return conn
        # One connect for any number of concurrent callers, its failure included: a host that
        # does not answer costs them one connect timeout together, not one each in turn.
        attempt = self._connecting
        if attempt is None or attempt.done():
            if conn is not None:
                log.info("host.reconnecting host=%s", self.name)
            attempt = self._connecting = asyncio.ensure_future(self._connect())
            attempt.add_done_callback(_retrieved)
        # Shielded: one caller cancelled must not cancel the connect the others wait for.
        return await asyncio.shield(attempt)

    async def _connect(self) -> asyncssh.SSHClientConnection:
        conn = await open_connection(self._host)
        if self._closed:  # closed while we connected
            conn.close()
            raise HostError(f"{self.name}: the shell is closed", host=self.name)
        self._conn = conn
        return conn

    def _forget(self, conn: asyncssh.SSHClientConnection) -> None:
        if self._conn is conn:
            self._conn = None
        conn.close()


async def _close_channel(process: _Process, *, wait: bool) -> None:
    """Close the channel; after an early exit, wait (briefly) until sshd has closed it too."""
    process.close()
    if not wait:
        return
    try:
        async with asyncio.timeout(_CLOSE_GRACE_S):
            await process.wait_closed()
    except TimeoutError:
        pass  # sshd still counts the session; a refused open is retried anyway


def _retrieved(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # read, so asyncio does not log it as never retrieved


class HostPool:
    """One :class:`SshShell` per host of the fleet, made on first use."""

    def __init__(
        self,
        hosts: Iterable[Host],
        *,
        default_timeout: float = DEFAULT_TIMEOUT_S,
        max_channels: int = DEFAULT_MAX_CHANNELS,
    ) -> None:
        self._hosts = {h.name: h for h in hosts}
        self._default_timeout = default_timeout
        self._max_channels = max_channels
        self._shells: dict[str, SshShell] = {}

    def get(self, name: str) -> SshShell:
        shell = self._shells.get(name)
        if shell is None:
            host = self._hosts.get(name)
            if host is None:
                known = ", ".join(sorted(self._hosts)) or "none"
                raise UsageError(f"unknown host {name!r}; known hosts: {known}")
            shell = self._shells[name] = SshShell(
                host, default_timeout=self._default_timeout, max_channels=self._max_channels
            )
        return shell

    async def close_all(self) -> None:
        shells, self._shells = list(self._shells.values()), {}
        await asyncio.gather(*(shell.close() for shell in shells))
