"""What the DNS adapter raises: every failure names the server, the zone and the rcode.

    BobError
    ├── UsageError
    │   └── ZoneError          a name or address does not belong in the zone it was meant for
    └── DnsError               the server refused, failed, timed out or could not be reached
        ├── AddressTaken       the PTR name of an address already exists (YXDOMAIN)
        └── NameTaken          the forward name already exists and is not ours

``rcode`` is the DNS response code as text (``REFUSED``, ``NOTAUTH``, ``YXDOMAIN``) or, when no
response came, what happened instead (``TIMEOUT``, ``UNREACHABLE``, ``NOTAUTH/BADSIG`` for a
TSIG rejection whose details dnspython reports as an exception).
"""

from __future__ import annotations

import ipaddress

from provisioning.errors import BobError, UsageError


class ZoneError(UsageError):
    """A name or address lies outside the zone it was meant for, or no zone can be derived."""


class DnsError(BobError):
    """The DNS server did not do what was asked. Nothing was counted as free because of it."""

    def __init__(self, what: str, *, server: str, zone: str, rcode: str) -> None:
        super().__init__(f"{what}: {rcode} from DNS server {server} for zone {zone}")
        self.server = server
        self.zone = zone
        self.rcode = rcode


class AddressTaken(DnsError):
    """Someone else holds the address: its PTR name exists (the update's prerequisite failed)."""

    def __init__(
        self, address: ipaddress.IPv4Address, *, server: str, zone: str, rcode: str = "YXDOMAIN"
    ) -> None:
        super().__init__(f"address {address} is taken", server=server, zone=zone, rcode=rcode)
        self.address = address


class NameTaken(DnsError):
    """The forward name exists and does not carry this job's tag."""

    def __init__(self, fqdn: str, *, server: str, zone: str, rcode: str = "YXDOMAIN") -> None:
        super().__init__(
            f"name {fqdn} already exists and is not this job's",
            server=server,
            zone=zone,
            rcode=rcode,
        )
        self.fqdn = fqdn
