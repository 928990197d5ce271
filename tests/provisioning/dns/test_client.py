"""The DNS client against a real BIND: claims, releases, transfers and how failures read."""

from __future__ import annotations

import ipaddress
import time

import pytest

from provisioning.dns import (
    AddressTaken,
    DnsClient,
    DnsError,
    NameTaken,
    Tag,
    forward_names,
    secret_from_env,
    tagged_owners,
)
from provisioning.errors import ConfigError
from tests.bind import BindServer
from tests.provisioning.dns.conftest import FORWARD, REVERSE

FREE = ipaddress.IPv4Address("10.250.1.12")
USED = ipaddress.IPv4Address("10.250.1.13")


def _at(bind: BindServer, zone: str, owner: str) -> list[tuple[str, str]]:
    """(type, text) of every record the server holds at ``owner``."""
    return [(rtype, data) for name, rtype, data in bind.records(zone) if name == owner]


async def test_a_claim_adds_the_ptr_and_the_a_record_each_tagged_with_job_and_name(bind, client):
    await client.claim("bob001", FORWARD, FREE, REVERSE, "job1")

    tag = ("TXT", '"bob job=job1 name=bob001"')
    assert [("PTR", "bob001.bob.test."), tag] == _at(bind, REVERSE, "12.1.250.10.in-addr.arpa")
    assert [("A", "10.250.1.12"), tag] == _at(bind, FORWARD, "bob001.bob.test")


async def test_a_reconciler_finds_bobs_records_by_their_tags(client):
    await client.claim("bob001", FORWARD, FREE, REVERSE, "job1")

    tag = Tag(job_id="job1", name="bob001")
    assert {"bob001.bob.test": [tag]} == tagged_owners(await client.axfr(FORWARD))
    assert {"12.1.250.10.in-addr.arpa": [tag]} == tagged_owners(await client.axfr(REVERSE))


async def test_a_claim_that_fails_in_the_forward_zone_gives_the_address_back(bind, client):
    """The server does not serve other.test: NOTAUTH, and the PTR already added is withdrawn."""
    with pytest.raises(DnsError, match=r"adding bob001\.other\.test → 10\.250\.1\.12: NOTAUTH"):
        await client.claim("bob001", "other.test", FREE, REVERSE, "job1")

    assert [] == _at(bind, REVERSE, "12.1.250.10.in-addr.arpa")


async def test_claim_then_release_leaves_no_a_ptr_or_txt(bind, client):
    before = {zone: bind.records(zone) for zone in (FORWARD, REVERSE)}
    await client.claim("bob001", FORWARD, FREE, REVERSE, "job1")

    await client.release("bob001", FREE, FORWARD, REVERSE)

    after = {zone: [r for r in bind.records(zone) if r[1] != "SOA"] for zone in (FORWARD, REVERSE)}
    assert {
        zone: [r for r in records if r[1] != "SOA"] for zone, records in before.items()
    } == after


async def test_releasing_twice_or_releasing_what_was_never_claimed_is_fine(bind, client):
    await client.claim("bob001", FORWARD, FREE, REVERSE, "job1")
    await client.release("bob001", FREE, FORWARD, REVERSE)
    await client.release("bob001", FREE, FORWARD, REVERSE)
    await client.release("bob099", ipaddress.IPv4Address("10.250.1.99"), FORWARD, REVERSE)

    assert [] == _at(bind, FORWARD, "bob001.bob.test")


async def test_release_deletes_only_bobs_records_at_those_names(bind, client):
    """A hand-made TXT beside our records, and another Bob's PTR, survive a release."""
    await client.claim("bob001", FORWARD, FREE, REVERSE, "job1")
    await client.claim("bob003", FORWARD, ipaddress.IPv4Address("10.250.1.14"), REVERSE, "job1")
    await _hand_add_txt(bind, "bob001.bob.test.", "owner=alice")

    await client.release("bob001", FREE, FORWARD, REVERSE)

    assert [("TXT", '"owner=alice"')] == _at(bind, FORWARD, "bob001.bob.test")
    assert [] == _at(bind, REVERSE, "12.1.250.10.in-addr.arpa")
    assert ("PTR", "bob003.bob.test.") in _at(bind, REVERSE, "14.1.250.10.in-addr.arpa")


