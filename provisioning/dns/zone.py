"""Zone arithmetic, pure: which reverse zone serves a subnet, and the owner names of records.

Names handed to dnspython are absolute ``dns.name.Name`` objects, so nothing depends on a
message's origin; text for people is lower case without the trailing dot.
"""

from __future__ import annotations

import ipaddress

import dns.exception
import dns.name

from provisioning.config.models import Subnet, is_host_label
from provisioning.dns.errors import ZoneError


def zone_name(zone: str) -> dns.name.Name:
    """The absolute name of a zone given as text (with or without the trailing dot)."""
    try:
        return dns.name.from_text(zone.rstrip(".") + ".")
    except dns.exception.DNSException as exc:
        raise ZoneError(f"{zone!r} is not a valid zone name: {exc}") from exc


def text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower()


def reverse_zone(subnet: Subnet) -> str:
    """The reverse zone holding the PTR records of ``subnet``'s addresses.

    The configured ``reverse_zone`` when set; otherwise derived from an octet boundary: a /24
    or longer prefix lives in its /24's zone (``1.250.10.in-addr.arpa``), a /16 or /8 in its own.
    Other prefixes (a /22, say) span several /24 zones or only part of a wider one, so which
    zone the operator runs cannot be guessed and must be configured.
    """
    network = subnet.cidr
    if subnet.reverse_zone is not None:
        zone = zone_name(subnet.reverse_zone)
        for edge in (network.network_address, network.broadcast_address):
            if not _reverse_name(edge).is_subdomain(zone):
                raise ZoneError(
                    f"reverse zone {text(zone)} of subnet {network} does not contain "
                    f"the PTR name of {edge}"
                )
        return text(zone)
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


def ptr_owner(address: ipaddress.IPv4Address, zone: str) -> dns.name.Name:
    """The absolute owner name of ``address``'s PTR record, which must lie inside ``zone``."""
    owner = _reverse_name(address)
    ensure_in_zone(owner, zone)
    return owner


def ptr_label(address: ipaddress.IPv4Address, zone: str) -> str:
    """The PTR owner relative to its zone: ``5`` for 10.250.1.5 in 1.250.10.in-addr.arpa."""
    return ptr_owner(address, zone).relativize(zone_name(zone)).to_text().lower()


def address_of(owner: str) -> ipaddress.IPv4Address | None:
    """The address whose PTR owner name is ``owner`` (text, as in a ZoneRecord), else None.

    Only full four-octet names count: in a /16 zone ``1.250.10.in-addr.arpa`` is an
    intermediate node, not an address. Plain string work on purpose: this runs once per
    record of a transferred zone, and parsing each name back into a dns.name.Name cost a
    fifth of the whole allocation.
    """
    labels = owner.lower().rstrip(".").split(".")
    if len(labels) != 6 or labels[4:] != ["in-addr", "arpa"]:
        return None
    octets = labels[3::-1]
    if not all(_is_octet(octet) for octet in octets):
        return None
    return ipaddress.IPv4Address(".".join(octets))


def bob_fqdn(name: str, zone: str) -> dns.name.Name:
    """The absolute name of a Bob: a host label below ``zone``, or an FQDN already inside it."""
    if is_host_label(name):
        return dns.name.Name((name.encode(),)).concatenate(zone_name(zone))
    try:
        fqdn = dns.name.from_text(name.rstrip(".") + ".")
    except dns.exception.DNSException as exc:
        raise ZoneError(f"{name!r} is not a valid host name: {exc}") from exc
    ensure_in_zone(fqdn, zone)
    if len(fqdn) == len(zone_name(zone)):
        raise ZoneError(f"{name!r} is the zone {zone} itself, not a host inside it")
    return fqdn


def ensure_in_zone(name: dns.name.Name, zone: str) -> None:
    if not name.is_subdomain(zone_name(zone)):
        raise ZoneError(f"{text(name)} is outside zone {text(zone_name(zone))}")


def _reverse_name(address: ipaddress.IPv4Address) -> dns.name.Name:
    return dns.name.from_text(address.reverse_pointer + ".")


def _is_octet(label: str) -> bool:
    # "010" is not how a PTR name spells 8: only canonical decimal octets are addresses.
    return label.isascii() and label.isdigit() and int(label) <= 255 and str(int(label)) == label
