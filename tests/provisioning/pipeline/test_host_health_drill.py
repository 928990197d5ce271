"""The host health drill: a disk on host-a that is out of room fails every lane of a create
there. That is one failure of host-a (not one per lane, nor one per lane cancelled because of
it); the host cools down only after the configured number of failed jobs, and the next create
says it left host-a out, and why.

The disk is a tmpfs with a single inode to spare: it passes create's host checks (it exists
and takes a directory), and the clone step, which needs several, fails on every lane. A
missing directory would not do: create refuses that host before reserving anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sandbox import SandboxInfo
from tests.provisioning.pipeline.cli_world import BobCli, bob_cli, cleaned_up
from tests.sandbox.fixtures import host_script

pytestmark = pytest.mark.slow


FULL_DISK = "/var/lib/bob/disk-full"


@pytest.fixture
def full_disk(overlay: SandboxInfo) -> Iterator[str]:
    """A disk directory on host-a with room for one more inode (its root takes the other)."""
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m,nr_inodes=2", "bob-drill", FULL_DISK]
    host_script(overlay, "host-a", [["mkdir", "-p", FULL_DISK], mount])
    try:
        yield "disk-full"
    finally:
        host_script(overlay, "host-a", [["umount", FULL_DISK], ["rmdir", FULL_DISK]])


@pytest.fixture
def cli(overlay: SandboxInfo, tmp_path: Path, full_disk: str) -> Iterator[BobCli]:
    world = bob_cli(overlay, tmp_path)
    document = yaml.safe_load(world.config.read_text())
    host_a = next(h for h in document["hosts"] if h["name"] == "host-a")
    host_a["disks"] = [{"name": full_disk, "max_bobs": 5}]
    document["host_health"] = {"failures": 2, "cooldown_s": 600}
    world.config.write_text(yaml.safe_dump(document, sort_keys=False))
    yield from cleaned_up(world)


def health(cli: BobCli) -> list[tuple[str, int, bool]]:
    rows = cli.query("SELECT host, failures, cooling_until FROM host_states ORDER BY host")
    return [(host, failures, cooling is not None) for host, failures, cooling in rows]


def test_a_create_failing_in_every_lane_on_a_host_is_one_failure_of_that_host(
    cli: BobCli,
) -> None:
    first = cli("create", "3", "--host", "host-a")
    assert 1 == first.returncode, first.stdout + first.stderr
    assert [("host-a", 1, False)] == health(cli)

    second = cli("create", "3", "--host", "host-a")
    assert 1 == second.returncode, second.stdout + second.stderr
    assert [("host-a", 2, True)] == health(cli)

    elsewhere = cli("create", "1")

    lines = elsewhere.stdout.splitlines()
    assert 0 == elsewhere.returncode, elsewhere.stdout + elsewhere.stderr
    assert re.fullmatch(r"job \w+: reserved bob001 on host-b/disk1, [\d.]+", lines[0]), lines[0]
    assert re.fullmatch(
        r"  skipped host-a: cooling down until \d\d:\d\d:\d\d UTC after 2 failures "
        r"\(last: StepFailed: clone of bob00\d on host-a failed: .*\)",
        lines[1],
    ), lines[1]
