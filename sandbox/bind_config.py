"""The sandbox's BIND server on paper: its files and names, pure functions of the options.

One ``named`` per sandbox, in ``<state_dir>/bind``: authoritative only (no recursion), on
127.0.0.1 at ``dns_port``, serving the forward zone ``bob.test`` and one reverse zone per host
subnet. One TSIG key may update and transfer them; nothing else may. The key's secret lives in
``<state_dir>/dns-tsig.key`` (the fleet config's ``tsig_secret_file``) and in named.conf, both
mode 0600.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from pathlib import Path

from sandbox.layout import FORWARD_ZONE, host_layouts
from sandbox.options import SandboxOptions
from sandbox.paths import StatePaths

ADDRESS = "127.0.0.1"
KEY_NAME = "bob-sandbox"
ALGORITHM = "hmac-sha256"
# The zones' name server: inside the forward zone, with an address record to loopback only.
NS_NAME = f"ns.{FORWARD_ZONE}."
HOSTMASTER = f"hostmaster.{FORWARD_ZONE}."
TTL = 300
SECRET_BYTES = 32  # as long as the SHA-256 output: more adds nothing to HMAC-SHA256


@dataclass(frozen=True)
class BindLayout:
    dir: Path
    key_file: Path
    port: int
    zones: tuple[str, ...]  # the forward zone first, then each host's reverse zone

    @property
    def conf(self) -> Path:
        return self.dir / "named.conf"

    @property
    def log(self) -> Path:
        return self.dir / "named.log"

    @property
    def pid_file(self) -> Path:
        """Written by named itself (``pid-file``), removed by it on a clean exit."""
        return self.dir / "named.pid"

    def zone_file(self, zone: str) -> Path:
        return self.dir / f"{zone}.db"

    def journal(self, zone: str) -> Path:
        """Where named records dynamic updates of ``zone`` (and replays them at start)."""
        return self.dir / f"{zone}.db.jnl"


def bind_layout(options: SandboxOptions) -> BindLayout:
    paths = StatePaths(options.state_dir)
    reverse = [layout.reverse_zone for layout in host_layouts(options)]
    return BindLayout(
        dir=paths.bind_dir,
        key_file=paths.tsig_key,
        port=options.dns_port,
        zones=(FORWARD_ZONE, *reverse),
    )


def new_secret() -> str:
    return base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def named_conf(bind: BindLayout, secret: str) -> str:
    acl = f'{{ key "{KEY_NAME}"; }}'
    zones = [
        f'zone "{zone}" {{ type primary; file "{bind.zone_file(zone).name}"; '
        f"allow-update {acl}; allow-transfer {acl}; }};"
        for zone in bind.zones
    ]
    return "\n".join(
        [
            f'key "{KEY_NAME}" {{ algorithm {ALGORITHM}; secret "{secret}"; }};',
            # no rndc channel: by default every named would want 127.0.0.1#953, and we stop it
            # by PID anyway
            "controls { };",
            "options {",
            f'    directory "{bind.dir}";',
            f'    pid-file "{bind.pid_file}";',
            # nothing outside our directory: no session key in /run/named, no managed keys in
            # /var/cache/bind
            "    session-keyfile none;",
            f'    managed-keys-directory "{bind.dir}";',
            f"    listen-on port {bind.port} {{ {ADDRESS}; }};",
            "    listen-on-v6 { none; };",
            # a second named on the same port gets a share of its UDP queries with reuseport
            "    reuseport no;",
            "    recursion no;",
            "    notify no;",
            "    dnssec-validation no;",
            "};",
            *zones,
            "",
        ]
    )


def zone_text(zone: str) -> str:
    """A fresh zone: SOA and NS only, plus the name server's loopback address in the forward
    zone (BIND refuses an in-zone NS without one)."""
    lines = [
        f"$ORIGIN {zone}.",
        f"$TTL {TTL}",
        f"@ IN SOA {NS_NAME} {HOSTMASTER} 1 3600 600 86400 {TTL}",
        f"@ IN NS {NS_NAME}",
    ]
    if zone == FORWARD_ZONE:
        lines.append(f"{NS_NAME} IN A {ADDRESS}")
    return "\n".join([*lines, ""])
