"""One connection per host, reused; channels capped under MaxSessions; drops reconnected."""

from __future__ import annotations

import asyncio

import pytest

from provisioning.errors import UsageError
from provisioning.hosts.errors import HostConnectionLost, HostError, HostUnreachable
from provisioning.hosts.ssh import DEFAULT_MAX_CHANNELS, HostPool, SshShell
from tests.provisioning.hosts.sshd import processes_running
from tests.waiting import until_true


# What a command costs over the reused connection is measured by bench/ssh_reuse.py.
async def test_commands_share_one_connection(sshd, shell):
    before = sshd.accepted_logins()

    for i in range(20):
        assert f"{i}\n" == (await shell.run(["echo", str(i)])).stdout

    assert 1 == sshd.accepted_logins() - before


async def test_thirty_concurrent_commands_succeed_on_one_connection(sshd, shell):
    before = sshd.accepted_logins()
    argv = ["sleep", f"0.3{sshd.port}"]  # an odd duration, so that we count only our own
    most_at_once = 0

    async def watch() -> None:
        nonlocal most_at_once
        while True:
            most_at_once = max(most_at_once, len(processes_running(argv)))
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    try:
        results = await asyncio.gather(*(shell.run(argv) for _ in range(30)))
    finally:
        watcher.cancel()

    assert [0] * 30 == [r.exit_status for r in results]
    assert 1 == sshd.accepted_logins() - before  # concurrent first calls made one connection
    assert DEFAULT_MAX_CHANNELS == most_at_once  # never more at once on the host


async def test_channels_refused_past_max_sessions_are_retried(sshd):
    # A cap above sshd's MaxSessions 10 stands in for other clients sharing the limit.
    shell = SshShell(sshd.host(), max_channels=20)
    refusals_before = sshd.log_text().count("no more sessions")
    try:
        results = await asyncio.gather(
            *(shell.run(["sh", "-c", f"sleep 0.3; echo {i}"]) for i in range(30))
        )
    finally:
        await shell.close()

    assert [f"{i}\n" for i in range(30)] == [r.stdout for r in results]
    assert sshd.log_text().count("no more sessions") > refusals_before


async def test_a_connection_dropped_while_idle_is_replaced_on_the_next_command(sshd, shell):
    await shell.run(["true"])
    before = sshd.accepted_logins()
    assert sshd.drop_connections() >= 1
    # The client has seen the close (the case where it has not yet is the next test's).
    await until_true(lambda: shell._conn.is_closed(), "the client sees its connection closed")

    assert "back\n" == (await shell.run(["echo", "back"])).stdout
    assert 1 == sshd.accepted_logins() - before


async def test_a_connection_dropped_just_before_a_command_is_replaced(sshd, shell):
    await shell.run(["true"])
    sshd.drop_connections()  # no pause: the client may not have seen the close yet

    assert "back\n" == (await shell.run(["echo", "back"])).stdout


async def test_a_connection_dropped_during_a_command_raises_connection_lost(sshd, shell):
    await shell.run(["true"])
    argv = ["sleep", f"5.{sshd.port}"]  # an odd duration, so that we find only our own
    command = asyncio.create_task(shell.run(argv))
    await until_true(lambda: processes_running(argv), "the command runs on the host")
    sshd.drop_connections()

    with pytest.raises(
        HostConnectionLost, match=rf"^host-a: connection lost while running `sleep 5\.{sshd.port}`"
    ):
        await command
    assert "next\n" == (await shell.run(["echo", "next"])).stdout


async def test_a_closed_shell_runs_nothing(sshd):
    shell = SshShell(sshd.host())
    await shell.run(["true"])
    await shell.close()

    with pytest.raises(HostError, match="host-a: the shell is closed"):
        await shell.run(["true"])


async def test_a_cancelled_command_frees_its_channel(sshd):
    shell = SshShell(sshd.host(), max_channels=1)
    try:
        # Longer than the wait for "free" below: only the cancel can free the one channel.
        argv = ["sleep", f"30.{sshd.port}"]
        command = asyncio.create_task(shell.run(argv))
        await until_true(lambda: processes_running(argv), "the command runs on the host")
        command.cancel()
        with pytest.raises(asyncio.CancelledError):
            await command

        assert "free\n" == (await shell.run(["echo", "free"], timeout=5)).stdout
    finally:
        await shell.close()


async def test_the_pool_hands_out_one_shell_per_host(sshd):
    pool = HostPool([sshd.host()])
    try:
        first, again = pool.get("host-a"), pool.get("host-a")
        assert "host-a" == first.name
        assert first is again
        await first.run(["true"])
    finally:
        await pool.close_all()

    with pytest.raises(HostError, match="closed"):
        await first.run(["true"])


def test_the_pool_rejects_an_unknown_host(sshd):
    pool = HostPool([sshd.host()])

    with pytest.raises(UsageError, match="unknown host 'host-z'; known hosts: host-a"):
        pool.get("host-z")


async def test_commands_waiting_for_a_host_that_does_not_answer_share_one_connect_attempt(sshd):
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # a peer that takes the connection and never says a word

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    shell = SshShell(sshd.host(port=port, connect_timeout=0.5))
    try:
        outcomes = await asyncio.gather(
            *(shell.run(["true"]) for _ in range(5)), return_exceptions=True
        )

        assert all(isinstance(o, HostUnreachable) for o in outcomes), outcomes
        assert 1 == len(accepted)  # not five connect timeouts, one after another
        with pytest.raises(HostUnreachable):  # a later command tries again
            await shell.run(["true"])
        assert 2 == len(accepted)
    finally:
        await shell.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_connection_reset_while_a_session_opens_is_the_host_unreachable(
    sshd, shell, monkeypatch
):
    # sshd going away resets the connection under the session request: nothing ran, so it
    # reads as unreachable (what undos wait out), never as a bare ConnectionResetError.
    await shell.run(["true"])
    conn = shell._conn

    async def reset(*_args: object, **_kwargs: object) -> None:
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(conn, "create_process", reset)

    with pytest.raises(HostUnreachable, match="Connection reset by peer"):
        await shell.run(["true"])
    assert "ok\n" == (await shell.run(["echo", "ok"])).stdout  # a new connection
