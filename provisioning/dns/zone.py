"""Zone arithmetic, pure and on text: which reverse zone serves a subnet, which address a PTR
owner names, which names a forward zone holds.

Plain string work on purpose: planners, handlers and the reconciler use these, and they must
not load dnspython (see docs/design.md, "Layers"); the wire client's ``dns.name.Name`` owners
are in :mod:`.owners`. Names are lower case without the trailing dot, as in a ZoneRecord.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from provisioning.config.models import Subnet
from provisioning.dns.errors import ZoneError
from provisioning.dns.port import ZoneRecord


def reverse_zone(subnet: Subnet) -> str:
    """The reverse zone holding the PTR records of ``subnet``'s addresses.

    The configured ``reverse_zone`` when set; otherwise derived from an octet boundary: a /24
    or longer prefix lives in its /24's zone (``1.250.10.in-addr.arpa``), a /16 or /8 in its own.
    Other prefixes (a /22, say) span several /24 zones or only part of a wider one, so which
    zone the operator runs cannot be guessed and must be configured.
    """
    network = subnet.cidr
    if subnet.reverse_zone is not None:
        zone = _plain(subnet.reverse_zone)
        for edge in (network.network_address, network.broadcast_address):
            if not _inside(edge.reverse_pointer, zone):
                raise ZoneError(
                    f"reverse zone {zone} of subnet {network} does not contain "
                    f"the PTR name of {edge}"
                )
        return zone
    if network.prefixlen >= 24:
        octets = 3
    elif network.prefixlen in (16, 8):
        octets = network.prefixlen // 8
    else:
        raise ZoneError(
            f"cannot derive the reverse zone of {network}: a /{network.prefixlen} is not on an "
            "octet boundary; set reverse_zone for this subnet"
        )
    leading = str(network.network_address).split(".")[:octets]
    return ".".join([*reversed(leading), "in-addr.arpa"])


def address_of(owner: str) -> ipaddress.IPv4Address | None:
    """The address whose PTR owner name is ``owner`` (text, as in a ZoneRecord), else None.

    Only full four-octet names count: in a /16 zone ``1.250.10.in-addr.arpa`` is an
    intermediate node, not an address. Runs once per record of a transferred zone, where
    parsing each name into a dns.name.Name cost a fifth of the whole allocation.
    """
    labels = _plain(owner).split(".")
    if len(labels) != 6 or labels[4:] != ["in-addr", "arpa"]:
        return None
    octets = labels[3::-1]
    if not all(_is_octet(octet) for octet in octets):
        return None
    return ipaddress.IPv4Address(".".join(octets))


def names_in(records: Iterable[ZoneRecord], zone: str) -> set[str]:
    """The owner names below ``zone`` relative to it (``bob007``); the apex is not a name."""
    suffix = "." + _plain(zone)
    return {
        name[: -len(suffix)]
        for name in (_plain(record.name) for record in records)
        if name.endswith(suffix)
    }


def _plain(name: str) -> str:
    return name.lower().rstrip(".")


def _inside(name: str, zone: str) -> bool:
    return name == zone or name.endswith("." + zone)


def _is_octet(label: str) -> bool:
    # "010" is not how a PTR name spells 8: only canonical decimal octets are addresses.
    return label.isascii() and label.isdigit() and int(label) <= 255 and str(int(label)) == label
