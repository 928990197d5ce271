"""What ``sandbox up`` is asked for, and what the sandbox functions report back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sandbox.paths import StatePaths

Backend = Literal["overlay", "btrfs", "dir"]
BaseKind = Literal["busybox", "debian"]

DEFAULT_STATE_DIR = Path("/var/lib/bob-sandbox")
MAX_HOSTS = 8
# The sandbox's BIND listens on 127.0.0.1 here. Fixed, because the embedded default config
# names it; unprivileged, below Linux's ephemeral range (32768+) and off the usual DNS
# alternates (5353 mDNS, 8600 Consul, 10053 kube-dns). Tests pass a free port instead.
DEFAULT_DNS_PORT = 15053


class SandboxOptions(BaseModel):
    """The shape of a sandbox fleet.

    ``prefix`` and ``net_index`` exist so that several sandboxes can live on one machine (a
    developer's, and the tests'): namespaces are ``{prefix}-a``, ``{prefix}-b``, … and root-side
    veths ``v{prefix}-a``, …, all global names; every address is ``10.250.X.Y`` where the
    uplinks use ``X = net_index`` and host i's bridge subnet is ``X = net_index + i + 1``. The
    defaults (``bobhost``, 0) give the default layout of ``bot/defaults/sandbox.yaml``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    hosts: int = Field(default=2, ge=1, le=MAX_HOSTS)
    backend: Backend = "overlay"
    base: BaseKind = "busybox"
    state_dir: Path = DEFAULT_STATE_DIR
    # "v" + prefix + "-a" must fit Linux's 15-character interface names.
    prefix: str = Field(default="bobhost", pattern=r"^[a-z][a-z0-9]{0,11}$")
    net_index: int = Field(default=0, ge=0, le=255 - MAX_HOSTS)
    dns_port: int = Field(default=DEFAULT_DNS_PORT, ge=1024, le=65535)
    # Only used for base=debian; debootstrap's result is cached there across up/down cycles.
    debian_mirror: str = Field(default="http://deb.debian.org/debian", pattern=r"^https?://\S+$")
    cache_dir: Path = Path("/var/cache/bob-sandbox")

    @model_validator(mode="after")
    def _paths_usable(self) -> SandboxOptions:
        for name, path in (("state_dir", self.state_dir), ("cache_dir", self.cache_dir)):
            # sshd_config and LXC configs take paths unquoted: refuse what they would split.
            if not path.is_absolute() or any(c.isspace() for c in str(path)):
                raise ValueError(f"{name} must be an absolute path without spaces: {path}")
        return self

    def same_fleet(self, other: SandboxOptions) -> bool:
        """Whether ``other`` asks for the fleet these options built (mirror and cache aside)."""
        return self.shape() == other.shape()

    def shape(self) -> tuple[int, str, str, str, int, int]:
        # dns_port too: the fleet config names it, so another port is another sandbox
        return (self.hosts, self.backend, self.base, self.prefix, self.net_index, self.dns_port)

    def describe(self) -> str:
        text = f"{self.hosts} host(s), backend {self.backend}, base {self.base}"
        if (self.prefix, self.net_index) != ("bobhost", 0):
            text += f", prefix {self.prefix}, net_index {self.net_index}"
        if self.dns_port != DEFAULT_DNS_PORT:
            text += f", dns_port {self.dns_port}"
        return text


@dataclass(frozen=True)
class HostInfo:
    name: str
    namespace: str
    address: str


@dataclass(frozen=True)
class SandboxInfo:
    """A running sandbox: where its fleet config is, and its hosts."""

    config_path: Path
    hosts: tuple[HostInfo, ...]
    backend: Backend
    base: BaseKind
    state_dir: Path
    dns_port: int  # the sandbox's BIND, on 127.0.0.1

    @property
    def key_file(self) -> Path:
        return StatePaths(self.state_dir).client_key

    @property
    def tsig_key_file(self) -> Path:
        """The base64 TSIG secret that signs updates and transfers of the sandbox's zones."""
        return StatePaths(self.state_dir).tsig_key

    @property
    def known_hosts(self) -> Path:
        return StatePaths(self.state_dir).known_hosts


@dataclass(frozen=True)
class HostStatus:
    name: str
    namespace: str
    address: str
    namespace_exists: bool
    sshd_alive: bool
    # "lxcpath-name/container", e.g. "base/base", "disk1/bob001"
    containers: tuple[str, ...]


@dataclass(frozen=True)
class DnsStatus:
    address: str
    port: int
    pid: int | None  # our named, if it runs
    unanswered: tuple[str, ...]  # zones that gave no authoritative SOA (all of them if no pid)

    @property
    def alive(self) -> bool:
        return self.pid is not None and not self.unanswered


@dataclass(frozen=True)
class SandboxStatus:
    state_dir: Path
    options: SandboxOptions | None  # None: no sandbox recorded in state_dir
    hosts: tuple[HostStatus, ...]
    dns: DnsStatus | None = None  # None: no sandbox recorded in state_dir

    @property
    def up(self) -> bool:
        hosts_up = all(h.namespace_exists and h.sshd_alive for h in self.hosts)
        return bool(self.hosts) and hosts_up and self.dns is not None and self.dns.alive
