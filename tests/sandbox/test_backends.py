"""Each storage backend, built and removed for real: clone from the base into a disk, then
``down`` leaves nothing behind (and a second ``down`` finds nothing to do)."""

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sandbox import SandboxError, SandboxOptions, sandbox_down, sandbox_up
from sandbox import state as sandbox_state
from sandbox.layout import host_layouts
from sandbox.network import netns_exists
from sandbox.paths import StatePaths
from sandbox.processes import gone
from sandbox.sshd import our_pid
from tests.sandbox.fixtures import (
    host_script,
    release,
    require_sandbox,
    sandbox_fleet,
    sandbox_options,
)

pytestmark = pytest.mark.slow

BASE = ["-P", "/var/lib/bob/base", "-n", "base"]
PROBE = ["-P", "/var/lib/bob/disk1", "-n", "probe"]
CLONE = {
    "overlay": [
        "lxc-copy",
        *BASE,
        "-p",
        "/var/lib/bob/disk1",
        "-N",
        "probe",
        "-s",
        "-B",
        "overlay",
    ],
    "btrfs": ["lxc-copy", *BASE, "-p", "/var/lib/bob/disk1", "-N", "probe", "-s"],
    "dir": ["lxc-copy", *BASE, "-p", "/var/lib/bob/disk1", "-N", "probe", "-B", "dir"],
}
ROOTFS = {"overlay": "overlay:", "btrfs": "btrfs:", "dir": "dir:"}


def sh(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False).stdout


def leftovers(options: SandboxOptions, pids: list[int]) -> dict[str, list[Any]]:
    """Everything of this sandbox still on the machine, by kind (empty when clean)."""
    layouts = host_layouts(options)
    state_dir = str(options.state_dir)
    return {
        "netns": [h.namespace for h in layouts if netns_exists(h.namespace)],
        "veths": [h.root_veth for h in layouts if h.root_veth in sh("ip", "-o", "link", "show")],
        "routes": [
            str(h.bridge_net)
            for h in layouts
            if sh("ip", "route", "show", "exact", str(h.bridge_net)).strip()
        ],
        "loops": [line for line in sh("losetup", "-a").splitlines() if state_dir in line],
        "sshd": [pid for pid in pids if not gone(pid)],
        "mounts": [
            line for line in sh("cat", "/proc/self/mounts").splitlines() if state_dir in line
        ],
        "state": sorted(os.listdir(state_dir)) if os.path.exists(state_dir) else [],
    }


@pytest.mark.parametrize("backend", ["overlay", "btrfs", "dir"])
async def test_a_clone_of_the_base_runs_and_down_removes_everything(tmp_path, backend):
    require_sandbox()
    state_dir = tmp_path / "state"
    async with sandbox_fleet(state_dir, backend=backend, hosts=1) as info:
        options = sandbox_state.read(StatePaths(state_dir))
        assert options is not None
        pids = [pid for h in host_layouts(options) if (pid := our_pid(h)) is not None]
        out = host_script(
            info,
            "host-a",
            [
                CLONE[backend],
                ["grep", "^lxc.rootfs.path", "/var/lib/bob/disk1/probe/config"],
                ["lxc-start", *PROBE, "-d", "-o", "/var/lib/bob/disk1/probe.log"],
                ["lxc-wait", *PROBE, "-s", "RUNNING", "-t", "5"],
                ["lxc-attach", *PROBE, "--", "cat", "/etc/chef/client.pem"],
            ],
        )
        assert f"lxc.rootfs.path = {ROOTFS[backend]}" in out
        assert "DUMMY KEY" in out
        # left running on purpose: down must cope with a live container
        removed = await sandbox_down(state_dir)
        assert "container host-a:disk1/probe" in removed
        assert {k: [] for k in leftovers(options, pids)} == leftovers(options, pids)
        assert [] == await sandbox_down(state_dir)


async def test_a_name_already_taken_is_refused_before_anything_is_built(tmp_path):
    require_sandbox()
    options = sandbox_options(tmp_path / "state", hosts=1)
    namespace = host_layouts(options)[0].namespace
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        with pytest.raises(SandboxError, match=f"^network namespace {namespace}: already in use"):
            await sandbox_up(options)
        assert not options.state_dir.exists()
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=True)
        release(options)


async def test_an_interrupted_up_is_reported_and_down_clears_its_record(tmp_path):
    require_sandbox()
    options = sandbox_options(tmp_path, hosts=1)
    try:
        sandbox_state.write(options)  # what an `up` killed right after it began leaves behind
        with pytest.raises(SandboxError, match="was never finished"):
            await sandbox_up(options)
        assert [f"file {tmp_path / 'sandbox.json'}"] == await sandbox_down(tmp_path)
    finally:
        release(options)


async def test_a_failed_up_removes_what_it_built_and_says_which_command_failed(tmp_path):
    require_sandbox()
    # loopback, nothing listens on port 1: debootstrap fails at once
    options = sandbox_options(tmp_path / "state", hosts=1, base="debian").model_copy(
        update={"debian_mirror": "http://127.0.0.1:1/debian", "cache_dir": tmp_path / "cache"}
    )
    try:
        with pytest.raises(SandboxError) as caught:
            await sandbox_up(options)
        assert "debootstrap" in (caught.value.command or ())
        assert [] == os.listdir(options.state_dir)
        assert not netns_exists(host_layouts(options)[0].namespace)
    finally:
        release(options)


@pytest.mark.skipif(
    os.environ.get("BOB_TEST_DEBIAN") != "1",
    reason="set BOB_TEST_DEBIAN=1 (~3 min, ~35 s with a cache)",
)
async def test_a_debian_base_clones_and_boots(tmp_path):
    """Needs a Debian mirror. BOB_TEST_DEBIAN_CACHE names a debootstrap cache to reuse."""
    require_sandbox()
    cache = Path(os.environ.get("BOB_TEST_DEBIAN_CACHE") or tmp_path / "cache")
    async with sandbox_fleet(tmp_path / "state", "overlay", 1, "debian", cache) as info:
        out = host_script(
            info,
            "host-a",
            [
                CLONE["overlay"],
                ["lxc-start", *PROBE, "-d", "-o", "/var/lib/bob/disk1/probe.log"],
                ["lxc-wait", *PROBE, "-s", "RUNNING", "-t", "5"],
                ["lxc-attach", *PROBE, "--", "cat", "/etc/debian_version"],
            ],
        )
        assert out.startswith("12.")
