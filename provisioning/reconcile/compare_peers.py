"""Pure: the DNS zones and the Jenkins controllers against bob's records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from provisioning.config.models import Fleet, Subnet
from provisioning.core.names import parse_number
from provisioning.dns.port import ZoneRecord
from provisioning.dns.tags import tagged_owners
from provisioning.dns.zone import address_of, reverse_zone
from provisioning.reconcile.compare_hosts import after_containers
from provisioning.reconcile.context import Context
from provisioning.reconcile.model import Finding, Kind, Repair, address
from provisioning.records import BobRecord, BobState


def dns(fleet: Fleet, ctx: Context, found: Sequence[Finding]) -> list[Finding]:
    truth = ctx.truth
    if not truth.zones:
        return []
    stale = {r.name for r in ctx.stale()}
    known = {b.name for b in truth.bobs} | ctx.busy
    known |= {r.name for r in truth.reservations if r.name not in stale}
    # A name without a record may still have a container on any host: its address is in use
    # until every host has been seen without one.
    every_host = frozenset(f"host:{h.name}" for h in fleet.hosts)
    orphans: dict[str, set[str]] = {}  # name → addresses its records point at
    read_from: dict[str, set[str]] = {}  # name → zones its records were read from
    for zone, records in truth.zones.items():
        for owner, tags in tagged_owners(records).items():
            for tag in tags:
                if tag.name in known:
                    continue
                spots = orphans.setdefault(tag.name, set())
                read_from.setdefault(tag.name, set()).add(f"dns:{zone}")
                if (ip := address_of(owner)) is not None:
                    spots.add(str(ip))
                spots |= {r.data for r in records if r.name == owner and r.type == "A"}
    result: list[Finding] = []
    for name, spots in sorted(orphans.items()):
        for spot in sorted(spots) or [""]:
            subnet = _subnet(fleet, spot)
            finding = Finding(
                Kind.DNS_WITHOUT_BOB,
                name,
                f"bob's DNS records for {name}"
                + (f" at {spot}" if spot else "")
                + ", but no such Bob",
                repair=Repair.RELEASE_DNS if subnet is not None else None,
                args=_zones(subnet, spot),
                depends=every_host | read_from[name],
            )
            result.append(after_containers(finding, ctx, found))
    present = _present(truth.zones)
    for bob in ctx.bobs:
        if bob.ip is None or bob.state is not BobState.READY:
            continue
        subnet = _subnet(fleet, str(bob.ip))
        if subnet is None or subnet.forward_zone not in truth.zones:
            continue
        if ctx.container_seen(bob) is False:
            continue  # not a whole Bob: its records are completed only if it is there
        missing = _missing_records(bob, subnet, present, ctx)
        if missing:
            result.append(
                Finding(
                    Kind.BOB_WITHOUT_DNS,
                    bob.name,
                    f"no {' or '.join(missing)} record for {bob.ip}",
                    bob.host,
                    bob.disk,
                    Repair.REGISTER_DNS,
                    {**_zones(subnet, str(bob.ip)), "job_id": bob.job_id or "reconcile"},
                    depends=frozenset(
                        {f"host:{bob.host}", f"dns:{subnet.forward_zone}"}
                        | {f"dns:{reverse_zone(subnet)}"}
                    ),
                )
            )
    return result


def _missing_records(
    bob: BobRecord, subnet: Subnet, present: set[tuple[str, str, str]], ctx: Context
) -> list[str]:
    fqdn = f"{bob.name}.{subnet.forward_zone}"
    missing = []
    if (fqdn, "A", str(bob.ip)) not in present:
        missing.append("A")
    if reverse_zone(subnet) in ctx.truth.zones and (str(bob.ip), "PTR", fqdn) not in present:
        missing.append("PTR")
    return missing


def _present(zones: dict[str, list[ZoneRecord]]) -> set[tuple[str, str, str]]:
    """Every A as (name, "A", address) and every PTR as (address, "PTR", name): looked up once
    per Bob instead of scanning every record for each."""
    present: set[tuple[str, str, str]] = set()
    for records in zones.values():
        for r in records:
            if r.type == "A":
                present.add((r.name, "A", r.data))
            elif r.type == "PTR" and (ip := address_of(r.name)) is not None:
                present.add((str(ip), "PTR", r.data.rstrip(".")))
    return present


def jenkins(fleet: Fleet, ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    by_name = {b.name: b for b in ctx.bobs}
    every = {b.name: b for b in ctx.truth.bobs}
    for controller, nodes in sorted(ctx.truth.nodes.items()):
        read = frozenset({f"jenkins:{controller}"})
        for node in nodes:
            if not node.managed:
                if parse_number(node.name, fleet.naming) is not None:
                    found.append(_foreign_node(controller, node.name, every.get(node.name)))
                continue
            if node.name in ctx.busy:
                continue
            bob = by_name.get(node.name)
            if bob is None and node.name not in every:
                found.append(
                    Finding(
                        Kind.NODE_WITHOUT_BOB,
                        node.name,
                        f"an agent bob made on {controller}, but no such Bob",
                        repair=Repair.REMOVE_NODE,
                        args={"controller": controller},
                        depends=read,
                    )
                )
            elif bob is not None and (bob.controller, bob.label) != (controller, node.labels):
                if ctx.container_seen(bob) is False:
                    continue  # not a whole Bob: a destroy, not a record, is its repair
                recorded = f"{bob.controller}/{bob.label}" if bob.controller else "not attached"
                found.append(
                    Finding(
                        Kind.ATTACHMENT_NOT_RECORDED,
                        node.name,
                        f"an agent of {controller} as {node.labels}; bob's records say {recorded}",
                        bob.host,
                        bob.disk,
                        Repair.RECORD_ATTACHMENT,
                        {"controller": controller, "label": node.labels},
                        depends=read | {f"host:{bob.host}"},
                    )
                )
    for bob in ctx.bobs:
        if bob.controller is None or bob.controller not in ctx.truth.nodes:
            continue
        if not any(n.name == bob.name for n in ctx.truth.nodes[bob.controller]):
            found.append(
                Finding(
                    Kind.RECORDED_ATTACHMENT_GONE,
                    bob.name,
                    f"recorded as an agent of {bob.controller}, which has no such node",
                    bob.host,
                    bob.disk,
                    Repair.CLEAR_ATTACHMENT,
                    {"controller": bob.controller},
                    depends=frozenset({f"jenkins:{bob.controller}"}),
                )
            )
    return found


def _foreign_node(controller: str, name: str, bob: BobRecord | None) -> Finding:
    """A node someone made by hand with a Bob's name: reported, never touched."""
    if bob is None:
        about = "no Bob of that name"
    elif bob.controller == controller:
        about = f"bob's records say {name} is attached here, but not through a node bob made"
    else:
        about = f"Bob {name} exists and is not attached through this node"
    return Finding(
        Kind.FOREIGN_NODE,
        name,
        f"a node on {controller} named like a Bob that bob did not make; {about}",
        bob.host if bob else None,
        bob.disk if bob else None,
        args={"controller": controller},
        depends=frozenset({f"jenkins:{controller}"}),
    )


