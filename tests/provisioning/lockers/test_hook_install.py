"""The wormhole hook is written by every Bob of a create at once, over a real sshd: each write
must succeed and leave the whole hook, executable (a shared temp name made all but one fail)."""

from __future__ import annotations

import asyncio
import os
import stat

from provisioning.config.models import Host
from provisioning.lockers import commands
from provisioning.lockers.layout import hook_path
from provisioning.lockers.wormholes import install_hook
from tests.provisioning.hosts.conftest import shell, sshd  # noqa: F401 (fixtures)


async def test_bobs_writing_the_hook_at_once_all_succeed_and_leave_it_whole(shell, tmp_path):  # noqa: F811
    host = Host.model_validate(
        {
            "name": "host-a",
            "ssh": {"address": "127.0.0.1"},
            "datacenter": "dc1",
            "storage": {"backend": "dir", "root": str(tmp_path)},
            "disks": [{"name": "disk1", "max_bobs": 4}],
        }
    )

    await asyncio.gather(*(install_hook(shell, host) for _ in range(8)))

    path = str(hook_path(host))
    with open(path, encoding="utf-8") as hook:
        assert hook.read() == commands.HOOK
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755
    assert os.listdir(tmp_path / "wormholes") == [".bob-wormhole-hook"]
