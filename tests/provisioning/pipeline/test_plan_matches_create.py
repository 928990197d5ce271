"""``bob plan create`` and ``create --dry-run`` show what ``create`` then makes, on the sandbox
and its BIND holding a hand-made A record for a Bob's name and a hand-made PTR for an address.
The hand-made records are added with a plain TSIG update (not bob's client) and removed after.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dns.name
import dns.query
import dns.tsigkeyring
import dns.update

from provisioning.config import Fleet, load_fleet
from provisioning.core.addresses import candidates
from provisioning.dns import secret_from_env
from provisioning.dns.zone import reverse_zone
from sandbox import SandboxInfo
from tests.provisioning.pipeline.cli_world import bob_cli

PLANNED = re.compile(r"^  (\S+)  host-a/\S+  (\S+)/\d+ via ", re.MULTILINE)


def planned(stdout: str) -> list[tuple[str, str]]:
    return PLANNED.findall(stdout)


def _update(fleet: Fleet, zone: str) -> dns.update.UpdateMessage:
    settings = fleet.dns
    assert settings is not None
    keyring = dns.tsigkeyring.from_text({settings.tsig_key_name: secret_from_env(settings)})
    return dns.update.UpdateMessage(
        zone,
        keyring=keyring,
        keyname=settings.tsig_key_name,
        keyalgorithm=dns.name.from_text(settings.tsig_algorithm),
    )


def _send(fleet: Fleet, message: dns.update.UpdateMessage) -> None:
    assert fleet.dns is not None
    answer = dns.query.tcp(message, str(fleet.dns.server), port=fleet.dns.port, timeout=3)
    assert 0 == answer.rcode(), answer


@contextmanager
def hand_made(fleet: Fleet, name: str, address: ipaddress.IPv4Address) -> Iterator[None]:
    """An A record for ``name`` (pointing elsewhere) and a PTR for ``address``, as an operator
    would add them by hand; both deleted again afterwards."""
    subnet = fleet.subnets[0]
    forward, reverse = subnet.forward_zone, reverse_zone(subnet)
    ptr_owner = dns.name.from_text(address.reverse_pointer)
    add_a, add_ptr = _update(fleet, forward), _update(fleet, reverse)
    add_a.add(name, 300, "A", "192.0.2.7")
    add_ptr.add(ptr_owner, 300, "PTR", "printer.example.")
    _send(fleet, add_a)
    try:
        _send(fleet, add_ptr)
        yield
    finally:
        drop_a, drop_ptr = _update(fleet, forward), _update(fleet, reverse)
        drop_a.delete(name, "A")
        drop_ptr.delete(ptr_owner, "PTR")
        _send(fleet, drop_ptr)
        _send(fleet, drop_a)


def test_the_plan_and_the_dry_run_show_what_create_then_makes_around_hand_made_records(
    overlay: SandboxInfo, tmp_path: Path
) -> None:
    cli = bob_cli(overlay, tmp_path)
    fleet = load_fleet(cli.config)
    subnet = fleet.subnets_for(fleet.host("host-a").datacenter)[0]
    assert fleet.subnets[0] == subnet  # the hand-made records go to host-a's zones
    second_address = list(candidates(subnet))[1]
    made: list[str] = []
    with hand_made(fleet, "bob002", second_address):
        plan = cli("plan", "create", "3", "--host", "host-a")
        dry_run = cli("create", "3", "--host", "host-a", "--dry-run")
        create = cli("create", "3", "--host", "host-a")
        made = cli.bob_names()
        try:
            assert (0, 0, 0) == (plan.returncode, dry_run.returncode, create.returncode), (
                plan.stderr + dry_run.stderr + create.stderr
            )
            shown = planned(plan.stdout)
            assert "note:" not in plan.stdout + dry_run.stdout
            assert shown == planned(dry_run.stdout)
            made_rows = cli.query("SELECT name, ip FROM bobs ORDER BY name")
            assert shown == [tuple(row) for row in made_rows]
            assert 3 == len(shown)
            assert "bob002" not in [name for name, _ in shown]
            assert str(second_address) not in [ip for _, ip in shown]
        finally:
            if made:
                cli("destroy", "--yes", *made)