async def test_the_same_job_may_claim_again_what_it_holds_another_job_may_not(bind, client):
    await client.claim("bob001", FORWARD, FREE, REVERSE, "job1")
    await client.claim("bob001", FORWARD, FREE, REVERSE, "job1")  # a resumed job repeating

    with pytest.raises(AddressTaken, match=r"address 10\.250\.1\.12 is taken: YXDOMAIN") as taken:
        await client.claim("bob005", FORWARD, FREE, REVERSE, "job2")
    assert (FREE, REVERSE, "YXDOMAIN") == (taken.value.address, taken.value.zone, taken.value.rcode)
    assert [] == _at(bind, FORWARD, "bob005.bob.test")


async def test_an_address_with_a_hand_made_ptr_is_taken(bind, client):
    with pytest.raises(AddressTaken):
        await client.claim("bob001", FORWARD, USED, REVERSE, "job1")
    assert [("PTR", "used3.bob.test.")] == _at(bind, REVERSE, "13.1.250.10.in-addr.arpa")


async def test_a_name_that_exists_and_is_not_ours_is_refused_and_the_address_given_back(
    bind, client
):
    with pytest.raises(NameTaken, match=r"name bob002\.bob\.test already exists") as taken:
        await client.claim("bob002", FORWARD, FREE, REVERSE, "job1")

    assert (FORWARD, "YXDOMAIN") == (taken.value.zone, taken.value.rcode)
    assert [("A", "10.250.1.10")] == _at(bind, FORWARD, "bob002.bob.test")
    assert [] == _at(bind, REVERSE, "12.1.250.10.in-addr.arpa")


@pytest.mark.parametrize(
    ("name", "address", "zone"),
    [
        ("bob001.other.test", FREE, FORWARD),
        ("bob001", ipaddress.IPv4Address("10.250.9.12"), REVERSE),
    ],
)
async def test_a_name_or_address_outside_its_zone_is_a_clear_error(
    bind, client, name, address, zone
):
    with pytest.raises(
        DnsError,
        match=f"outside zone .*NOTZONE from DNS server 127.0.0.1:{bind.port} for zone {zone}",
    ):
        await client.claim(name, FORWARD, address, REVERSE, "job1")
    assert [] == _at(bind, REVERSE, "12.1.250.10.in-addr.arpa")


async def test_ptr_queries_tell_used_from_free(client):
    assert await client.ptr_exists(USED, REVERSE)
    assert not await client.ptr_exists(FREE, REVERSE)


async def test_an_address_outside_the_served_zones_is_refused_not_free(bind, client):
    """BIND answers REFUSED for a zone it does not serve (dnspython's resolver would call that
    NoNameservers); either way, it is no statement that the name does not exist."""
    with pytest.raises(DnsError, match=f"REFUSED from DNS server 127.0.0.1:{bind.port}") as refused:
        await client.ptr_exists(ipaddress.IPv4Address("10.250.9.12"))
    assert "REFUSED" == refused.value.rcode


async def test_a_transfer_lists_every_record_with_absolute_names(client):
    records = await client.axfr(REVERSE)

    ptrs = sorted((r.name, r.data) for r in records if r.type == "PTR")
    assert [
        ("10.1.250.10.in-addr.arpa", "used1.bob.test."),
        ("11.1.250.10.in-addr.arpa", "used2.bob.test."),
        ("13.1.250.10.in-addr.arpa", "used3.bob.test."),
    ] == ptrs


