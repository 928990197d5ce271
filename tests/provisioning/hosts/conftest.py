"""A real OpenSSH server for the host shell tests, and shells pointed at it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from provisioning.hosts.ssh import SshShell
from tests.provisioning.hosts.sshd import SshdUnavailable, SshServer


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """Our own sshd for the whole run. Skips when OpenSSH's server is missing, unless
    ``BOB_REQUIRE_SSHD=1`` (CI), where a skipped adapter would hide the bugs these tests catch."""
    try:
        server = SshServer.start(tmp_path_factory.mktemp("sshd"))
    except SshdUnavailable as exc:
        if os.environ.get("BOB_REQUIRE_SSHD") == "1":
            pytest.fail(f"BOB_REQUIRE_SSHD=1 but {exc}", pytrace=False)
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def shell(sshd: SshServer) -> AsyncIterator[SshShell]:
    shell = SshShell(sshd.host())
    try:
        yield shell
    finally:
        await shell.close()
