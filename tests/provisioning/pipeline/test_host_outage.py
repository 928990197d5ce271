"""A host's sshd stops mid-job (a real stop: listener and sessions gone, the host itself alive).

The job fails on that host; its undo keeps trying the host instead of giving up at once, and
finishes once sshd is back, leaving nothing. If the host stays away, the undo gives up but the
Bob's name, slot, address and DNS records stay, because its container may still be there and
use them.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from ipaddress import IPv4Address

import asyncssh
import pytest

from provisioning.config import Fleet, load_fleet
from provisioning.config.models import Host, Subnet
from provisioning.dns import DnsClient, secret_from_env
from provisioning.dns.zone import reverse_zone
from provisioning.hosts import ssh
from provisioning.jobs import Event, StepStarted
from provisioning.pipeline.outages import UNDO_PATIENCE, Patience
from provisioning.records import JobRecord, JobState, ReservationRecord, StepEvent
from sandbox import SandboxInfo, start_sshd, stop_sshd
from tests.provisioning.pipeline.conftest import MakeBob
from tests.provisioning.pipeline.observe import Found, containers, resolve, strays_on_hosts
from tests.provisioning.pipeline.outcome import NOTHING, entries, failures, leftovers
from tests.provisioning.pipeline.reconciled import assert_reconciled, reconciled
from tests.provisioning.pipeline.runtime import Bob, fleet_variant
from tests.waiting import until_true

pytestmark = pytest.mark.slow

# An undo window that ends while host-b stays away.
SHORT_UNDO = replace(UNDO_PATIENCE, window_s=0.5)
OUTAGE_S = 4.0  # longer than stopping the sibling lane's command on host-a
LOST = ("HostConnectionLost", "HostUnreachable")
TEN = 10


@pytest.fixture
async def outage(overlay: SandboxInfo) -> AsyncIterator[SandboxInfo]:
    """The overlay sandbox, with host-b's sshd running again after the test whatever happens."""
    try:
        yield overlay
    finally:
        await start_sshd(overlay.state_dir, "host-b")


async def bob_bootstrapping_on_both_hosts(
    info: SandboxInfo, make_bob: MakeBob, tmp_path, undo_patience: Patience = UNDO_PATIENCE
) -> Bob:
    """One Bob per host, each with a bootstrap that takes a while: the job is mid-flight."""
    fleet = fleet_variant(info, tmp_path, disks={"host-a": (1, 0, 0)}, bootstrap=["sleep", "2"])
    return await make_bob(fleet, undo_patience=undo_patience)


async def run_and_stop_sshd_mid_bootstrap(bob: Bob, info: SandboxInfo) -> asyncio.Task[JobRecord]:
    """Start the create of two Bobs; return once host-b's sshd was stopped in its bootstrap."""
    job, plan = await bob.submit_create(2)
    assert ["host-a", "host-b"] == [b.host for b in plan.bobs]  # premise: both hosts
    bootstrapping = asyncio.Event()

    async def watch(event: Event) -> None:
        if isinstance(event, StepStarted) and (event.step, event.host) == ("bootstrap", "host-b"):
            bootstrapping.set()

    bob.bus.subscribe(watch)
    running = asyncio.create_task(bob.runner.run(job.id))
    await asyncio.wait_for(bootstrapping.wait(), timeout=30)

    def sleeping_on_host_b() -> bool:
        return any(p.endswith(" sleep 2") for p in strays_on_hosts(info).get("host-b", []))

    await until_true(sleeping_on_host_b, "the bootstrap's `sleep 2` running on host-b")
    await stop_sshd(info.state_dir, "host-b")
    return running


