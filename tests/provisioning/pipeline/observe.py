"""What is really on the sandbox hosts, seen over SSH with the sandbox's own key and known_hosts.

Nothing here asks bob: these are the independent witnesses the pipeline tests compare bob's
claims against. Every value reaches the remote shell as a positional argument of a fixed script.
Only ``clear_bobs``, the cleanup after a failed test, goes through nsenter instead.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.query

from provisioning.config import load_fleet
from provisioning.dns import DnsClient, secret_from_env
from provisioning.dns.zone import reverse_zone
from sandbox import SandboxInfo, sshd, state
from sandbox.layout import DISKS, STORAGE_ROOT, host_layouts
from sandbox.mounts import SSHD
from sandbox.paths import StatePaths
from tests.sandbox.fixtures import host_ssh

DISK_NAMES = tuple(name for name, _ in DISKS)
IDENTITY_FILE = "/etc/chef/client.pem"  # the sandbox base has it; every Bob must not

# One line per container: "DISK NAME STATE IPV4".
_LIST = """
for disk in "$@"; do
  for name in $(lxc-ls -P "$0/$disk" -1); do
    state=$(lxc-info -P "$0/$disk" -n "$name" -s -H)
    address=$(lxc-info -P "$0/$disk" -n "$name" -i -H | head -n 1)
    echo "$disk $name $state ${address:--}"
  done
done
"""

# One NAME=VALUE line per fact about one running container.
_INSPECT = """
lxcpath=$1 name=$2 address=$3 identity=$4
in_bob() { lxc-attach -P "$lxcpath" -n "$name" -- "$@"; }
echo "state=$(lxc-info -P "$lxcpath" -n "$name" -s -H)"
if ping -c 1 -W 1 -q "$address" >/dev/null 2>&1; then echo pings=yes; else echo pings=no; fi
pid=$(lxc-info -P "$lxcpath" -n "$name" -p -H)
cgroup=$(sed -n 's/^[0-9]*:memory://p' "/proc/$pid/cgroup")
echo "memory_cgroup=$cgroup"
echo "memory_limit=$(cat "/sys/fs/cgroup/memory$cgroup/memory.limit_in_bytes")"
echo "hostname=$(in_bob hostname)"
echo "etc_hostname=$(in_bob cat /etc/hostname)"
echo "address=$(in_bob ip -4 -o addr show dev eth0 | sed -n 's|.* inet \\([0-9.]*\\)/.*|\\1|p')"
if in_bob test -e "$identity"; then echo identity=present; else echo identity=gone; fi
"""


@dataclass(frozen=True)
class Found:
    """A container found on a host by ``lxc-ls``."""

    host: str
    disk: str
    name: str
    state: str
    address: str | None


@dataclass(frozen=True)
class Inside:
    """One Bob as its host and its own processes see it."""

    state: str
    pings: bool
    memory_cgroup: str
    memory_limit: int
    hostname: str
    etc_hostname: str
    address: str
    identity_file_present: bool


def containers(info: SandboxInfo) -> list[Found]:
    """Every container in every disk lxcpath of every host (the base lives elsewhere)."""
    found = []
    for host in info.hosts:
        out = host_ssh(info, host.name, ["sh", "-c", _LIST, str(STORAGE_ROOT), *DISK_NAMES]).stdout
        for line in out.splitlines():
            disk, name, state, address = line.split()
            found.append(Found(host.name, disk, name, state, None if address == "-" else address))
    return sorted(found, key=lambda f: f.name)


# One line per entry of a disk directory: "DISK ENTRY".
_ENTRIES = """
for disk in "$@"; do
  for entry in "$0/$disk"/* "$0/$disk"/.[!.]*; do
    if [ -e "$entry" ]; then echo "$disk ${entry##*/}"; fi
  done
done
"""


def disk_entries(info: SandboxInfo) -> dict[str, list[str]]:
    """``host:disk`` → what is in that disk's directory (container dirs, logs, deltas …)."""
    entries: dict[str, list[str]] = {}
    for host in info.hosts:
        argv = ["sh", "-c", _ENTRIES, str(STORAGE_ROOT), *DISK_NAMES]
        lines = [line.split() for line in host_ssh(info, host.name, argv).stdout.splitlines()]
        for disk in DISK_NAMES:
            entries[f"{host.name}:{disk}"] = [entry for d, entry in lines if d == disk]
    return entries


def nothing_on_disks(info: SandboxInfo) -> dict[str, list[str]]:
    """What ``disk_entries`` is when no Bob (nor any trace of one) is on any host."""
    return {f"{host.name}:{disk}": [] for host in info.hosts for disk in DISK_NAMES}