def offline_agents(fleet: Fleet, ctx: Context) -> list[Finding]:
    """Agents of existing Bobs that have stayed offline longer than their controller allows."""
    found: list[Finding] = []
    where = {b.name: b for b in ctx.bobs}
    for config in fleet.jenkins:
        limit = timedelta(seconds=config.offline_after_s)
        for name, since in sorted(ctx.truth.offline_since.get(config.name, {}).items()):
            bob = where.get(name)
            if bob is None or ctx.truth.read_at - since < limit:
                continue
            minutes = int((ctx.truth.read_at - since).total_seconds() // 60)
            found.append(
                Finding(
                    Kind.AGENT_OFFLINE,
                    name,
                    f"agent of {config.name} offline since {since:%Y-%m-%d %H:%M} UTC "
                    f"({minutes} min, more than {config.offline_after_s:g} s)",
                    bob.host,
                    bob.disk,
                    depends=frozenset({f"jenkins:{config.name}"}),
                )
            )
    return found


def _subnet(fleet: Fleet, spot: str) -> Subnet | None:
    ip = address(spot)
    return next((s for s in fleet.subnets if ip is not None and ip in s.cidr), None)


def _zones(subnet: Subnet | None, spot: str) -> dict[str, str]:
    if subnet is None:
        return {}
    return {
        "address": spot,
        "forward_zone": subnet.forward_zone,
        "reverse_zone": reverse_zone(subnet),
    }
