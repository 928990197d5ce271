"""A real two-host sandbox (overlay, busybox): reachable, isolated, ready to clone, idempotent.

One sandbox serves the whole module (building it takes ~1.5 s); tests only read from it, and
the one that changes something (a failed second ``up``) checks it changed nothing.
"""

import asyncio
import subprocess
import time

import pytest

from provisioning.config import load_fleet
from sandbox import (
    SandboxError,
    SandboxOptions,
    expected_fleet,
    sandbox_status,
    sandbox_up,
)
from sandbox import state as sandbox_state
from sandbox.layout import host_layouts
from sandbox.paths import StatePaths
from sandbox.sshd import our_pid, ssh_argv
from tests.sandbox.fixtures import (
    host_script,
    host_ssh,
    require_sandbox,
    sandbox_fleet_sync,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    require_sandbox()
    with sandbox_fleet_sync(tmp_path_factory.mktemp("sandbox") / "state", hosts=2) as info:
        yield info


@pytest.fixture(scope="module")
def options(fleet) -> SandboxOptions:
    recorded = sandbox_state.read(StatePaths(fleet.state_dir))
    assert recorded is not None
    return recorded


def test_every_host_answers_ssh_with_the_generated_key_and_known_hosts(fleet):
    names = [host_ssh(fleet, h.name, ["hostname"]).stdout.strip() for h in fleet.hosts]
    assert ["host-a", "host-b"] == names


def test_a_host_key_that_is_not_in_known_hosts_is_refused(fleet, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.touch()
    argv = ssh_argv(StatePaths(fleet.state_dir), fleet.hosts[0].address, ["true"])
    argv = [a.replace(str(fleet.known_hosts), str(empty)) for a in argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    assert 255 == done.returncode
    assert "Host key verification failed" in done.stderr


def test_each_host_has_its_uplink_and_a_bridge_with_its_bobs_gateway(fleet, options):
    for layout in host_layouts(options):
        out = host_ssh(fleet, layout.name, ["ip", "-4", "-o", "addr", "show"]).stdout
        assert f"uplink    inet {layout.host_ip}/30" in out
        assert f"br0    inet {layout.gateway}/24" in out


def test_the_root_namespace_reaches_each_bridge_and_nothing_else_in_the_range(fleet, options):
    for layout in host_layouts(options):
        ping = ["ping", "-c1", "-W2", str(layout.gateway)]
        assert 0 == subprocess.run(ping, capture_output=True, timeout=10, check=False).returncode
    unrouted = f"10.250.{options.net_index + options.hosts + 1}.9"
    done = subprocess.run(
        ["ip", "route", "get", unrouted], capture_output=True, text=True, check=False
    )
    assert 0 != done.returncode  # the blackhole: "RTNETLINK answers: Invalid argument"


def test_a_host_routes_nothing_outside_the_sandbox_range(fleet):
    done = host_ssh(fleet, "host-a", ["ip", "route", "get", "192.0.2.1"], check=False)
    assert "Network is unreachable" in done.stderr


def test_the_base_is_a_busybox_container_ready_to_clone(fleet):
    out = host_script(
        fleet,
        "host-b",
        [
            ["lxc-ls", "-P", "/var/lib/bob/base", "-1"],
            ["grep", "udhcpc", "/var/lib/bob/base/base/rootfs/etc/init.d/rcS"],
            ["grep", "^lxc.net", "/var/lib/bob/base/base/config"],
            ["test", "-s", "/var/lib/bob/base/base/rootfs/etc/chef/client.pem"],
            ["ls", "/var/lib/bob"],
        ],
    )
    assert [
        "base",
        "# /bin/udhcpc",
        "lxc.net.0.type = empty",
        "base",
        "disk1",
        "disk2",
        "disk3",
    ] == (out.split("\n")[:-1])


def test_the_fleet_config_is_what_bob_will_load(fleet, options):
    assert expected_fleet(options) == load_fleet(fleet.config_path)


def test_a_clone_starts_with_a_memory_limit_because_the_host_sees_the_cgroups(fleet):
    disk = "/var/lib/bob/disk2"

    def lxc(tool: str, *args: str) -> list[str]:
        return [tool, "-P", disk, "-n", "limits", *args]

    limit = f"echo lxc.cgroup.memory.limit_in_bytes = 67108864 >> {disk}/limits/config"
    out = host_script(
        fleet,
        "host-a",
        [
            ["lxc-copy", "-P", "/var/lib/bob/base", "-n", "base", "-p", disk, "-N", "limits",
             "-s", "-B", "overlay"],
            ["sh", "-c", limit],
            lxc("lxc-start", "-d", "-o", f"{disk}/limits.log"),
            lxc("lxc-wait", "-s", "RUNNING", "-t", "5"),
            lxc("lxc-cgroup", "memory.limit_in_bytes"),
            lxc("lxc-stop", "-k"),
            lxc("lxc-destroy"),
            ["rm", f"{disk}/limits.log"],
        ],
    )  # fmt: skip
    assert "67108864" == out.splitlines()[0]


def test_a_clone_runs_the_machines_java_lent_read_only(fleet):
    """What makes a Bob a Jenkins agent: ``java`` works inside it, and it cannot change the JRE."""
    disk = "/var/lib/bob/disk3"

    def lxc(tool: str, *args: str) -> list[str]:
        return [tool, "-P", disk, "-n", "java", *args]

    touch = "touch /usr/lib/jvm/x 2>/dev/null && echo writable || echo read-only"
    out = host_script(
        fleet,
        "host-a",
        [
            ["lxc-copy", "-P", "/var/lib/bob/base", "-n", "base", "-p", disk, "-N", "java",
             "-s", "-B", "overlay"],
            lxc("lxc-start", "-d", "-o", f"{disk}/java.log"),
            lxc("lxc-wait", "-s", "RUNNING", "-t", "5"),
            lxc("lxc-attach", "--", "sh", "-c", "java -version 2>&1 | head -1"),
            lxc("lxc-attach", "--", "sh", "-c", touch),
            lxc("lxc-stop", "-k"),
            lxc("lxc-destroy"),
            ["rm", f"{disk}/java.log"],
        ],
    )  # fmt: skip
    version, writable = out.splitlines()
    assert version.startswith(("openjdk version", 'java version "'))
    assert "read-only" == writable


def test_status_shows_every_host_up_with_its_base(fleet):
    status = asyncio.run(sandbox_status(fleet.state_dir))
    assert status.up
    assert [("host-a", True, True, ("base/base",)), ("host-b", True, True, ("base/base",))] == [
        (h.name, h.namespace_exists, h.sshd_alive, h.containers) for h in status.hosts
    ]


def test_up_again_with_the_same_options_is_a_quick_no_op(fleet, options):
    pids = [our_pid(h) for h in host_layouts(options)]
    started = time.monotonic()
    again = asyncio.run(sandbox_up(options))
    # Nothing restarted: the same processes. The time bound only tells a health check from a
    # rebuild (minutes), with room for a loaded machine; how quick it is belongs in a bench.
    assert (fleet, pids) == (again, [our_pid(h) for h in host_layouts(options)])
    assert time.monotonic() - started < 20


def test_up_with_other_options_is_refused_and_changes_nothing(fleet, options):
    other = options.model_copy(update={"backend": "btrfs"})
    with pytest.raises(
        SandboxError, match=r"already up .* backend overlay.*Run `sandbox down` first"
    ):
        asyncio.run(sandbox_up(other))
    assert asyncio.run(sandbox_status(fleet.state_dir)).up


def test_another_sandbox_on_the_same_addresses_is_refused_before_anything_is_built(
    fleet, options, tmp_path
):
    other = options.model_copy(update={"prefix": "bobother", "state_dir": tmp_path / "other"})
    uplinks = f"10.250.{options.net_index}.0/24"
    with pytest.raises(SandboxError, match=f"routes in {uplinks}"):
        asyncio.run(sandbox_up(other))
    assert not other.state_dir.exists()
