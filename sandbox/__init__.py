"""The local sandbox fleet: physical hosts simulated by namespaces on this machine.

Why it is built this way: docs/design.md ("The sandbox") and docs/field-facts.md.

Each host is a network namespace with a veth uplink and a bridge for its Bobs, its own mount
and UTS namespace (cgroups remounted, LXC state and storage of its own) and its own sshd; bob
reaches it over SSH exactly like a real host, with the fleet config ``sandbox_up`` writes.
Beside them runs the sandbox's DNS: its own BIND on 127.0.0.1 (``dns_port``), authoritative
for ``bob.test`` and each host subnet's reverse zone, updated with a TSIG key (``dns_server``).

    sandbox_up(SandboxOptions(...)) -> SandboxInfo      build, or check the one already built
    sandbox_status(state_dir)       -> SandboxStatus
    sandbox_down(state_dir)         -> list[str]        remove everything up made; re-runnable
    stop_sshd(state_dir, host)      -> list[int]        fault drill: sshd and its sessions gone
    start_sshd(state_dir, host)     -> int              … and back, the host untouched meanwhile

Needs root and: lxc busybox-static openssh-server openssh-client btrfs-progs rsync iproute2
bind9 (debootstrap for ``base="debian"``). Failures raise ``SandboxError``.
"""

from sandbox.down import sandbox_down
from sandbox.drills import start_sshd, stop_sshd
from sandbox.errors import SandboxError
from sandbox.fleet_config import expected_fleet, render_fleet_config
from sandbox.options import (
    DEFAULT_DNS_PORT,
    DEFAULT_STATE_DIR,
    Backend,
    BaseKind,
    DnsStatus,
    HostInfo,
    HostStatus,
    SandboxInfo,
    SandboxOptions,
    SandboxStatus,
)
from sandbox.paths import StatePaths
from sandbox.status import sandbox_status
from sandbox.up import sandbox_up

__all__ = [
    "DEFAULT_DNS_PORT",
    "DEFAULT_STATE_DIR",
    "Backend",
    "BaseKind",
    "DnsStatus",
    "HostInfo",
    "HostStatus",
    "SandboxError",
    "SandboxInfo",
    "SandboxOptions",
    "SandboxStatus",
    "StatePaths",
    "expected_fleet",
    "render_fleet_config",
    "sandbox_down",
    "sandbox_status",
    "sandbox_up",
    "start_sshd",
    "stop_sshd",
]