def inspect(info: SandboxInfo, host: str, disk: str, name: str, address: str) -> Inside:
    """Facts about one Bob; a fact that cannot be read comes back empty (or -1), not raised."""
    lxcpath = f"{STORAGE_ROOT}/{disk}"
    argv = ["sh", "-c", _INSPECT, "inspect", lxcpath, name, address, IDENTITY_FILE]
    out = host_ssh(info, host, argv, check=False).stdout
    facts = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    limit = facts.get("memory_limit", "")
    return Inside(
        state=facts.get("state", ""),
        pings=facts.get("pings") == "yes",
        memory_cgroup=facts.get("memory_cgroup", ""),
        memory_limit=int(limit) if limit.isdigit() else -1,
        hostname=facts.get("hostname", ""),
        etc_hostname=facts.get("etc_hostname", ""),
        address=facts.get("address", ""),
        identity_file_present=facts.get("identity") != "gone",
    )


def run_on(info: SandboxInfo, host: str, *argv: str) -> str:
    return host_ssh(info, host, list(argv)).stdout


# Kill and remove every container of every disk (never the base: it lives elsewhere).
_CLEAR = """
for disk in "$@"; do
  for name in $(lxc-ls -P "$0/$disk" -1); do
    lxc-stop -P "$0/$disk" -n "$name" -k
    lxc-wait -P "$0/$disk" -n "$name" -s STOPPED -t 5
    lxc-destroy -P "$0/$disk" -n "$name" -f ||
      { sleep 0.2; lxc-destroy -P "$0/$disk" -n "$name" -f; }
  done
  rm -f "$0/$disk"/.*.bob-clone
done
"""


def clear_bobs(info: SandboxInfo) -> None:
    """Kill and remove every container (and clone mark) on the hosts' disks: what a failed
    test, or a host that stayed away, left behind.

    Through nsenter on the process holding each host's namespaces, not SSH: quick, and it works
    while a test has the host's sshd stopped.
    """
    options = state.read(StatePaths(info.state_dir))
    assert options is not None, f"no sandbox in {info.state_dir}"
    for layout in host_layouts(options):
        pid = sshd.keeper_pid(layout) or sshd.our_pid(layout)
        assert pid is not None, f"{layout.name} is not running"
        nsenter = ["nsenter", "--target", str(pid), "--mount", "--net", "--uts", "--"]
        argv = [*nsenter, "sh", "-c", _CLEAR, str(STORAGE_ROOT), *DISK_NAMES]
        subprocess.run(argv, capture_output=True, timeout=60, check=False)


def clear_dns(info: SandboxInfo) -> None:
    """Remove every Bob's records (A, PTR and their bob tags) from the sandbox's zones: what a
    failed test, or one that left a Bob behind, would otherwise hand the next test as names
    and addresses already taken. Hand-made records stay (release deletes by value)."""
    asyncio.run(_clear_dns(info))


async def _clear_dns(info: SandboxInfo) -> None:
    fleet = load_fleet(info.config_path)
    if fleet.dns is None:
        return
    client = DnsClient(fleet.dns, secret_from_env(fleet.dns))
    for subnet in fleet.subnets:
        forward, reverse = subnet.forward_zone, reverse_zone(subnet)
        records = await client.axfr(forward)
        tagged = {r.name for r in records if r.type == "TXT" and r.data.startswith("bob ")}
        for r in records:
            if r.type == "A" and r.name in tagged and ipaddress.IPv4Address(r.data) in subnet.cidr:
                label = r.name.removesuffix(f".{forward}")
                await client.release(label, ipaddress.IPv4Address(r.data), forward, reverse)


def strays_on_hosts(info: SandboxInfo) -> dict[str, list[str]]:
    """Per host, the processes in its network namespace besides its keeper and its sshd.

    With no Bob on a host this is empty: no lxc monitor, no lxc-attach, no command bob ran
    that outlived the session that started it.
    """
    options = state.read(StatePaths(info.state_dir))
    assert options is not None
    strays: dict[str, list[str]] = {}
    for layout in host_layouts(options):
        keeper = sshd.keeper_pid(layout)
        assert keeper is not None
        namespace = os.readlink(f"/proc/{keeper}/ns/net")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == keeper:
                continue
            try:
                if os.readlink(entry / "ns" / "net") != namespace:
                    continue
                exe = os.readlink(entry / "exe")
                argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                continue  # gone meanwhile, or a kernel thread
            if exe != SSHD:
                strays.setdefault(layout.name, []).append(f"{entry.name} {argv}")
    return strays


def resolve(server: str, port: int, name: str, rdtype: str) -> list[str]:
    """A plain DNS query, the way any client on the machine would ask."""
    query = dns.message.make_query(name, rdtype)
    answer = dns.query.udp(query, server, port=port, timeout=3.0)
    return sorted(r.to_text() for rrset in answer.answer for r in rrset)
