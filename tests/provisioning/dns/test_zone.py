"""Zone arithmetic and tags: pure, no server."""

from __future__ import annotations

import ipaddress

import dns.name
import pytest
from pydantic import ValidationError

from provisioning.config.models import Subnet
from provisioning.dns.errors import ZoneError
from provisioning.dns.owners import bob_fqdn, ptr_owner
from provisioning.dns.port import ZoneRecord
from provisioning.dns.tags import Tag, make_tag, parse_tag
from provisioning.dns.zone import address_of, names_in, reverse_zone
from provisioning.errors import UsageError


def _subnet(cidr: str, reverse: str | None = None) -> Subnet:
    network = ipaddress.IPv4Network(cidr)
    return Subnet(
        cidr=network,
        gateway=next(network.hosts()),
        datacenter="dc1",
        reverse_zone=reverse,
    )


@pytest.mark.parametrize(
    ("cidr", "zone"),
    [
        ("10.250.1.0/24", "1.250.10.in-addr.arpa"),
        ("10.250.1.64/26", "1.250.10.in-addr.arpa"),  # a part of a /24 lives in the /24's zone
        ("10.250.0.0/16", "250.10.in-addr.arpa"),
        ("10.0.0.0/8", "10.in-addr.arpa"),
    ],
)
def test_the_reverse_zone_is_derived_on_octet_boundaries(cidr, zone):
    assert zone == reverse_zone(_subnet(cidr))


def test_a_prefix_between_octets_needs_a_configured_zone():
    with pytest.raises(ZoneError, match=r"10\.250\.0\.0/22: .*set reverse_zone"):
        reverse_zone(_subnet("10.250.0.0/22"))
    assert "250.10.in-addr.arpa" == reverse_zone(_subnet("10.250.0.0/22", "250.10.in-addr.arpa."))


def test_a_configured_zone_must_contain_the_whole_subnet_already_in_the_config():
    # caught when the config is loaded, not at the first DNS use
    with pytest.raises(ValidationError, match=r"the PTR name of 10\.250\.3\.255 is 255\.3"):
        _subnet("10.250.0.0/22", "0.250.10.in-addr.arpa")


def test_ptr_owners_are_absolute_whatever_their_zone_and_must_be_inside_it():
    address = ipaddress.IPv4Address("10.250.1.5")
    for zone in ("1.250.10.in-addr.arpa", "250.10.in-addr.arpa."):
        assert dns.name.from_text("5.1.250.10.in-addr.arpa.") == ptr_owner(address, zone), zone
    with pytest.raises(ZoneError, match=r"5\.1\.250\.10\.in-addr\.arpa is outside zone 2\.250\.10"):
        ptr_owner(address, "2.250.10.in-addr.arpa")


def test_only_full_four_octet_names_are_addresses():
    assert ipaddress.IPv4Address("10.250.1.5") == address_of("5.1.250.10.in-addr.arpa")
    assert ipaddress.IPv4Address("10.250.1.5") == address_of("5.1.250.10.IN-ADDR.ARPA.")
    for other in (
        "1.250.10.in-addr.arpa",
        "ns.1.250.10.in-addr.arpa",
        "x.5.1.250.10.in-addr.arpa",
        "05.1.250.10.in-addr.arpa",
        "256.1.250.10.in-addr.arpa",
        "5.1.250.10.in-addr.arpa.example",
        "bob001.bob.test",
    ):
        assert address_of(other) is None, other


def test_the_names_of_a_forward_zone_are_relative_and_leave_out_the_apex():
    records = [
        ZoneRecord(name=name, type="A", ttl=300, data="10.250.1.5")
        for name in ("bob.test", "bob007.bob.test", "Printer.BOB.test.", "www.other.test")
    ]
    assert {"bob007", "printer"} == names_in(records, "bob.test.")


def test_a_bob_name_is_a_label_in_the_forward_zone():
    assert dns.name.from_text("bob001.bob.test.") == bob_fqdn("bob001", "bob.test")
    assert dns.name.from_text("bob001.bob.test.") == bob_fqdn("bob001.bob.test.", "bob.test")
    with pytest.raises(ZoneError, match=r"bob001\.other\.test is outside zone bob\.test"):
        bob_fqdn("bob001.other.test", "bob.test")
    with pytest.raises(ZoneError, match=r"is the zone bob\.test itself"):
        bob_fqdn("bob.test", "bob.test")


def test_tags_name_the_job_and_the_bob_and_nothing_else_parses_as_one():
    tag = make_tag("a1b2c3d4", "bob007")
    assert "bob job=a1b2c3d4 name=bob007" == tag.text()
    assert Tag(job_id="a1b2c3d4", name="bob007") == parse_tag(tag.text())
    for other in (
        "v=spf1 -all",
        "bob job= name=bob007",
        "bob job=x name=Bob007",
        "bob job=x name=a b",
    ):
        assert parse_tag(other) is None, other
    with pytest.raises(UsageError, match="cannot tag"):
        make_tag("job with spaces", "bob007")
