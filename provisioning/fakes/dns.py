"""An in-memory DnsZoneClient: zones as lists of records, claimed and released by bob's rules.

    zones = MemoryZones(["bob.test", "1.250.10.in-addr.arpa"])
    zones.add("bob.test", "printer", "A", "10.250.1.11")   # a hand-made record

What it shares with DnsClient on a real BIND is held by tests/contracts/test_dns_zone.py:
a claim is PTR first then A, each with bob's TXT tag, taken only where the name does not
exist yet (or already holds exactly this job's records); release deletes only bob's values.
A zone it does not serve answers as BIND does, with a DnsError (NOTAUTH for updates).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from provisioning.dns.errors import AddressTaken, DnsError, NameTaken
from provisioning.dns.port import ZoneRecord
from provisioning.dns.tags import make_tag, parse_tag

TTL = 300
_Value = tuple[str, str]  # (type, presentation data)


class MemoryZones:
    """Implements provisioning.dns.DnsZoneClient."""

    def __init__(self, zones: Iterable[str], server: str = "memory:53") -> None:
        self._server = server
        self.zones: dict[str, list[ZoneRecord]] = {_plain(zone): [] for zone in zones}

    @property
    def server(self) -> str:
        return self._server

    def add(self, zone: str, name: str, type: str, data: str) -> None:
        """Put a record in ``zone``; ``name`` relative to it, or absolute with a trailing dot."""
        zone = _plain(zone)
        owner = _plain(name) if name.endswith(".") else f"{_plain(name)}.{zone}"
        self.zones[zone].append(ZoneRecord(owner, type.upper(), TTL, data))

    async def claim(
        self,
        name: str,
        forward_zone: str,
        address: ipaddress.IPv4Address,
        reverse_zone: str,
        job_id: str,
    ) -> None:
        fqdn = f"{_plain(name)}.{_plain(forward_zone)}"
        owner = address.reverse_pointer
        self._inside(owner, reverse_zone)
        tag = ("TXT", make_tag(job_id, _plain(name)).text())
        ptr = [("PTR", fqdn + "."), tag]
        self._claim_owner(
            reverse_zone,
            owner,
            ptr,
            f"claiming {address} for {fqdn}",
            AddressTaken(address, server=self.server, zone=_plain(reverse_zone)),
        )
        try:
            self._claim_owner(
                forward_zone,
                fqdn,
                [("A", str(address)), tag],
                f"adding {fqdn} → {address}",
                NameTaken(fqdn, server=self.server, zone=_plain(forward_zone)),
            )
        except BaseException:
            self._delete(reverse_zone, owner, ptr)
            raise

    async def release(
        self, name: str, address: ipaddress.IPv4Address, forward_zone: str, reverse_zone: str
    ) -> None:
        label = _plain(name)
        fqdn = f"{label}.{_plain(forward_zone)}"
        owner = address.reverse_pointer
        self._inside(owner, reverse_zone)
        for zone, at, value in (
            (forward_zone, fqdn, ("A", str(address))),
            (reverse_zone, owner, ("PTR", fqdn + ".")),
        ):
            self._served(zone, f"deleting at {at}", "REFUSED")
            tags = [("TXT", r.data) for r in self._at(zone, at) if _tag_of(r, label)]
            self._delete(zone, at, [value, *tags])

    async def axfr(self, zone: str) -> list[ZoneRecord]:
        return list(self._served(zone, f"transferring zone {_plain(zone)}", "NOTAUTH"))

    async def ptr_exists(self, address: ipaddress.IPv4Address, zone: str | None = None) -> bool:
        owner = address.reverse_pointer
        if zone is not None:
            self._inside(owner, zone)
        serving = [z for z in self.zones if owner == z or owner.endswith("." + z)]
        if not serving:
            raise DnsError(
                f"PTR query for {owner}",
                server=self.server,
                zone=zone or f"of {owner}",
                rcode="REFUSED",
            )
        return bool(self._at(serving[0], owner))

    def _claim_owner(
        self, zone: str, owner: str, values: list[_Value], what: str, taken: DnsError
    ) -> None:
        records = self._served(zone, what, "NOTAUTH")
        held = {(r.type, r.data) for r in self._at(zone, owner)}
        if not held:
            records.extend(ZoneRecord(owner, type, TTL, data) for type, data in values)
        elif not set(values) <= held:
            raise taken

    def _delete(self, zone: str, owner: str, values: list[_Value]) -> None:
        zone = _plain(zone)
        self.zones[zone] = [
            r for r in self.zones[zone] if r.name != owner or (r.type, r.data) not in values
        ]

    def _at(self, zone: str, owner: str) -> list[ZoneRecord]:
        return [r for r in self.zones[_plain(zone)] if r.name == owner]

    def _served(self, zone: str, what: str, rcode: str) -> list[ZoneRecord]:
        if _plain(zone) not in self.zones:
            raise DnsError(what, server=self.server, zone=_plain(zone), rcode=rcode)
        return self.zones[_plain(zone)]

    def _inside(self, owner: str, zone: str) -> None:
        if not owner.endswith("." + _plain(zone)):
            raise DnsError(
                f"{owner} is not in zone {_plain(zone)}",
                server=self.server,
                zone=_plain(zone),
                rcode="NOTZONE",
            )


def _plain(name: str) -> str:
    return name.rstrip(".").lower()


def _tag_of(record: ZoneRecord, label: str) -> bool:
    tag = parse_tag(record.data) if record.type == "TXT" else None
    return tag is not None and tag.name == label
