"""The sandbox's network: one namespace per host, a veth uplink to the root namespace, a bridge.

Nothing here ever configures an address outside 10.250.0.0/16, and the first thing ``up`` does
is blackhole that whole range in the root namespace: a wrong address then fails on the spot
instead of leaving the machine. The blackhole stays after ``down`` (harmless, and protective).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.layout import BRIDGE, SANDBOX_NET, UPLINK, UPLINK_PREFIX, HostLayout
from sandbox.runner import run

NETNS_DIR = Path("/run/netns")


async def ensure_blackhole() -> None:
    await run(["ip", "route", "replace", "blackhole", str(SANDBOX_NET)])


def netns_exists(namespace: str) -> bool:
    # `ip netns add` makes /run/netns/NAME; `ip netns list` only reads that directory too.
    return (NETNS_DIR / namespace).exists()


async def link_exists(name: str) -> bool:
    return (await run(["ip", "link", "show", "dev", name], check=False)).ok


async def route_exists(layout: HostLayout) -> bool:
    found = await run(["ip", "-4", "route", "show", "exact", str(layout.bridge_net)])
    return bool(found.stdout.strip())


async def netns_pids(namespace: str) -> list[int]:
    if not netns_exists(namespace):
        return []
    found = await run(["ip", "netns", "pids", namespace], check=False)
    return [int(word) for word in found.stdout.split() if word.isdigit()]


async def check_free(layouts: tuple[HostLayout, ...]) -> None:
    """Refuse to build over names or addresses in use (by another sandbox, say)."""
    taken = []
    for layout in layouts:
        if netns_exists(layout.namespace):
            taken.append(f"network namespace {layout.namespace}")
        if await link_exists(layout.root_veth):
            taken.append(f"interface {layout.root_veth}")
    # every /24 the sandbox will use: the uplinks' and each bridge's
    for net in sorted({_slash24(layouts[0].root_ip), *(h.bridge_net for h in layouts)}):
        routes = await run(["ip", "-4", "route", "show", "root", str(net)])
        if routes.stdout.strip():
            taken.append(f"routes in {net} ({routes.stdout.strip().splitlines()[0]}, …)")
    if taken:
        raise SandboxError(
            f"{'; '.join(taken)}: already in use, but not by a sandbox in this state directory. "
            "Run `sandbox down` with the state directory that made them, or choose another "
            "prefix/net_index."
        )


def _slash24(address: ipaddress.IPv4Address) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(f"{address}/24", strict=False)


async def create_host_network(layout: HostLayout) -> None:
    ns, veth = layout.namespace, layout.root_veth
    inside = ["ip", "-n", ns]
    await run(["ip", "netns", "add", ns])
    await run(["ip", "link", "add", veth, "type", "veth", "peer", "name", UPLINK, "netns", ns])
    await run(["ip", "addr", "add", f"{layout.root_ip}/{UPLINK_PREFIX}", "dev", veth])
    await run(["ip", "link", "set", veth, "up"])
    await run([*inside, "link", "set", "lo", "up"])
    await run([*inside, "addr", "add", f"{layout.host_ip}/{UPLINK_PREFIX}", "dev", UPLINK])
    await run([*inside, "link", "set", UPLINK, "up"])
    await run([*inside, "link", "add", BRIDGE, "type", "bridge"])
    await run([*inside, "addr", "add", f"{layout.gateway}/24", "dev", BRIDGE])
    await run([*inside, "link", "set", BRIDGE, "up"])
    # The host knows only the sandbox range (no default route): nothing is routed off the box.
    await run([*inside, "route", "add", str(SANDBOX_NET), "via", str(layout.root_ip)])
    # Per namespace: lets the root namespace (bob, tests) reach the Bobs behind the host.
    await run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
    # More specific than the blackhole, so only this subnet becomes reachable.
    await run(
        ["ip", "route", "replace", str(layout.bridge_net), "via", str(layout.host_ip), "dev", veth]
    )


async def remove_host_network(layout: HostLayout) -> list[str]:
    """Delete the veth, namespace and route of one host; whatever is already gone is skipped."""
    removed = []
    had_route = await route_exists(layout)
    # The veth first: deleting our end removes the pair (and the route through it) right away,
    # whereas a namespace's interfaces die asynchronously some time after `ip netns del`.
    if await link_exists(layout.root_veth):
        await _tolerate_gone(["ip", "link", "del", layout.root_veth], layout.root_veth)
        removed.append(f"interface {layout.root_veth}")
    if netns_exists(layout.namespace):
        await run(["ip", "netns", "del", layout.namespace])
        removed.append(f"network namespace {layout.namespace}")
    if await route_exists(layout):
        await run(["ip", "route", "del", str(layout.bridge_net), "via", str(layout.host_ip)])
    if had_route:
        removed.append(f"route {layout.bridge_net}")
    return removed


async def _tolerate_gone(argv: list[str], link: str) -> None:
    """Run a deletion that may race the kernel's own cleanup: fine if the link is gone after."""
    done = await run(argv, check=False)
    if not done.ok and await link_exists(link):
        await run(argv)
