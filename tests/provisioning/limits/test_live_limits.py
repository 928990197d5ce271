"""``bob limit`` on the real sandbox (overlay, busybox, the machine's cgroup layout).

Every value checked here is read back from the host, never from bob: the container's cgroup
files found through its init's ``/proc/PID/cgroup``, and its LXC config file.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from handlers.limits import fleet_limits
from provisioning.config import load_fleet
from provisioning.hosts.ssh import HostPool
from provisioning.lxc.cgroups import FILES, CgroupLayout, shares_to_weight
from sandbox import SandboxInfo
from sandbox.layout import STORAGE_ROOT
from tests.provisioning.pipeline.cli_world import BobCli, bob_cli, cleaned_up
from tests.provisioning.pipeline.observe import clear_bobs
from tests.sandbox.fixtures import host_ssh, require_sandbox, sandbox_fleet_sync

pytestmark = pytest.mark.slow

HOST = "host-a"
# The container's own cgroup files, through its init's /proc/PID/cgroup (v1: one hierarchy per
# controller; v2: the one unified hierarchy). One "FILE VALUE" line each.
_WITNESS = r"""
lxcpath=$1 name=$2
pid=$(lxc-info -P "$lxcpath" -n "$name" -p -H)
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  dir=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
  for f in memory.max cpu.weight cpuset.cpus; do echo "$f $(cat "$dir/$f")"; done
else
  at() {
    awk -F: -v c="$1" '{ for (i = split($2, a, ","); i; i--) if (a[i] == c) print $3 }' \
      "/proc/$pid/cgroup"
  }
  echo "memory.limit_in_bytes $(cat "/sys/fs/cgroup/memory$(at memory)/memory.limit_in_bytes")"
  echo "cpu.shares $(cat "/sys/fs/cgroup/cpu$(at cpu)/cpu.shares")"
  echo "cpuset.cpus $(cat "/sys/fs/cgroup/cpuset$(at cpuset)/cpuset.cpus")"
fi
"""


@dataclass(frozen=True)
class Seen:
    """A Bob's limits as its host has them: in the kernel, and in its config file."""

    cgroup: dict[str, str]
    config: list[str]


