"""Reconcile's start repair looks again before it starts anything, and says why a start failed.

The finding comes from a snapshot: by the time it is repaired, a destroy may have begun or
someone may have started the container. Unit level: a scripted host shell, a store that only
answers ``get_bob``; the repair on the real sandbox is in the reboot drill.
"""

from __future__ import annotations

from typing import Any, cast

import pytest

from provisioning.errors import ConflictError
from provisioning.fakes import FakeShell
from provisioning.hosts.errors import HostError
from provisioning.ports import StateStore
from provisioning.reconcile.compare import compare
from provisioning.reconcile.model import Finding, HostScan, SeenContainer
from provisioning.reconcile.repair import Repairer
from provisioning.records import BobRecord, BobState
from tests.provisioning.pipeline.conftest import FakeShells
from tests.provisioning.reconcile.test_compare import FLEET, bob, truth

LXCPATH = "/var/lib/bob/disk1"


class Records:
    """The one question the repair asks bob's store."""

    def __init__(self, *bobs: BobRecord) -> None:
        self._bobs = {b.name: b for b in bobs}

    async def get_bob(self, name: str) -> BobRecord | None:
        return self._bobs.get(name)


def stopped_finding() -> Finding:
    scan = HostScan([SeenContainer("disk1", "bob001", "STOPPED", "j0")], {})
    [finding] = compare(FLEET, truth([bob("bob001")], {"host-a": scan}))
    return finding


def repairer(shell: FakeShell, *bobs: BobRecord) -> Repairer:
    async def no_destroy(name: str) -> str:
        raise AssertionError(f"a start repair destroyed {name}")

    store = cast(StateStore, Records(*bobs))
    return Repairer(FLEET, store, FakeShells(shell), None, {}, no_destroy)


def started(shell: FakeShell) -> list[tuple[str, ...]]:
    return [argv for argv in shell.argvs if argv[0] == "lxc-start"]


@pytest.mark.parametrize(
    "now",
    [
        {"state": BobState.DESTROYING},  # a destroy began since the pass
        {"host": "host-b"},  # not the Bob the finding was about
        {"ip": None},
    ],
)
async def test_a_bob_that_changed_since_the_pass_is_left_alone(now: dict[str, Any]):
    shell = FakeShell(strict=True)

    with pytest.raises(ConflictError, match="no longer that ready Bob"):
        await repairer(shell, bob("bob001", **now)).repair(stopped_finding())
    assert [] == shell.argvs


async def test_a_bob_gone_from_the_records_is_left_alone():
    shell = FakeShell(strict=True)

    with pytest.raises(ConflictError, match="no longer that ready Bob"):
        await repairer(shell).repair(stopped_finding())
    assert [] == shell.argvs


async def test_a_container_someone_started_meanwhile_is_not_started_again():
    shell = FakeShell(strict=True)
    shell.on("lxc-info", "-P", LXCPATH, "-n", "bob001", "-s", "-H", stdout="RUNNING\n")

    with pytest.raises(ConflictError, match="bob001's container is RUNNING now: left alone"):
        await repairer(shell, bob("bob001")).repair(stopped_finding())
    assert [] == started(shell)


async def test_a_failed_start_says_what_lxcs_log_says():
    shell = FakeShell()
    shell.on("lxc-info", stdout="STOPPED\n")
    shell.on("lxc-start", exit_status=1, stderr="lxc-start: bob001: The container failed to start")
    log = "lxc-start bob001 20261203 ERROR network - Failed to create veth pair: File exists\n"
    shell.on("cat", f"{LXCPATH}/bob001/bob-start.log", stdout=log)

    with pytest.raises(HostError) as failed:
        await repairer(shell, bob("bob001")).repair(stopped_finding())

    assert "The container failed to start" in str(failed.value)
    assert "Failed to create veth pair: File exists" in str(failed.value)
    assert [] == [argv for argv in shell.argvs if argv[0] == "ping"]  # never called ready
