"""The sandbox's fault drill: a host's sshd stops and starts again, the host itself untouched."""

from __future__ import annotations

import pytest

from sandbox import SandboxInfo, sandbox_status, start_sshd, state, stop_sshd
from sandbox.layout import host_layouts
from sandbox.paths import StatePaths
from sandbox.sshd import our_pid
from tests.sandbox.fixtures import host_ssh

pytestmark = pytest.mark.slow


def listeners(info: SandboxInfo) -> dict[str, int | None]:
    options = state.read(StatePaths(info.state_dir))
    assert options is not None
    return {layout.name: our_pid(layout) for layout in host_layouts(options)}


async def test_a_stopped_sshd_refuses_logins_while_the_host_lives_on_until_it_starts_again(
    overlay: SandboxInfo,
) -> None:
    before = listeners(overlay)
    stopped = await stop_sshd(overlay.state_dir, "host-b")
    try:
        refused = host_ssh(overlay, "host-b", ["true"], check=False)
        running = listeners(overlay)
        during = await sandbox_status(overlay.state_dir)
    finally:
        await start_sshd(overlay.state_dir, "host-b")

    assert before["host-b"] == stopped[0]  # its listener first (then any sessions) …
    assert {"host-a": before["host-a"], "host-b": None} == running  # … and only host-b's
    assert [True, False] == [h.sshd_alive for h in during.hosts]
    assert (255, "Connection refused") == (refused.returncode, refused.stderr.strip()[-18:])
    # its keeper still holds the host's mounts: the base is there to be listed
    assert [("base/base",), ("base/base",)] == [h.containers for h in during.hosts]
    assert "host-b" == host_ssh(overlay, "host-b", ["hostname"]).stdout.strip()