async def test_sshd_stopped_mid_job_fails_it_and_the_undo_cleans_up_once_sshd_is_back(
    outage: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await bob_bootstrapping_on_both_hosts(outage, make_bob, tmp_path)
    running = await run_and_stop_sshd_mid_bootstrap(bob, outage)
    await asyncio.sleep(OUTAGE_S)  # the behaviour under test: host-b stays away a while
    await start_sshd(outage.state_dir, "host-b")

    job = await asyncio.wait_for(running, timeout=60)

    assert JobState.FAILED == job.state
    journal = await bob.store.journal(job.id)
    failed = failures(journal)[0]
    assert ("bootstrap", "host-b") == (failed.step, failed.host)
    assert any(f"on host-b failed: {lost}:" in (failed.detail or "") for lost in LOST)
    retried = [e for e in entries(journal, StepEvent.LOG) if "again in" in (e.detail or "")]
    assert {"host-b"} == {e.host for e in retried}  # the undo waited for host-b …
    assert [] == entries(journal, StepEvent.UNDO_FAILED)  # … and then finished
    assert NOTHING == await leftovers(outage, bob)
    await assert_reconciled(bob.fleet, bob.store)


async def test_a_host_that_stays_away_keeps_its_bobs_reservation_and_reconcile_reports_it(
    outage: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await bob_bootstrapping_on_both_hosts(outage, make_bob, tmp_path, SHORT_UNDO)
    running = await run_and_stop_sshd_mid_bootstrap(bob, outage)

    job = await asyncio.wait_for(running, timeout=60)

    assert JobState.FAILED == job.state
    assert "undo failed for" in (job.error or "")
    journal = await bob.store.journal(job.id)
    undo_failed = {(e.step, e.host) for e in entries(journal, StepEvent.UNDO_FAILED)}
    # The first undo that needs host-b (the lockers step, right after start) cannot run, so
    # nothing before it is undone: what the stopped Bob needs stays.
    assert {("lockers", "host-b")} == undo_failed
    held = await bob.store.list_reservations()
    assert ["bob002"] == [r.name for r in held]
    await start_sshd(outage.state_dir, "host-b")
    assert [Found("host-b", "disk1", "bob002", "RUNNING", str(held[0].ip))] == containers(
        outage
    )  # why it stays reserved: its container is still there (host-a's is gone)
    report = await reconciled(bob.fleet, bob.store)
    assert [  # what the undo could not clean up is what the reconciler reports
        ("container-without-record", "bob002", "host-b"),
        ("stale-reservation", "bob002", "host-b"),
    ] == sorted((f.kind.value, f.subject, f.host) for f in report.findings)


async def test_a_host_that_stays_away_keeps_its_bobs_address_in_dns_while_its_container_may_run(
    outage: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    fleet = fleet_variant(outage, tmp_path, disks={"host-a": (1, 0, 0)}, bootstrap=["sleep", "2"])
    assert fleet.dns is not None
    client = DnsClient(fleet.dns, secret_from_env(fleet.dns))
    bob = await make_bob(fleet, dns=client, undo_patience=SHORT_UNDO)
    server, port = str(fleet.dns.server), fleet.dns.port
    running = await run_and_stop_sshd_mid_bootstrap(bob, outage)
    held: list[ReservationRecord] = []
    try:
        job = await asyncio.wait_for(running, timeout=60)
        held = await bob.store.list_reservations()

        assert ["bob002"] == [r.name for r in held]
        address = held[0].ip
        assert address is not None
        name = f"bob002.{subnet_of(fleet, address).forward_zone}"
        assert [str(address)] == resolve(server, port, name, "A")
        assert [f"{name}."] == resolve(server, port, address.reverse_pointer, "PTR")
        assert (
            "not undone, kept for what 'lockers' left: "
            "'start', 'identity', 'configure', 'clone', 'dns', 'reserve'" in (job.error or "")
        )
    finally:
        await start_sshd(outage.state_dir, "host-b")
        for reservation in held:  # the sandbox's BIND outlives the test
            if reservation.ip is not None:
                subnet = subnet_of(fleet, reservation.ip)
                await client.release(
                    reservation.name, reservation.ip, subnet.forward_zone, reverse_zone(subnet)
                )


def subnet_of(fleet: Fleet, address: IPv4Address) -> Subnet:
    return next(s for s in fleet.subnets if address in s.cidr)


async def test_a_failed_create_of_ten_bobs_on_a_host_that_never_comes_back_waits_one_window(
    outage: SandboxInfo, make_bob: MakeBob, monkeypatch
) -> None:
    connects: Counter[str] = Counter()
    connect = ssh.open_connection

    async def counted(host: Host) -> asyncssh.SSHClientConnection:
        connects[host.name] += 1
        return await connect(host)

    monkeypatch.setattr(ssh, "open_connection", counted)
    bob = await make_bob(load_fleet(outage.config_path))
    job, plan = await bob.submit_create(TEN, host="host-b")
    cloning = asyncio.Event()

    async def watch(event: Event) -> None:
        if isinstance(event, StepStarted) and event.step == "clone":
            cloning.set()

    bob.bus.subscribe(watch)
    running = asyncio.create_task(bob.runner.run(job.id))
    await asyncio.wait_for(cloning.wait(), timeout=30)
    await stop_sshd(outage.state_dir, "host-b")  # for good: started again only after the job
    stopped, before = time.monotonic(), connects["host-b"]

    final = await asyncio.wait_for(running, timeout=10 * UNDO_PATIENCE.window_s)
    took, asked = time.monotonic() - stopped, connects["host-b"] - before

    print(
        f"\n{TEN} Bobs on a host that stayed away: the job failed {took:.1f} s after sshd "
        f"stopped (undo window {UNDO_PATIENCE.window_s:g} s), {asked} connection attempts"
    )
    assert JobState.FAILED == final.state
    journal = await bob.store.journal(job.id)
    undo_failed = entries(journal, StepEvent.UNDO_FAILED)
    assert sorted(b.name for b in plan.bobs) == sorted(e.lane for e in undo_failed)  # one each
    assert all(
        f"still failing after {UNDO_PATIENCE.window_s:g} s" in (e.detail or "") for e in undo_failed
    )
    assert sorted(b.name for b in plan.bobs) == sorted(
        r.name for r in await bob.store.list_reservations()
    )
    # One lane retried for all (one attempt per backoff step), plus each lane's own tries: a
    # window of retries per Bob, one after another, would be hundreds.
    retries_in_one_window = UNDO_PATIENCE.window_s / UNDO_PATIENCE.backoff.max_s + 5
    assert asked <= retries_in_one_window + 3 * TEN
