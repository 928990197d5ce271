"""The reboot drill: every container on host-a dies as in a reboot, and the Bobs come back.

Two ways back, each shown on the sandbox with the installed ``bob``: what the host runs at boot
(one ``lxc-autostart`` per disk, as the ``bob-autostart@`` unit does; each disk's Bobs in slot
order, its ``start_delay`` apart, the disks side by side), and ``bob reconcile --fix``, which
starts a ready Bob whose container is stopped (not destructive: no ``--yes``) and waits until it
answers as the create pipeline does. The witnesses are LXC and ping on the host, not bob.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from provisioning.config import load_fleet
from provisioning.lxc.autostart import autostart_argv
from sandbox import SandboxInfo
from sandbox.layout import STORAGE_ROOT
from tests.provisioning.pipeline.cli_world import BobCli, bob_cli
from tests.provisioning.pipeline.observe import Found, containers, inspect
from tests.provisioning.pipeline.reconciled import parse_cli_report
from tests.provisioning.pipeline.test_crash_drill import cleaned_up
from tests.sandbox.fixtures import host_ssh

pytestmark = pytest.mark.slow

DELAY_S = 2  # long enough that the disks running side by side shows even on a busy machine
UP_WITHIN_S = 30.0

# "NAME STARTTIME" per running container of a disk: when its init began, in clock ticks since
# the machine booted (field 22 of /proc/PID/stat), read on the host.
_STARTED = """
for name in $(lxc-ls -P "$0" -1 --running); do
  pid=$(lxc-info -P "$0" -n "$name" -p -H)
  echo "$name $(cut -d ' ' -f 22 "/proc/$pid/stat")"
done
"""


@pytest.fixture
def cli(overlay: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    """host-a takes two Bobs on disk1 and two on disk2, each disk DELAY_S between starts."""
    world = bob_cli(overlay, tmp_path)
    document = yaml.safe_load(world.config.read_text())
    host_a = next(h for h in document["hosts"] if h["name"] == "host-a")
    host_a["disks"] = [
        {"name": "disk1", "max_bobs": 2, "start_delay": DELAY_S},
        {"name": "disk2", "max_bobs": 2, "start_delay": DELAY_S},
    ]
    world.config.write_text(yaml.safe_dump(document, sort_keys=False))
    yield from cleaned_up(world)


def reboot(info: SandboxInfo, host: str) -> None:
    """What a reboot does to the host's Bobs: every container killed, nothing started again."""
    for found in containers(info):
        if found.host == host:
            lxcpath = str(STORAGE_ROOT / found.disk)
            host_ssh(info, host, ["lxc-stop", "-P", lxcpath, "-n", found.name, "-k"])
    assert {"STOPPED"} == {f.state for f in containers(info) if f.host == host}


def up(info: SandboxInfo, bobs: list[Found]) -> dict[str, tuple[str, bool]]:
    """Each Bob's (state, answers ping) once all are RUNNING and answer, or when time is up."""
    deadline = time.monotonic() + UP_WITHIN_S
    while True:
        seen = {}
        for bob in bobs:
            assert bob.address is not None
            inside = inspect(info, bob.host, bob.disk, bob.name, bob.address)
            seen[bob.name] = (inside.state, inside.pings)
        if set(seen.values()) == {("RUNNING", True)} or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


