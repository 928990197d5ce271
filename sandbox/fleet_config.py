"""The fleet config bob uses to drive a sandbox: a pure function of the options.

``bot/defaults/sandbox.yaml`` is this document for the default options (a test holds them equal).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from provisioning.config import Fleet, parse_fleet
from sandbox import debian
from sandbox.bind_config import ADDRESS, ALGORITHM, KEY_NAME
from sandbox.layout import (
    BRIDGE,
    DISKS,
    FORWARD_ZONE,
    STORAGE_ROOT,
    HostLayout,
    host_layouts,
)
from sandbox.options import SandboxOptions
from sandbox.paths import StatePaths

HEADER = """\
# bob's fleet config for the local sandbox (network-namespace hosts on this machine),
# as written by `bob sandbox up`. Each host has its own bridge subnet, hence one datacenter each.
# DNS is the sandbox's own BIND on loopback; its TSIG secret is in the file dns.tsig_secret_file.
"""
SSH_CONNECT_TIMEOUT = 3
# A command every base has (busybox too), so the create pipeline's bootstrap step really runs.
BOOTSTRAP = ("uname", "-a")
DNS_TIMEOUT = 3
# Not the default BOB_DNS_TSIG_SECRET: a secret exported for a real DNS server would win over
# the sandbox's key file (see provisioning.dns.secret_from_env) and every update would fail.
TSIG_SECRET_ENV = "BOB_SANDBOX_TSIG_SECRET"  # noqa: S105 (a variable's name, not a secret)


def fleet_document(options: SandboxOptions) -> dict[str, Any]:
    paths = StatePaths(options.state_dir)
    layouts = host_layouts(options)
    return {
        "naming": {"prefix": "bob", "width": 3},
        "hosts": [_host(layout, options, paths) for layout in layouts],
        "subnets": [_subnet(layout) for layout in layouts],
        "bob_defaults": {
            "cgroup": {"memory": "256M"},
            "strip_identity": ["/etc/chef/client.pem"],
            "bootstrap": list(BOOTSTRAP),
        },
        "dns": {
            "server": ADDRESS,
            "port": options.dns_port,
            "tsig_key_name": KEY_NAME,
            "tsig_algorithm": ALGORITHM,
            "tsig_secret_env": TSIG_SECRET_ENV,
            "tsig_secret_file": str(paths.tsig_key),
            "allocation": "axfr",
            "timeout": DNS_TIMEOUT,
        },
        # bob's records of this fleet belong to the sandbox: `down` removes them with it
        "state_dir": str(paths.state_dir),
    }


def render_fleet_config(options: SandboxOptions) -> str:
    body = yaml.safe_dump(
        fleet_document(options), sort_keys=False, default_flow_style=None, width=110
    )
    return HEADER + body


def write_fleet_config(options: SandboxOptions) -> Path:
    """Write ``bob.yaml`` into the state directory, after checking bob accepts it."""
    text = render_fleet_config(options)
    path = StatePaths(options.state_dir).fleet_config
    parse_fleet(text, source=str(path))
    path.write_text(text, encoding="utf-8")
    return path


def expected_fleet(options: SandboxOptions) -> Fleet:
    return parse_fleet(render_fleet_config(options), source="sandbox options")


def _host(layout: HostLayout, options: SandboxOptions, paths: StatePaths) -> dict[str, Any]:
    return {
        "name": layout.name,
        "ssh": {
            "address": str(layout.host_ip),
            "port": 22,
            "user": "root",
            "known_hosts": str(paths.known_hosts),
            "key_file": str(paths.client_key),
            "connect_timeout": SSH_CONNECT_TIMEOUT,
        },
        "datacenter": layout.datacenter,
        "bridge": BRIDGE,
        "storage": {"backend": options.backend, "root": str(STORAGE_ROOT)},
        "disks": [{"name": name, "max_bobs": count} for name, count in DISKS],
        "base": _base(options),
    }


def _base(options: SandboxOptions) -> dict[str, Any]:
    """What `bob rebuild-base` builds there: the kind of base `sandbox up` made, with the same
    fix-ups (a rebuilt base that lost the JRE mounts would give Bobs that cannot be agents)."""
    lent = {"lxc_config": [f"lxc.include = {StatePaths(options.state_dir).jre_lxc_config}"]}
    if options.base == "debian":
        # The debootstrap cache `up` made: a golden tree every host can read.
        return {"source": {"kind": "directory", "path": str(debian.cached_rootfs(options))}, **lent}
    # busybox init runs udhcpc, which wipes the static address LXC gives a Bob.
    return {
        "source": {"kind": "template", "template": "busybox"},
        "disable_services": ["udhcpc"],
        **lent,
    }


def _subnet(layout: HostLayout) -> dict[str, Any]:
    return {
        "cidr": str(layout.bridge_net),
        "gateway": str(layout.gateway),
        "datacenter": layout.datacenter,
        "forward_zone": FORWARD_ZONE,
        "reverse_zone": layout.reverse_zone,
    }
