"""A clone's LXC config: keep what the base had, replace everything bob owns.

``lxc-copy`` rewrites the name, hwaddr and rootfs path but keeps the base's network lines, and a
repeated ``lxc.net.0.ipv4.address`` makes ``lxc-start`` fail with "File exists" — so every
network, cgroup and hook line is dropped and written exactly once.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from provisioning.config.models import CgroupLimits
from provisioning.lxc.cgroups import CgroupLayout, limit_lines

MARKER = "# bob:"
# Which base a clone came from (provisioning.bases.versions.base_marker): kept, it is the
# clone's history, not something bob renders.
BASE_MARKER = "# bob: base "
_OWNED_PREFIXES = (
    "lxc.net.",
    "lxc.cgroup.",
    "lxc.cgroup2.",
    "lxc.hook.",
    "lxc.uts.name",
    "lxc.start.",
)


@dataclass(frozen=True)
class Autostart:
    """When a host boots, lxc-autostart starts its Bobs disk by disk (one lxcpath per run), in
    ``order`` (lowest first), waiting ``delay`` seconds after each one."""

    order: int
    delay: int

    @property
    def values(self) -> tuple[str, str, str]:
        """What its lines set lxc.start.auto, .order and .delay to."""
        return ("1", str(self.order), str(self.delay))

    def lines(self) -> list[str]:
        return [
            "lxc.start.auto = 1",
            f"lxc.start.order = {self.order}",
            f"lxc.start.delay = {self.delay}",
        ]


@dataclass(frozen=True)
class NetworkSpec:
    bridge: str
    address: ipaddress.IPv4Address
    prefix_length: int
    gateway: ipaddress.IPv4Address

    @property
    def hwaddr(self) -> str:
        """Locally administered (02:…) and derived from the address, so unique per Bob."""
        return "02:00:" + ":".join(f"{octet:02x}" for octet in self.address.packed)


def render(
    base_config: str,
    *,
    name: str,
    job_id: str,
    network: NetworkSpec,
    limits: CgroupLimits,
    layout: CgroupLayout,
    hooks: Mapping[str, str],
    autostart: Autostart,
    rootfs_path: str | None = None,
    mounts: Sequence[str] = (),
) -> str:
    """The clone's config. ``rootfs_path`` replaces the base's (needed where lxc-copy did not
    write the clone's config itself, as for LVM volumes). ``mounts``: bob's own mount and hook
    lines (the wormhole, host paths), written once however often the config is rendered."""
    owned = (*_OWNED_PREFIXES, "lxc.rootfs.path") if rootfs_path else _OWNED_PREFIXES
    kept = [
        line
        for line in base_config.splitlines()
        if not line.strip().startswith(owned)
        and (not line.startswith(MARKER) or line.startswith(BASE_MARKER))
        and line.strip() not in mounts
    ]
    while kept and not kept[-1].strip():
        kept.pop()
    ours = [
        f"{MARKER} managed by bob: name={name} job={job_id}",
        f"lxc.uts.name = {name}",
        *([f"lxc.rootfs.path = {rootfs_path}"] if rootfs_path else []),
        "lxc.net.0.type = veth",
        f"lxc.net.0.link = {network.bridge}",
        "lxc.net.0.flags = up",
        "lxc.net.0.name = eth0",
        f"lxc.net.0.hwaddr = {network.hwaddr}",
        f"lxc.net.0.ipv4.address = {network.address}/{network.prefix_length}",
        f"lxc.net.0.ipv4.gateway = {network.gateway}",
        *limit_lines(limits, layout),
        *(f"lxc.hook.{kind} = {path}" for kind, path in sorted(hooks.items())),
        *mounts,
        *autostart.lines(),
    ]
    return "\n".join([*kept, "", *ours]) + "\n"


def owner_of(config: str) -> tuple[str, str] | None:
    """(name, job id) from the marker bob wrote, or None for a container bob did not configure."""
    for line in config.splitlines():
        if line.startswith(f"{MARKER} managed by bob:"):
            fields = dict(part.split("=", 1) for part in line.split()[4:] if "=" in part)
            if "name" in fields and "job" in fields:
                return fields["name"], fields["job"]
    return None


def with_autostart(config: str, autostart: Autostart) -> str:
    """``config`` with its lxc.start.* lines replaced by ``autostart``'s, everything else kept."""
    kept = [line for line in config.splitlines() if not line.strip().startswith("lxc.start.")]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join([*kept, *autostart.lines()]) + "\n"
