"""Lockers on the real sandbox, through the installed ``bob`` command.

A locker is mounted into a *running* Bob: LXC's own PID 1 of the Bob, read on the host with
``lxc-info -p``, is the same before and after, so nothing restarted it. What the Bob writes is in
the locker on the host; unmounted, it is gone from the Bob; a second Bob sees the data; and
destroying a Bob leaves the locker and its data. The witnesses are the host itself (over the
sandbox's ssh) and the Bobs (lxc-attach), never bob's own records.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import SandboxInfo
from sandbox.layout import STORAGE_ROOT
from tests.provisioning.pipeline.cli_world import BobCli, bob_cli
from tests.sandbox.fixtures import host_ssh, require_sandbox, sandbox_fleet_sync

HOST = "host-a"
LOCKERS = STORAGE_ROOT / "lockers"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    require_sandbox()
    with sandbox_fleet_sync(tmp_path_factory.mktemp("sbx"), backend="overlay", hosts=1) as info:
        yield info


@pytest.fixture
def bob(fleet: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    cli = bob_cli(fleet, tmp_path)
    try:
        yield cli
    finally:
        cli.tidy()
        host_ssh(fleet, HOST, ["rm", "-rf", "--one-file-system", str(LOCKERS)], check=False)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return done.stdout


def disk_of(cli: BobCli, name: str) -> str:
    [(disk,)] = cli.query("SELECT disk FROM bobs WHERE name = ?", name)
    return str(disk)


def pid1(info: SandboxInfo, cli: BobCli, name: str) -> str:
    argv = ["lxc-info", "-P", f"{STORAGE_ROOT}/{disk_of(cli, name)}", "-n", name, "-p", "-H"]
    return host_ssh(info, HOST, argv).stdout.strip()


def in_bob(info: SandboxInfo, cli: BobCli, name: str, *command: str) -> tuple[int, str]:
    argv = ["lxc-attach", "-P", f"{STORAGE_ROOT}/{disk_of(cli, name)}", "-n", name, "--", *command]
    done = host_ssh(info, HOST, argv, check=False)
    return done.returncode, done.stdout + done.stderr


def on_host(info: SandboxInfo, *command: str) -> tuple[int, str]:
    done = host_ssh(info, HOST, list(command), check=False)
    return done.returncode, done.stdout


def test_a_locker_reaches_running_bobs_without_a_restart_and_outlives_them(
    fleet: SandboxInfo, bob: BobCli
) -> None:
    ok(bob("create", "2"))
    before = pid1(fleet, bob, "bob001")
    assert before.isdigit()
    ok(bob("locker", "create", "data", "--host", HOST))

    ok(bob("locker", "mount", "data", "bob001"))
    assert pid1(fleet, bob, "bob001") == before
    assert in_bob(fleet, bob, "bob001", "sh", "-c", "echo from-inside > /lockers/data/note")[0] == 0
    assert on_host(fleet, "cat", f"{LOCKERS}/data/note") == (0, "from-inside\n")

    ok(bob("locker", "unmount", "data", "bob001"))
    assert in_bob(fleet, bob, "bob001", "test", "-e", "/lockers/data")[0] == 1
    assert pid1(fleet, bob, "bob001") == before

    other = pid1(fleet, bob, "bob002")
    ok(bob("locker", "mount", "data", "bob002"))
    assert in_bob(fleet, bob, "bob002", "cat", "/lockers/data/note") == (0, "from-inside\n")
    assert pid1(fleet, bob, "bob002") == other

    ok(bob("destroy", "bob002", "--yes"))
    assert on_host(fleet, "cat", f"{LOCKERS}/data/note") == (0, "from-inside\n")
    assert "data" in ok(bob("locker", "list"))
    assert "not mounted" in ok(bob("locker", "list"))
    # Nothing of the gone Bob's is left mounted on the host.
    assert "wormholes/bob002" not in on_host(fleet, "cat", "/proc/self/mounts")[1]


def test_a_locker_is_read_write_in_one_bob_unless_shared_and_read_only_means_it(
    fleet: SandboxInfo, bob: BobCli
) -> None:
    ok(bob("create", "2"))
    ok(bob("locker", "create", "cache", "--host", HOST))
    ok(bob("locker", "mount", "cache", "bob001"))

    refused = bob("locker", "mount", "cache", "bob002")
    assert refused.returncode != 0
    assert "read-write in bob001" in refused.stderr
    assert in_bob(fleet, bob, "bob002", "test", "-e", "/lockers/cache")[0] == 1

    ok(bob("locker", "mount", "cache", "bob002", "--read-only"))
    code, said = in_bob(fleet, bob, "bob002", "touch", "/lockers/cache/x")
    assert code != 0
    assert "Read-only file system" in said

    still = bob("locker", "destroy", "cache", "--yes")
    assert still.returncode != 0
    assert "mounted into bob001, bob002" in still.stderr
    assert on_host(fleet, "test", "-d", f"{LOCKERS}/cache")[0] == 0


def test_a_bob_made_before_lockers_is_refused_a_mount_naming_refresh(
    fleet: SandboxInfo, bob: BobCli
) -> None:
    ok(bob("create", "1"))
    config = f"{STORAGE_ROOT}/{disk_of(bob, 'bob001')}/bob001/config"
    # What an older bob wrote: no wormhole lines.
    on_host(fleet, "sed", "-i", "/wormhole/d", config)
    ok(bob("locker", "create", "old", "--host", HOST))

    refused = bob("locker", "mount", "old", "bob001")
    assert refused.returncode != 0
    assert "bob refresh bob001" in refused.stdout + refused.stderr
    assert bob.query("SELECT * FROM locker_mounts") == []


def test_reconcile_reports_each_kind_of_locker_orphan(fleet: SandboxInfo, bob: BobCli) -> None:
    ok(bob("create", "1"))
    ok(bob("locker", "create", "kept", "--host", HOST))
    ok(bob("locker", "create", "spare", "--host", HOST))
    ok(bob("locker", "mount", "kept", "bob001"))
    # A mount the host lost (as a reboot loses it), a volume nobody recorded, and a mount, in
    # the records and on the host, into a Bob bob does not have.
    on_host(fleet, "umount", f"{STORAGE_ROOT}/wormholes/bob001/kept")
    on_host(fleet, "mkdir", f"{LOCKERS}/stray")
    ghost = f"{STORAGE_ROOT}/wormholes/bob009/spare"
    on_host(fleet, "mkdir", "-p", ghost)
    on_host(fleet, "mount", "--bind", f"{LOCKERS}/spare", ghost)
    with sqlite3.connect(bob.database) as db:
        db.execute(
            "INSERT INTO locker_mounts (locker, bob, read_only, shared, job_id) "
            "VALUES ('spare', 'bob009', 0, 0, 'by-hand')"
        )
    try:
        done = bob("reconcile", "--json")
        found = [(f["kind"], f["subject"]) for f in json.loads(done.stdout)["findings"]]
        assert ("locker-mount-missing", "kept") in found
        assert ("locker-without-record", "stray") in found
        assert found.count(("locker-mount-without-bob", "spare")) == 2  # records, and host
    finally:
        on_host(fleet, "umount", ghost)
        on_host(fleet, "rm", "-r", f"{STORAGE_ROOT}/wormholes/bob009")
        with sqlite3.connect(bob.database) as db:
            db.execute("DELETE FROM locker_mounts WHERE bob = 'bob009'")


def test_a_new_bob_gets_its_own_locker_the_shared_ones_and_host_paths_and_refresh_keeps_them(
    fleet: SandboxInfo, tmp_path: Path
) -> None:
    bob = bob_cli(fleet, tmp_path, lockers=["cache"], host_paths=["/usr/share/common-licenses"])
    try:
        ok(bob("locker", "create", "bob001", "--host", HOST))
        ok(bob("locker", "create", "cache", "--host", HOST))
        ok(bob("create", "2"))

        assert in_bob(fleet, bob, "bob001", "ls", "/lockers") == (0, "bob001\ncache\n")
        assert in_bob(fleet, bob, "bob002", "ls", "/lockers") == (0, "cache\n")
        for name in ("bob001", "bob002"):  # shared: both write
            assert in_bob(fleet, bob, name, "touch", f"/lockers/cache/{name}")[0] == 0
        assert on_host(fleet, "ls", f"{LOCKERS}/cache") == (0, "bob001\nbob002\n")
        code, said = in_bob(fleet, bob, "bob002", "touch", "/usr/share/common-licenses/x")
        assert code != 0
        assert "Read-only file system" in said
        assert (
            in_bob(fleet, bob, "bob002", "test", "-f", "/usr/share/common-licenses/GPL-3")[0] == 0
        )

        in_bob(fleet, bob, "bob001", "sh", "-c", "echo mine > /lockers/bob001/kept")
        ok(bob("refresh", "bob001", "--yes"))
        assert in_bob(fleet, bob, "bob001", "cat", "/lockers/bob001/kept") == (0, "mine\n")
        assert in_bob(fleet, bob, "bob001", "ls", "/lockers") == (0, "bob001\ncache\n")
    finally:
        bob.tidy()
        host_ssh(fleet, HOST, ["rm", "-rf", "--one-file-system", str(LOCKERS)], check=False)


def test_a_failed_create_takes_its_mounts_and_wormhole_back_and_keeps_the_locker(
    fleet: SandboxInfo, tmp_path: Path
) -> None:
    bob = bob_cli(fleet, tmp_path, bootstrap=["false"])
    try:
        ok(bob("locker", "create", "bob001", "--host", HOST))
        on_host(fleet, "sh", "-c", f"echo before > {LOCKERS}/bob001/data")

        assert bob("create", "1").returncode != 0

        assert bob.query("SELECT * FROM locker_mounts") == []
        assert "/wormholes/bob001" not in on_host(fleet, "cat", "/proc/self/mounts")[1]
        assert on_host(fleet, "cat", f"{LOCKERS}/bob001/data") == (0, "before\n")
    finally:
        bob.tidy()
        host_ssh(fleet, HOST, ["rm", "-rf", "--one-file-system", str(LOCKERS)], check=False)
