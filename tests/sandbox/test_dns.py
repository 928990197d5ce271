"""The sandbox's own BIND, for real: started by ``up``, driven with its fleet config's ``dns``
section, restarted on its data when it died, stopped by ``down``.

One one-host sandbox serves the module (~1 s to build); the tests that change it (a record, a
killed named) put it back as they found it. ``down`` gets a sandbox of its own.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.update
import dns.xfr
import dns.zone
import pytest

from provisioning.config import load_fleet
from provisioning.config.models import DnsSettings
from provisioning.dns import DnsClient, secret_from_env
from sandbox import (
    SandboxError,
    SandboxInfo,
    SandboxOptions,
    sandbox_down,
    sandbox_status,
    sandbox_up,
)
from sandbox import state as sandbox_state
from sandbox.bind_config import bind_layout
from sandbox.dns_server import our_pid
from sandbox.fleet_config import TSIG_SECRET_ENV
from sandbox.paths import StatePaths
from sandbox.processes import gone
from tests.sandbox.fixtures import (
    release,
    require_sandbox,
    sandbox_fleet,
    sandbox_fleet_sync,
    sandbox_options,
)

pytestmark = pytest.mark.slow

LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    require_sandbox()
    with sandbox_fleet_sync(tmp_path_factory.mktemp("sandbox-dns") / "state", hosts=1) as info:
        yield info


@pytest.fixture(scope="module")
def options(fleet: SandboxInfo) -> SandboxOptions:
    recorded = sandbox_state.read(StatePaths(fleet.state_dir))
    assert recorded is not None
    return recorded


@pytest.fixture
def settings(fleet: SandboxInfo, monkeypatch: pytest.MonkeyPatch) -> DnsSettings:
    """The ``dns`` section of the sandbox's bob.yaml, as bob loads it (secret from the file)."""
    monkeypatch.delenv(TSIG_SECRET_ENV, raising=False)
    dns_settings = load_fleet(fleet.config_path).dns
    assert dns_settings is not None
    return dns_settings


@pytest.fixture
def client(settings: DnsSettings) -> DnsClient:
    return DnsClient(settings, secret_from_env(settings))


def zones(options: SandboxOptions) -> tuple[str, ...]:
    return bind_layout(options).zones


def bob_address(options: SandboxOptions, host: int = 0) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(f"10.250.{options.net_index + host + 1}.10")


def ask(fleet: SandboxInfo, name: str, rdtype: dns.rdatatype.RdataType) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    return dns.query.udp(query, LOOPBACK, port=fleet.dns_port, timeout=2)


def test_every_zone_answers_soa_authoritatively_and_nothing_else_is_served(fleet, options):
    assert ("bob.test", f"{options.net_index + 1}.250.10.in-addr.arpa") == zones(options)
    for zone in zones(options):
        reply = ask(fleet, f"{zone}.", dns.rdatatype.SOA)
        assert (dns.rcode.NOERROR, True) == (reply.rcode(), bool(reply.flags & dns.flags.AA))
        assert "ns.bob.test." == reply.answer[0][0].mname.to_text()
    assert "127.0.0.1" == ask(fleet, "ns.bob.test.", dns.rdatatype.A).answer[0][0].to_text()
    # no recursion: a name outside its zones is refused, not looked up
    outside = ask(fleet, "example.com.", dns.rdatatype.A)
    assert (dns.rcode.REFUSED, False) == (outside.rcode(), bool(outside.flags & dns.flags.RA))


