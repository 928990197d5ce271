"""What ``sandbox up`` is asked for, and what the sandbox functions report back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from provisioning.sandbox.paths import StatePaths

Backend = Literal["overlay", "btrfs", "dir"]
BaseKind = Literal["busybox", "debian"]

DEFAULT_STATE_DIR = Path("/var/lib/bob-sandbox")
MAX_HOSTS = 8


class SandboxOptions(BaseModel):
    """The shape of a sandbox fleet.

    ``prefix`` and ``net_index`` exist so that several sandboxes can live on one machine (a
    developer's, and the tests'): namespaces are ``{prefix}-a``, ``{prefix}-b``, … and root-side
    veths ``v{prefix}-a``, …, all global names; every address is ``10.250.X.Y`` where the
    uplinks use ``X = net_index`` and host i's bridge subnet is ``X = net_index + i + 1``. The
    defaults (``bobhost``, 0) give the layout of DESIGN §4 and ``bot/defaults/sandbox.yaml``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    hosts: int = Field(default=2, ge=1, le=MAX_HOSTS)
    backend: Backend = "overlay"
    base: BaseKind = "busybox"
    state_dir: Path = DEFAULT_STATE_DIR
    # "v" + prefix + "-a" must fit Linux's 15-character interface names.
    prefix: str = Field(default="bobhost", pattern=r"^[a-z][a-z0-9]{0,11}$")
    net_index: int = Field(default=0, ge=0, le=255 - MAX_HOSTS)
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

    def shape(self) -> tuple[int, str, str, str, int]:
        return (self.hosts, self.backend, self.base, self.prefix, self.net_index)

    def describe(self) -> str:
        text = f"{self.hosts} host(s), backend {self.backend}, base {self.base}"
        if (self.prefix, self.net_index) != ("bobhost", 0):
            text += f", prefix {self.prefix}, net_index {self.net_index}"
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

    @property
    def key_file(self) -> Path:
        return StatePaths(self.state_dir).client_key

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
class SandboxStatus:
    state_dir: Path
    options: SandboxOptions | None  # None: no sandbox recorded in state_dir
    hosts: tuple[HostStatus, ...]

    @property
    def up(self) -> bool:
        return bool(self.hosts) and all(h.namespace_exists and h.sshd_alive for h in self.hosts)