async def test_a_transfer_of_a_zone_the_server_does_not_serve_fails(bind, client):
    with pytest.raises(
        DnsError, match=r"transferring zone 9\.250\.10\.in-addr\.arpa: NOTAUTH"
    ) as failed:
        await client.axfr("9.250.10.in-addr.arpa")
    assert "9.250.10.in-addr.arpa" == failed.value.zone


async def test_forward_names_see_hand_made_records(client):
    await client.claim("bob001", FORWARD, FREE, REVERSE, "job1")

    assert {"bob001", "bob002", "printer"} == await forward_names(client, FORWARD)


async def test_a_wrong_tsig_secret_fails_cleanly_and_changes_nothing(bind):
    wrong = DnsClient(bind.settings(), "c2VjcmV0IHRoYXQgdGhlIHNlcnZlciBkb2VzIG5vdCBrbm93")
    before = {zone: bind.records(zone) for zone in (FORWARD, REVERSE)}
    expected = rf"NOTAUTH/BADSIG from DNS server 127\.0\.0\.1:{bind.port} for zone {REVERSE}"

    with pytest.raises(
        DnsError, match=rf"claiming 10\.250\.1\.12 for bob001\.bob\.test: {expected}"
    ):
        await wrong.claim("bob001", FORWARD, FREE, REVERSE, "job1")
    with pytest.raises(DnsError, match=expected):
        await wrong.axfr(REVERSE)
    with pytest.raises(DnsError, match=expected):
        await wrong.ptr_exists(FREE, REVERSE)
    with pytest.raises(DnsError, match="NOTAUTH/BADSIG"):
        await wrong.release("bob002", ipaddress.IPv4Address("10.250.1.10"), FORWARD, REVERSE)

    assert before == {zone: bind.records(zone) for zone in (FORWARD, REVERSE)}


async def test_a_stopped_server_is_an_error_quickly(bind, client):
    bind.stop()

    for attempt in (
        client.claim("bob001", FORWARD, FREE, REVERSE, "job1"),
        client.axfr(REVERSE),
        client.ptr_exists(FREE, REVERSE),
    ):
        started = time.monotonic()
        with pytest.raises(
            DnsError,
            match=rf": (UNREACHABLE \(.+\)|TIMEOUT) from DNS server 127\.0\.0\.1:{bind.port} ",
        ):
            await attempt
        # The settings' timeout is 1 s: a dead server costs at most that, never a hang.
        assert time.monotonic() - started < 1.5


def test_a_secret_that_is_not_base64_is_a_config_error_that_does_not_echo_it(bind):
    with pytest.raises(ConfigError, match=r"\$BOB_DNS_TSIG_SECRET .* is not base64") as bad:
        DnsClient(bind.settings(), "not base64 at all!")
    assert "not base64 at all!" not in str(bad.value)


def test_a_missing_secret_names_the_variable_to_set(bind, monkeypatch):
    monkeypatch.delenv("BOB_DNS_TSIG_SECRET", raising=False)

    with pytest.raises(
        ConfigError, match=r"key bob-key is not set: export it in \$BOB_DNS_TSIG_SECRET"
    ):
        secret_from_env(bind.settings())


def test_the_client_never_shows_its_secret(bind, client):
    assert bind.secret not in repr(client)
    assert bind.secret not in str(vars(client))


async def _hand_add_txt(bind: BindServer, owner: str, text: str) -> None:
    """Add a TXT record the way an operator would: a signed update outside bob's client."""
    import dns.asyncquery
    import dns.tsig
    import dns.update

    update = dns.update.UpdateMessage(
        FORWARD + ".", keyring=dns.tsig.Key("bob-key", bind.secret, "hmac-sha256")
    )
    update.add(owner, 300, "TXT", f'"{text}"')
    reply = await dns.asyncquery.tcp(update, "127.0.0.1", port=bind.port, timeout=2)
    assert 0 == reply.rcode()
