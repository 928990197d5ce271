"""Owner names as dnspython ``Name`` objects, for the wire client (:mod:`.client`) only.

Names handed to dnspython are absolute, so nothing depends on a message's origin; text for
people is lower case without the trailing dot. The rest of bob does its zone arithmetic on
text (:mod:`.zone`), so it never loads dnspython.
"""

from __future__ import annotations

import ipaddress

import dns.exception
import dns.name

from provisioning.config.models import is_host_label
from provisioning.dns.errors import ZoneError


def zone_name(zone: str) -> dns.name.Name:
    """The absolute name of a zone given as text (with or without the trailing dot)."""
    try:
        return dns.name.from_text(zone.rstrip(".") + ".")
    except dns.exception.DNSException as exc:
        raise ZoneError(f"{zone!r} is not a valid zone name: {exc}") from exc


def text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower()


def ptr_owner(address: ipaddress.IPv4Address, zone: str) -> dns.name.Name:
    """The absolute owner name of ``address``'s PTR record, which must lie inside ``zone``."""
    owner = dns.name.from_text(address.reverse_pointer + ".")
    ensure_in_zone(owner, zone)
    return owner


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