def test_after_a_reboot_lxc_autostart_on_each_disk_brings_every_bob_back_in_order(
    cli: BobCli, overlay: SandboxInfo
) -> None:
    created = cli("create", "4", "--host", "host-a")
    assert 0 == created.returncode, created.stdout + created.stderr
    bobs = containers(overlay)
    assert [("bob001", "disk1"), ("bob002", "disk1"), ("bob003", "disk2"), ("bob004", "disk2")] == [
        (b.name, b.disk) for b in bobs
    ]
    host = load_fleet(cli.config).host("host-a")

    reboot(overlay, "host-a")

    # What the unit will start on each disk, as LXC itself reads the Bobs' configs: in slot
    # order, each followed by its disk's delay (a running container is never listed).
    listed = {
        disk: host_ssh(overlay, "host-a", autostart_argv(host, disk, list_only=True)).stdout
        for disk in ("disk1", "disk2")
    }
    assert {
        "disk1": f"bob001 {DELAY_S}\nbob002 {DELAY_S}\n",
        "disk2": f"bob003 {DELAY_S}\nbob004 {DELAY_S}\n",
    } == listed
    # The host boots: one autostart per disk, side by side, as systemd runs the disks' units.
    boot = " & ".join(shlex.join(autostart_argv(host, d)) for d in ("disk1", "disk2"))
    host_ssh(overlay, "host-a", ["sh", "-c", f"{boot} & wait"])

    assert {b.name: ("RUNNING", True) for b in bobs} == up(overlay, bobs)
    started = {}
    for disk in ("disk1", "disk2"):
        out = host_ssh(overlay, "host-a", ["sh", "-c", _STARTED, str(STORAGE_ROOT / disk)]).stdout
        started |= {name: int(ticks) for name, ticks in (line.split() for line in out.splitlines())}
    ticks_per_s = int(host_ssh(overlay, "host-a", ["getconf", "CLK_TCK"]).stdout)
    # Within a disk, slot order and the disk's delay between them.
    assert started["bob002"] - started["bob001"] >= DELAY_S * ticks_per_s
    assert started["bob004"] - started["bob003"] >= DELAY_S * ticks_per_s
    # The disks did not wait for each other: each disk's first Bob before the other's second.
    assert started["bob001"] < started["bob004"]
    assert started["bob003"] < started["bob002"]
    cli.assert_reconciled()

    assert 0 == cli("destroy", "bob001", "bob002", "bob003", "bob004", "--yes").returncode
    assert [] == containers(overlay)


def test_reconcile_fix_starts_a_ready_bob_whose_container_stopped(
    cli: BobCli, overlay: SandboxInfo
) -> None:
    created = cli("create", "1", "--host", "host-a")
    assert 0 == created.returncode, created.stdout + created.stderr
    [bob] = containers(overlay)
    reboot(overlay, "host-a")

    seen = cli("reconcile", "--json")
    report = parse_cli_report(seen.stdout, seen.stderr)
    assert 1 == seen.returncode
    assert [("container-not-running", "bob001", "start-container", False)] == [
        (f["kind"], f["subject"], f["repair"], f["destructive"]) for f in report["findings"]
    ]

    fixed = cli("reconcile", "--fix", "--json")  # no --yes, and no terminal to ask on

    after = parse_cli_report(fixed.stdout, fixed.stderr)
    assert (0, 1, 0) == (fixed.returncode, after["found"], after["differences"]), fixed.stdout
    [repaired] = after["repaired"]
    assert f"container started: RUNNING, {bob.address} answers ping" == repaired["outcome"]
    assert {"bob001": ("RUNNING", True)} == up(overlay, [bob])
    [(command, detail)] = cli.query(
        "SELECT command, detail FROM audit WHERE outcome = 'fixed' ORDER BY id"
    )
    assert "reconcile --fix" == command
    assert detail.startswith("container-not-running bob001: start-container: container started")
    cli.assert_reconciled()

    assert 0 == cli("destroy", "bob001", "--yes").returncode
    assert [] == containers(overlay)


def test_a_bob_made_before_autostart_gets_its_lines_from_reconcile_and_survives_a_reboot(
    cli: BobCli, overlay: SandboxInfo
) -> None:
    created = cli("create", "1", "--host", "host-a")
    assert 0 == created.returncode, created.stdout + created.stderr
    [bob] = containers(overlay)
    config = str(STORAGE_ROOT / bob.disk / bob.name / "config")
    host_ssh(overlay, "host-a", ["sed", "-i", "/^lxc[.]start[.]/d", config])  # as bob did before

    seen = cli("reconcile", "--json")
    report = parse_cli_report(seen.stdout, seen.stderr)
    assert [
        ("autostart-differs", "bob001", "set-autostart", "its LXC config has no lxc.start lines")
    ] == [
        (f["kind"], f["subject"], f["repair"], f["detail"].split(";")[0])
        for f in report["findings"]
    ]
    fixed = cli("reconcile", "--fix", "--json")
    assert 0 == fixed.returncode, fixed.stdout + fixed.stderr

    reboot(overlay, "host-a")
    host = load_fleet(cli.config).host("host-a")
    host_ssh(overlay, "host-a", autostart_argv(host, bob.disk))

    assert {"bob001": ("RUNNING", True)} == up(overlay, [bob])
    cli.assert_reconciled()
    assert 0 == cli("destroy", "bob001", "--yes").returncode
