"""Names, addresses and files of each sandbox host: pure functions of the options.

Host i (0-based) is ``host-{letter}`` in network namespace ``{prefix}-{letter}``. Its uplink is
a /30: root side ``10.250.N.(4i+1)``, host side ``10.250.N.(4i+2)`` (N = net_index); its bridge
``br0`` holds ``10.250.(N+i+1).1/24``, the gateway of the Bobs it runs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sandbox.options import SandboxOptions
from sandbox.paths import StatePaths

# Every address the sandbox configures lies in here; the root namespace blackholes the rest of it.
SANDBOX_NET = ipaddress.IPv4Network("10.250.0.0/16")
BRIDGE = "br0"
UPLINK = "uplink"
UPLINK_PREFIX = 30  # one /30 per host: root side .1, host side .2
# Inside each host: the storage root of the fleet config; lxcpaths are {root}/base, {root}/disk1…
STORAGE_ROOT = PurePosixPath("/var/lib/bob")
DISKS = (("disk1", 4), ("disk2", 5), ("disk3", 5))
BASE_LXCPATH = STORAGE_ROOT / "base"
BASE_NAME = "base"
BTRFS_IMAGE_SIZE = "2G"  # sparse: costs only what is written
# Every Bob's name lives here; each host's bridge subnet has its own reverse zone.
FORWARD_ZONE = "bob.test"


@dataclass(frozen=True)
class HostLayout:
    index: int
    letter: str
    name: str
    namespace: str
    root_veth: str
    root_ip: ipaddress.IPv4Address
    host_ip: ipaddress.IPv4Address
    bridge_net: ipaddress.IPv4Network
    datacenter: str
    dir: Path

    @property
    def gateway(self) -> ipaddress.IPv4Address:
        return self.bridge_net.network_address + 1

    @property
    def reverse_zone(self) -> str:
        a, b, c, _ = str(self.bridge_net.network_address).split(".")
        return f"{c}.{b}.{a}.in-addr.arpa"

    # files of this host, all under its own state directory
    @property
    def sshd_config(self) -> Path:
        return self.dir / "sshd_config"

    @property
    def host_key(self) -> Path:
        return self.dir / "ssh_host_ed25519_key"

    @property
    def pid_file(self) -> Path:
        return self.dir / "sshd.pid"

    @property
    def keeper_pid_file(self) -> Path:
        """The PID of the process holding the host's namespaces (see ``host_init``)."""
        return self.dir / "keeper.pid"

    @property
    def sshd_log(self) -> Path:
        return self.dir / "sshd.log"

    @property
    def init_log(self) -> Path:
        return self.dir / "init.log"

    @property
    def init_spec(self) -> Path:
        return self.dir / "init.json"

    @property
    def bashrc(self) -> Path:
        return self.dir / "bashrc"

    @property
    def storage_image(self) -> Path:
        return self.dir / "storage.btrfs"

    @property
    def storage_dir(self) -> Path:
        return self.dir / "storage"

    @property
    def lxc_dir(self) -> Path:
        """Over the host's /var/lib/lxc, so nothing lands in the machine's own."""
        return self.dir / "lxc"

    @property
    def run_lxc_dir(self) -> Path:
        return self.dir / "run-lxc"

    @property
    def cache_lxc_dir(self) -> Path:
        return self.dir / "cache-lxc"


def host_layouts(options: SandboxOptions) -> tuple[HostLayout, ...]:
    paths = StatePaths(options.state_dir)
    return tuple(_host(options, paths, i) for i in range(options.hosts))


def _host(options: SandboxOptions, paths: StatePaths, i: int) -> HostLayout:
    letter = chr(ord("a") + i)
    n = options.net_index
    layout = HostLayout(
        index=i,
        letter=letter,
        name=f"host-{letter}",
        namespace=f"{options.prefix}-{letter}",
        root_veth=f"v{options.prefix}-{letter}",
        root_ip=ipaddress.IPv4Address(f"10.250.{n}.{4 * i + 1}"),
        host_ip=ipaddress.IPv4Address(f"10.250.{n}.{4 * i + 2}"),
        bridge_net=ipaddress.IPv4Network(f"10.250.{n + i + 1}.0/24"),
        datacenter=f"sbx-{letter}",
        dir=paths.hosts_dir / letter,
    )
    # A typo here must fail loudly, not send packets somewhere real.
    for address in (layout.root_ip, layout.host_ip, layout.gateway):
        if address not in SANDBOX_NET:
            raise AssertionError(f"{address} is outside {SANDBOX_NET}")
    if not layout.bridge_net.subnet_of(SANDBOX_NET):
        raise AssertionError(f"{layout.bridge_net} is outside {SANDBOX_NET}")
    return layout
