"""What allocation and the pipelines need from DNS, as a Protocol (see ``provisioning.ports``).

The implementation is :class:`provisioning.dns.client.DnsClient`; tests run it against a real
BIND rather than faking this.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ZoneRecord:
    """One record from a zone transfer.

    ``name`` is absolute, lower case, without the trailing dot; ``data`` is the record's
    presentation text with absolute names (``bob001.bob.test.`` for a PTR), except for TXT,
    whose character strings are joined unquoted so a tag reads as written.
    """

    name: str
    type: str
    ttl: int
    data: str


class DnsZoneClient(Protocol):
    @property
    def server(self) -> str:
        """``address:port``, for messages."""
        ...

    async def claim(
        self,
        name: str,
        forward_zone: str,
        address: ipaddress.IPv4Address,
        reverse_zone: str,
        job_id: str,
    ) -> None:
        """Take ``address`` for ``name``: PTR first, atomically, then the A record.

        Raises AddressTaken when the PTR name exists (someone else's), NameTaken when the
        forward name exists and is not this job's (the PTR is withdrawn again). Claiming again
        what this job already holds succeeds, so a resumed job can repeat the step.
        """
        ...

    async def release(
        self, name: str, address: ipaddress.IPv4Address, forward_zone: str, reverse_zone: str
    ) -> None:
        """Delete the A, PTR and bob's TXT tags for ``name``; what is absent is fine."""
        ...

    async def axfr(self, zone: str) -> list[ZoneRecord]: ...

    async def ptr_exists(self, address: ipaddress.IPv4Address, zone: str | None = None) -> bool:
        """True when the PTR name exists, False on an authoritative NXDOMAIN, else DnsError."""
        ...