def test_named_listens_on_loopback_only_and_keeps_its_secret_private(fleet, options):
    pid = our_pid(bind_layout(options))
    assert pid is not None
    sockets = subprocess.run(
        ["ss", "-Hlnutp"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    local = {line.split()[4] for line in sockets if f"pid={pid}," in line}
    assert {f"127.0.0.1:{fleet.dns_port}"} == local  # UDP and TCP, nothing else
    for private in (fleet.tsig_key_file, bind_layout(options).conf):
        assert 0o600 == stat.S_IMODE(private.stat().st_mode)


async def test_the_generated_dns_settings_claim_transfer_and_release_with_the_key_file(
    fleet, options, settings, client
):
    assert (LOOPBACK, fleet.dns_port, "bob-sandbox", fleet.tsig_key_file) == (
        str(settings.server),
        settings.port,
        settings.tsig_key_name,
        settings.tsig_secret_file,
    )
    forward, reverse = zones(options)
    address = bob_address(options)
    await client.claim("bob001", forward, address, reverse, "job1")
    try:
        claimed = {
            (r.name, r.type, r.data) for zone in (forward, reverse) for r in await client.axfr(zone)
        }
    finally:
        await client.release("bob001", address, forward, reverse)
    assert {
        ("bob001.bob.test", "A", str(address)),
        (address.reverse_pointer, "PTR", "bob001.bob.test."),
    } <= claimed
    assert not [r for r in await client.axfr(forward) if r.name == "bob001.bob.test"]


def test_an_unsigned_update_or_transfer_is_refused(fleet, options):
    update = dns.update.UpdateMessage("bob.test.")
    update.add("intruder", 300, "A", str(bob_address(options)))
    reply = dns.query.tcp(update, LOOPBACK, port=fleet.dns_port, timeout=2)
    assert dns.rcode.REFUSED == reply.rcode()

    received = dns.zone.Zone("bob.test.")
    query, _ = dns.xfr.make_query(received)
    with pytest.raises(dns.xfr.TransferError, match="REFUSED"):
        dns.query.inbound_xfr(LOOPBACK, received, query, port=fleet.dns_port, timeout=2)


async def test_status_reports_the_dns_server(fleet, options):
    status = await sandbox_status(fleet.state_dir)
    assert status.dns is not None
    assert (LOOPBACK, fleet.dns_port, our_pid(bind_layout(options)), ()) == (
        status.dns.address,
        status.dns.port,
        status.dns.pid,
        status.dns.unanswered,
    )
    assert status.dns.alive
    assert status.up


async def test_up_again_is_a_no_op_with_the_same_named(fleet, options):
    pid = our_pid(bind_layout(options))
    assert (fleet, pid) == (await sandbox_up(options), our_pid(bind_layout(options)))


async def test_a_killed_named_is_started_again_by_up_with_the_records_it_had(
    fleet, options, client
):
    bind = bind_layout(options)
    forward, reverse = zones(options)
    address = bob_address(options)
    await client.claim("bob002", forward, address, reverse, "job2")
    try:
        killed = our_pid(bind)
        assert killed is not None
        os.kill(killed, signal.SIGKILL)  # no chance to write its zone files: journals only
        while not gone(killed):
            await asyncio.sleep(0.01)
        down = await sandbox_status(fleet.state_dir)
        assert down.dns is not None
        assert (None, zones(options), False) == (down.dns.pid, down.dns.unanswered, down.up)

        await sandbox_up(options)

        assert our_pid(bind) not in (None, killed)
        kept = {(r.name, r.type) for r in await client.axfr(forward)}
        assert ("bob002.bob.test", "A") in kept
        assert await client.ptr_exists(address, reverse)
    finally:
        await client.release("bob002", address, forward, reverse)


def test_a_busy_dns_port_is_refused_before_anything_is_built(tmp_path):
    require_sandbox()
    with socket.socket() as holder:
        holder.bind((LOOPBACK, 0))
        holder.listen()
        options = sandbox_options(tmp_path / "state")
        busy = options.model_copy(update={"dns_port": holder.getsockname()[1]})
        try:
            with pytest.raises(SandboxError, match=rf"port {busy.dns_port} on 127\.0\.0\.1 is in"):
                asyncio.run(sandbox_up(busy))
        finally:
            release(options)
    assert not busy.state_dir.exists()


async def test_a_new_sandbox_starts_from_fresh_zones_and_down_stops_named(tmp_path: Path):
    require_sandbox()
    state_dir = tmp_path / "state"
    stale = StatePaths(state_dir).bind_dir
    stale.mkdir(parents=True)
    (stale / "bob.test.db.jnl").write_bytes(b"a journal of some earlier zone file")
    async with sandbox_fleet(state_dir, hosts=1) as info:
        options = sandbox_state.read(StatePaths(state_dir))
        assert options is not None
        bind = bind_layout(options)
        pid = our_pid(bind)
        assert pid is not None
        assert not bind.journal("bob.test").exists()
        assert "NOERROR" == dns.rcode.to_text(ask(info, "bob.test.", dns.rdatatype.SOA).rcode())

        removed = await sandbox_down(state_dir)

        assert gone(pid)
        assert {f"named (pid {pid})", f"directory {bind.dir}", f"file {info.tsig_key_file}"} <= set(
            removed
        )
        assert not bind.dir.exists()
        assert not info.tsig_key_file.exists()
        assert [] == await sandbox_down(state_dir)