@pytest.fixture(scope="module")
def fleet_info(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    require_sandbox()
    state_dir = tmp_path_factory.mktemp("limits") / "state"
    with sandbox_fleet_sync(state_dir, backend="overlay", hosts=1) as info:
        yield info


@pytest.fixture
def world(fleet_info: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    try:
        yield from cleaned_up(bob_cli(fleet_info, tmp_path))
    finally:
        clear_bobs(fleet_info)


def ok(world: BobCli, *argv: str) -> subprocess.CompletedProcess[str]:
    done = world(*argv, timeout=180)
    assert 0 == done.returncode, f"bob {' '.join(argv)}:\n{done.stdout}\n{done.stderr}"
    return done


def where(world: BobCli, name: str) -> str:
    [(disk,)] = world.query("SELECT disk FROM bobs WHERE name = ?", name)
    return f"{STORAGE_ROOT}/{disk}"


def one_bob(world: BobCli) -> tuple[str, str]:
    """A new running Bob's name and lxcpath."""
    ok(world, "create", "1")
    [name] = world.bob_names()
    return name, where(world, name)


def seen(info: SandboxInfo, lxcpath: str, name: str) -> Seen:
    out = host_ssh(info, HOST, ["sh", "-c", _WITNESS, "witness", lxcpath, name]).stdout
    config = host_ssh(info, HOST, ["cat", f"{lxcpath}/{name}/config"]).stdout
    return Seen(
        cgroup=dict(line.split(" ", 1) for line in out.splitlines()),
        config=[line for line in config.splitlines() if line.startswith("lxc.cgroup")],
    )


async def board_column(world: BobCli) -> dict[str, str]:
    """What the board's limits column reads, over bob's real SSH shells."""
    fleet = load_fleet(world.config)
    shells = HostPool(fleet.hosts)
    try:
        return await fleet_limits(fleet, shells)
    finally:
        await shells.close_all()


def layout_of(bob: Seen) -> CgroupLayout:
    return CgroupLayout.V2 if "memory.max" in bob.cgroup else CgroupLayout.V1


def restart(info: SandboxInfo, lxcpath: str, name: str) -> None:
    def lxc(tool: str, *args: str) -> str:
        return " ".join([tool, "-P", lxcpath, "-n", name, *args])

    script = " && ".join(
        [
            lxc("lxc-stop", "-k"),
            lxc("lxc-wait", "-s", "STOPPED", "-t", "5"),
            lxc("lxc-start", "-d"),
            lxc("lxc-wait", "-s", "RUNNING", "-t", "5"),
        ]
    )
    host_ssh(info, HOST, ["sh", "-c", script])


def test_limit_changes_a_running_bobs_memory_and_cpu_at_once_and_a_restart_keeps_them(
    world: BobCli, fleet_info: SandboxInfo
) -> None:
    name, lxcpath = one_bob(world)
    before = seen(fleet_info, lxcpath, name)

    ok(world, "limit", name, "memory=192M", "cpu_shares=512", "cpuset=0")
    after = seen(fleet_info, lxcpath, name)
    restart(fleet_info, lxcpath, name)
    restarted = seen(fleet_info, lxcpath, name)

    memory, shares, cpuset = FILES[layout_of(before)].values()
    weight = 512 if shares == "cpu.shares" else shares_to_weight(512)  # v2: cpu.weight
    wanted = {memory: "201326592", shares: str(weight), cpuset: "0"}
    assert "268435456" == before.cgroup[memory]
    assert wanted == after.cgroup
    prefix = layout_of(before).config_prefix
    assert [f"{prefix}.{file} = {value}" for file, value in wanted.items()] == after.config
    assert after == restarted
    short = "192M · " + ("shares 512" if shares == "cpu.shares" else f"weight {weight}")
    assert {name: f"{short} · cpus 0"} == asyncio.run(board_column(world))


def test_limit_shows_what_the_kernel_holds_and_what_the_bob_uses(
    world: BobCli, fleet_info: SandboxInfo
) -> None:
    name, lxcpath = one_bob(world)

    lines = ok(world, "limit", name).stdout.splitlines()

    layout = layout_of(seen(fleet_info, lxcpath, name))
    memory, shares, _ = FILES[layout].values()
    assert lines[0].startswith(f"{name} on {HOST}/")
    assert lines[0].endswith(f"running, cgroup {layout}")
    assert ["memory", memory, "256M"] == lines[1].split()[:3]
    assert f"({layout.config_prefix}.{memory} = 268435456)" in lines[1]
    assert ["cpu_shares", shares] == lines[2].split()[:2]
    assert lines[4].startswith("  using ")
    assert lines[4].endswith(" s CPU time")


def test_an_impossible_limit_is_refused_with_every_reason_and_nothing_changes(
    world: BobCli, fleet_info: SandboxInfo
) -> None:
    name, lxcpath = one_bob(world)
    before = seen(fleet_info, lxcpath, name)

    done = world("limit", name, "memory=64K", "cpuset=0-63", "cpu-share=5")

    assert 2 == done.returncode
    errors = done.stderr.splitlines()
    assert errors[0].startswith("bob: unknown limit 'cpu_share'; did you mean cpu_shares?")
    assert errors[1].startswith(f"bob: {name}: memory=64K is below the ")
    assert errors[2].startswith(f"bob: {name}: cpuset=0-63 names CPUs ")
    assert "bob: nothing was changed" == errors[-1]
    assert before == seen(fleet_info, lxcpath, name)
    assert [("create",)] == world.query("SELECT kind FROM jobs")


def test_a_limit_job_that_fails_puts_every_bobs_previous_limits_back_live_and_in_config(
    world: BobCli, fleet_info: SandboxInfo
) -> None:
    ok(world, "create", "2")
    first, second = world.bob_names()
    before = {n: seen(fleet_info, where(world, n), n) for n in (first, second)}
    # The second Bob's config cannot be rewritten (its temporary file's name is taken by a
    # directory), so the job fails after the first Bob has its new limits, live and kept.
    blocker = f"{where(world, second)}/{second}/config.bob-tmp"
    host_ssh(fleet_info, HOST, ["mkdir", blocker])
    try:
        done = world("limit", first, second, "memory=192M", "cpu_shares=300")
    finally:
        host_ssh(fleet_info, HOST, ["rmdir", blocker])

    assert 1 == done.returncode
    assert before == {n: seen(fleet_info, where(world, n), n) for n in (first, second)}
    [(state,)] = world.query("SELECT state FROM jobs WHERE kind = 'limit'")
    assert "failed" == state
