"""Connection failures become HostErrors that say what to fix, and come fast."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from provisioning.config.models import Host, SshTarget
from provisioning.hosts.errors import HostAuthFailed, HostKeyMismatch, HostUnreachable
from provisioning.hosts.shell import CommandResult
from provisioning.hosts.ssh import SshShell
from tests.provisioning.hosts.sshd import free_port, keygen

DEFAULT_CONNECT_TIMEOUT_S = SshTarget.model_fields["connect_timeout"].default


async def run_once(host: Host) -> CommandResult:
    shell = SshShell(host)
    try:
        return await shell.run(["true"])
    finally:
        await shell.close()


async def test_a_changed_host_key_is_refused_naming_the_known_hosts_file(sshd, tmp_path):
    keygen(tmp_path / "impostor", "impostor")
    impostor = (tmp_path / "impostor.pub").read_text().split()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{sshd.port} {impostor[0]} {impostor[1]}\n")

    with pytest.raises(HostKeyMismatch) as caught:
        await run_once(sshd.host(known_hosts=known_hosts))

    assert (
        f"host-a: host key of 127.0.0.1:{sshd.port} not verified against {known_hosts}: "
        "the host presented a different key than the one on file (changed key?)"
    ) == str(caught.value)
    assert known_hosts == caught.value.known_hosts


async def test_an_unknown_host_is_refused_naming_the_known_hosts_file(sshd, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")

    with pytest.raises(HostKeyMismatch) as caught:
        await run_once(sshd.host(known_hosts=known_hosts))

    assert str(caught.value).endswith(
        f"not verified against {known_hosts}: "
        f"the file has no entry for [127.0.0.1]:{sshd.port} (unknown host)"
    )


async def test_a_missing_known_hosts_file_is_reported_as_such(sshd, tmp_path):
    missing = tmp_path / "nope" / "known_hosts"

    with pytest.raises(HostKeyMismatch, match="cannot read the known_hosts file"):
        await run_once(sshd.host(known_hosts=missing))


async def test_a_key_the_host_does_not_accept_fails_login(sshd, tmp_path):
    keygen(tmp_path / "stranger", "stranger")

    with pytest.raises(HostAuthFailed) as caught:
        await run_once(sshd.host(key_file=tmp_path / "stranger"))

    assert (
        f"host-a: cannot log in as {sshd.user}@127.0.0.1:{sshd.port}: "
        f"the host refused our key ({tmp_path / 'stranger'})"
    ) == str(caught.value)


async def test_an_unreadable_key_file_is_reported_without_its_content(sshd, tmp_path):
    bad_key = tmp_path / "key"
    bad_key.write_text("not a key but maybe a secret\n")

    with pytest.raises(HostAuthFailed) as caught:
        await run_once(sshd.host(key_file=bad_key))

    assert f"cannot use key file {bad_key}" in str(caught.value)
    assert "secret" not in str(caught.value)


async def test_a_port_where_nothing_listens_is_unreachable_at_once(sshd):
    port = free_port()
    host = sshd.host(port=port, connect_timeout=5.0)
    started = time.monotonic()

    with pytest.raises(HostUnreachable) as caught:
        await run_once(host)

    # "At once": the refusal is the answer, not the connect timeout running out (a hang guard
    # with the whole timeout as slack, not a speed claim).
    assert time.monotonic() - started < host.ssh.connect_timeout
    assert f"host-a: cannot reach 127.0.0.1:{port}: connection refused" == str(caught.value)
    assert ("127.0.0.1", port) == (caught.value.address, caught.value.port)


async def test_a_listener_that_never_speaks_ssh_is_unreachable_after_the_connect_timeout(sshd):
    # The kernel completes the TCP handshake for a listening socket even if nobody accepts.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        started = time.monotonic()

        with pytest.raises(HostUnreachable) as caught:
            await run_once(sshd.host(port=port, connect_timeout=0.5))

        elapsed = time.monotonic() - started

    # A timer never fires early, so the lower bound cannot flake; the upper one is the default
    # connect timeout (5 s): the host's own setting ended the wait, not a default or a hang.
    assert 0.5 <= elapsed < DEFAULT_CONNECT_TIMEOUT_S
    assert str(caught.value).endswith("no SSH session within the connect timeout of 0.5 s")


async def test_a_peer_that_is_not_an_ssh_server_is_unreachable(sshd):
    async def answer_like_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(answer_like_http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(HostUnreachable, match=f"^host-a: cannot reach 127.0.0.1:{port}: "):
            await run_once(sshd.host(port=port))
    finally:
        server.close()
        await server.wait_closed()
