"""Create's gate: which failed checks stop a create before it reserves, and which do not."""

from __future__ import annotations

import time

import pytest

from provisioning.core.plan import plan_create
from provisioning.fakes import FakeShell
from provisioning.hostcheck import CreatePreflight, HostNotReady
from provisioning.hosts.errors import HostUnreachable
from tests.fleets import make_fleet
from tests.provisioning.hostcheck.probes import NOW, probe_output

FLEET = make_fleet(((1, 1),))


class Shells:
    def __init__(self, shell: FakeShell) -> None:
        self.shell = shell

    def get(self, host: str) -> FakeShell:
        return self.shell


def answering(output: str) -> Shells:
    shell = FakeShell("host-a")
    shell.on("sh", "-c", stdout=output.replace(f"now {NOW}", f"now {int(time.time())}"))
    return Shells(shell)


async def test_a_missing_directory_of_a_disk_the_plan_uses_stops_the_create() -> None:
    shells = answering(probe_output(**{"dir disk2": "dir disk2 missing - -"}))

    with pytest.raises(HostNotReady) as refused:
        await CreatePreflight(FLEET, shells)(plan_create(FLEET, [], 2))

    assert str(refused.value).startswith(
        "host-a is not ready: check disk disk2 failed: /var/lib/bob/disk2 does not exist "
        "(`bob host prepare host-a` makes it). Nothing was reserved"
    )


async def test_a_disk_the_plan_does_not_use_is_not_its_business() -> None:
    shells = answering(probe_output(**{"dir disk2": "dir disk2 missing - -"}))

    await CreatePreflight(FLEET, shells)(plan_create(FLEET, [], 1))


async def test_free_space_and_the_clock_are_advice() -> None:
    low = {f"dir {d}": f"dir {d} writable ext2/ext3 100" for d in ("disk1", "disk2")}
    shells = answering(probe_output(**low, now="now 1"))

    await CreatePreflight(FLEET, shells)(plan_create(FLEET, [], 2))


async def test_an_unreachable_host_is_left_to_the_job() -> None:
    shell = FakeShell("host-a")
    down = HostUnreachable(host="host-a", address="10.250.0.2", port=22, reason="refused")
    shell.on("sh", raises=down)

    await CreatePreflight(FLEET, Shells(shell))(plan_create(FLEET, [], 2))
