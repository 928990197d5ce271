"""DNS for Bobs: TSIG-signed A/PTR records on an authoritative server, and race-free allocation.

``client`` talks to the server (dynamic updates, AXFR, PTR queries); ``allocate`` finds free
addresses and claims one; ``zone`` and ``tags`` are the pure name arithmetic underneath.

Importing any module here runs this file, so it must not load dnspython: the client is named
here but loaded on first use (PEP 562), and only ``client``, ``owners`` and ``transfer`` import
dnspython.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisioning.dns.allocate import (
    Strategy,
    allocate,
    claim_first_free,
    forward_names,
    used_addresses,
)
from provisioning.dns.errors import AddressTaken, DnsError, NameTaken, ZoneError
from provisioning.dns.port import DnsZoneClient, ZoneRecord
from provisioning.dns.shared import SharedTransfers
from provisioning.dns.tags import Tag, make_tag, parse_tag, tagged_owners
from provisioning.dns.zone import reverse_zone

if TYPE_CHECKING:
    from provisioning.dns.client import DnsClient, secret_from_env

__all__ = [
    "AddressTaken",
    "DnsClient",
    "DnsError",
    "DnsZoneClient",
    "NameTaken",
    "SharedTransfers",
    "Strategy",
    "Tag",
    "ZoneError",
    "ZoneRecord",
    "allocate",
    "claim_first_free",
    "forward_names",
    "make_tag",
    "parse_tag",
    "reverse_zone",
    "secret_from_env",
    "tagged_owners",
    "used_addresses",
]


def __getattr__(name: str) -> object:
    if name in ("DnsClient", "secret_from_env"):
        from provisioning.dns import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
