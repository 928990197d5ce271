"""Pure: where the systems disagree with bob's records, and how each difference can be repaired.

Names a running job is working on are left out: a container half-cloned by a live job is not an
orphan. Everything else that is not exactly as the records say is a finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from provisioning.bases.versions import referenced_bases
from provisioning.config.models import Fleet, Subnet
from provisioning.dns.port import ZoneRecord
from provisioning.dns.tags import tagged_owners
from provisioning.dns.zone import address_of, reverse_zone
from provisioning.lxc.layout import base_path
from provisioning.reconcile.model import Finding, Kind, Repair, Truth, address
from provisioning.records import BobRecord, BobState

# A Bob in these states has (or should have) a container on its host.
_HAS_CONTAINER = frozenset({BobState.READY, BobState.FAILED})


def in_progress(truth: Truth) -> set[str]:
    """Every name an unfinished job may be working on."""
    live = {j.id for j in truth.unfinished}
    names = {r.name for r in truth.reservations if r.job_id in live}
    names |= {b.name for b in truth.bobs if b.job_id in live}
    for job in truth.unfinished:
        names |= set(_names_in(job.params))
    return names


def compare(fleet: Fleet, truth: Truth) -> list[Finding]:
    busy = in_progress(truth)
    bobs = [b for b in truth.bobs if b.name not in busy]
    findings: list[Finding] = [
        Finding(Kind.UNREADABLE, what, f"could not be read: {why}")
        for what, why in sorted(truth.errors.items())
    ]
    findings += _containers(truth, bobs, busy)
    findings += _records(truth, bobs)
    findings += _reservations(truth, busy)
    findings += _dns(fleet, truth, bobs, busy)
    findings += _jenkins(truth, bobs, busy)
    findings += _offline_agents(fleet, truth, bobs, busy)
    findings += _bases(fleet, truth)
    return findings


def _bases(fleet: Fleet, truth: Truth) -> list[Finding]:
    """Old base versions no clone uses: what collection would have removed, left behind."""
    found: list[Finding] = []
    live = {j.id for j in truth.unfinished}
    for host, scan in sorted(truth.hosts.items()):
        state = scan.bases
        if state is None or state.lock is not None or state.lock_text is not None:
            continue  # no bases, or a rebuild holds the host (it collects when done)
        if any(r.host == host and r.job_id in live for r in truth.reservations):
            continue  # a clone may have read the old pointer just before a swap
        hostcfg = fleet.host(host)
        old = state.old_versions()
        in_use = referenced_bases(scan.rootfs_lines, str(base_path(hostcfg)))
        if hostcfg.storage.backend == "overlay":
            in_use |= {
                old[b.base_version] for b in truth.bobs if b.host == host and b.base_version in old
            }
        found += [
            Finding(
                Kind.BASE_UNREFERENCED,
                name,
                f"old base v{version} that no clone uses (current: {state.current})",
                host,
                repair=Repair.REMOVE_BASE,
            )
            for version, name in sorted(old.items())
            if name not in in_use
        ]
    return found


def _containers(truth: Truth, bobs: list[BobRecord], busy: set[str]) -> list[Finding]:
    where = {b.name: (b.host, b.disk) for b in bobs}
    found: list[Finding] = []
    for host, scan in sorted(truth.hosts.items()):
        for c in scan.containers:
            if c.name in busy:
                continue
            if where.get(c.name) == (host, c.disk):
                continue
            mark = scan.marks.get((c.disk, c.name))
            if c.owner_job is None and mark is None:
                found.append(
                    Finding(
                        Kind.FOREIGN_CONTAINER,
                        c.name,
                        f"a container ({c.state}) bob did not make, in bob's disk directory",
                        host,
                        c.disk,
                    )
                )
                continue
            elsewhere = where.get(c.name)
            detail = f"container ({c.state}) made by job {c.owner_job or mark}, " + (
                f"but bob's records put {c.name} on {elsewhere[0]}/{elsewhere[1]}"
                if elsewhere
                else "no Bob or reservation of that name"
            )
            found.append(
                Finding(
                    Kind.CONTAINER_WITHOUT_RECORD,
                    c.name,
                    detail,
                    host,
                    c.disk,
                    Repair.REMOVE_CONTAINER,
                )
            )
        present = {(c.disk, c.name) for c in scan.containers}
        for (disk, name), job in sorted(scan.marks.items()):
            if name not in busy and (disk, name) not in present:
                found.append(
                    Finding(
                        Kind.CLONE_MARK_LEFT,
                        name,
                        f"clone mark of job {job} with no container",
                        host,
                        disk,
                        Repair.REMOVE_MARK,
                    )
                )
    return found


def _records(truth: Truth, bobs: list[BobRecord]) -> list[Finding]:
    found: list[Finding] = []
    live = {j.id for j in truth.unfinished}
    for bob in bobs:
        if bob.state in (BobState.CREATING, BobState.DESTROYING) and bob.job_id not in live:
            found.append(
                Finding(
                    Kind.RECORD_STUCK,
                    bob.name,
                    f"recorded as {bob.state.value} but no job is working on it",
                    bob.host,
                    bob.disk,
                    Repair.DESTROY_BOB,
                )
            )
            continue
        scan = truth.hosts.get(bob.host)
        if scan is None or bob.state not in _HAS_CONTAINER:
            continue  # host not read (an UNREADABLE finding says so) or nothing to expect
        seen = next((c for c in scan.containers if (c.disk, c.name) == (bob.disk, bob.name)), None)
        if seen is None:
            found.append(
                Finding(
                    Kind.RECORD_WITHOUT_CONTAINER,
                    bob.name,
                    f"recorded as {bob.state.value}, but there is no container",
                    bob.host,
                    bob.disk,
                    Repair.DESTROY_BOB,
                )
            )
        elif bob.state is BobState.READY and seen.state != "RUNNING":
            found.append(
                Finding(
                    Kind.CONTAINER_NOT_RUNNING,
                    bob.name,
                    f"ready in bob's records, but its container is {seen.state}",
                    bob.host,
                    bob.disk,
                )
            )
    return found


def _reservations(truth: Truth, busy: set[str]) -> list[Finding]:
    return [
        Finding(
            Kind.STALE_RESERVATION,
            r.name,
            f"still reserved by job {r.job_id}, which is over"
            + (f" ({r.ip})" if r.ip is not None else ""),
            r.host,
            r.disk,
            Repair.RELEASE_RESERVATION,
            {"job_id": r.job_id},
        )
        for r in truth.reservations
        if r.job_id in truth.finished_jobs and r.name not in busy
    ]


def _dns(fleet: Fleet, truth: Truth, bobs: list[BobRecord], busy: set[str]) -> list[Finding]:
    if not truth.zones:
        return []
    known = {b.name for b in truth.bobs} | {r.name for r in truth.reservations} | busy
    found: list[Finding] = []
    orphans: dict[str, set[str]] = {}  # name → addresses its records point at
    for records in truth.zones.values():
        for owner, tags in tagged_owners(records).items():
            for tag in tags:
                if tag.name in known:
                    continue
                spots = orphans.setdefault(tag.name, set())
                if (ip := address_of(owner)) is not None:
                    spots.add(str(ip))
                spots |= {r.data for r in records if r.name == owner and r.type == "A"}
    for name, spots in sorted(orphans.items()):
        for spot in sorted(spots) or [""]:
            subnet = _subnet(fleet, spot)
            found.append(
                Finding(
                    Kind.DNS_WITHOUT_BOB,
                    name,
                    f"bob's DNS records for {name}"
                    + (f" at {spot}" if spot else "")
                    + ", but no such Bob",
                    repair=Repair.RELEASE_DNS if subnet is not None else None,
                    args=_zones(subnet, spot),
                )
            )
    every_record = [r for rs in truth.zones.values() for r in rs]
    for bob in bobs:
        if bob.ip is None or bob.state is not BobState.READY:
            continue
        subnet = _subnet(fleet, str(bob.ip))
        if subnet is None or subnet.forward_zone not in truth.zones:
            continue
        missing = _missing_records(bob, subnet, every_record, truth)
        if missing:
            found.append(
                Finding(
                    Kind.BOB_WITHOUT_DNS,
                    bob.name,
                    f"no {' or '.join(missing)} record for {bob.ip}",
                    bob.host,
                    bob.disk,
                    Repair.REGISTER_DNS,
                    {**_zones(subnet, str(bob.ip)), "job_id": bob.job_id or "reconcile"},
                )
            )
    return found


def _missing_records(
    bob: BobRecord, subnet: Subnet, records: list[ZoneRecord], truth: Truth
) -> list[str]:
    fqdn = f"{bob.name}.{subnet.forward_zone}"
    missing = []
    if not any(r.name == fqdn and r.type == "A" and r.data == str(bob.ip) for r in records):
        missing.append("A")
    if reverse_zone(subnet) in truth.zones and not any(
        r.type == "PTR" and address_of(r.name) == bob.ip and r.data.rstrip(".") == fqdn
        for r in records
    ):
        missing.append("PTR")
    return missing


def _jenkins(truth: Truth, bobs: list[BobRecord], busy: set[str]) -> list[Finding]:
    found: list[Finding] = []
    by_name = {b.name: b for b in bobs}
    every = {b.name for b in truth.bobs}
    for controller, nodes in sorted(truth.nodes.items()):
        for node in nodes:
            if not node.managed or node.name in busy:
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
                    )
                )
            elif bob is not None and (bob.controller, bob.label) != (controller, node.labels):
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
                    )
                )
    for bob in bobs:
        if bob.controller is None or bob.controller not in truth.nodes:
            continue
        if not any(n.name == bob.name for n in truth.nodes[bob.controller]):
            found.append(
                Finding(
                    Kind.RECORDED_ATTACHMENT_GONE,
                    bob.name,
                    f"recorded as an agent of {bob.controller}, which has no such node",
                    bob.host,
                    bob.disk,
                    Repair.CLEAR_ATTACHMENT,
                    {"controller": bob.controller},
                )
            )
    return found


def _offline_agents(
    fleet: Fleet, truth: Truth, bobs: list[BobRecord], busy: set[str]
) -> list[Finding]:
    """Agents of existing Bobs that have stayed offline longer than their controller allows."""
    found: list[Finding] = []
    where = {b.name: b for b in bobs}
    for config in fleet.jenkins:
        limit = timedelta(seconds=config.offline_after_s)
        for name, since in sorted(truth.offline_since.get(config.name, {}).items()):
            bob = where.get(name)
            if bob is None or name in busy or truth.read_at - since < limit:
                continue
            minutes = int((truth.read_at - since).total_seconds() // 60)
            found.append(
                Finding(
                    Kind.AGENT_OFFLINE,
                    name,
                    f"agent of {config.name} offline since {since:%Y-%m-%d %H:%M} UTC "
                    f"({minutes} min, more than {config.offline_after_s:g} s)",
                    bob.host,
                    bob.disk,
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


def _names_in(value: Any) -> Iterable[str]:
    """Every ``name`` field in a job's params (plans, destroy lists, attach lists …)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "name" and isinstance(item, str):
                yield item
            else:
                yield from _names_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _names_in(item)
