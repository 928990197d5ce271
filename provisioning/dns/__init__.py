"""DNS for Bobs: TSIG-signed A/PTR records on an authoritative server, and race-free allocation.

``client`` talks to the server (dynamic updates, AXFR, PTR queries); ``allocate`` finds free
addresses and claims one; ``zone`` and ``tags`` are the pure name arithmetic underneath.
"""

from provisioning.dns.allocate import (
    Strategy,
    allocate,
    claim_first_free,
    forward_names,
    used_addresses,
)
from provisioning.dns.client import DnsClient, secret_from_env
from provisioning.dns.errors import AddressTaken, DnsError, NameTaken, ZoneError
from provisioning.dns.port import DnsZoneClient, ZoneRecord
from provisioning.dns.tags import Tag, make_tag, parse_tag, tagged_owners
from provisioning.dns.zone import reverse_zone

__all__ = [
    "AddressTaken",
    "DnsClient",
    "DnsError",
    "DnsZoneClient",
    "NameTaken",
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
