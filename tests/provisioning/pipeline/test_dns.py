"""DNS in the create and destroy pipelines, against a real BIND and the real sandbox.

Each test gets its own BIND serving bob.test and the sandbox subnets' reverse zones; what the
server holds is read back by a plain AXFR (tests/bind.py), independent of bob's client.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from provisioning.config import Fleet, load_fleet
from provisioning.dns import DnsClient, DnsError, secret_from_env
from provisioning.records import JobState, StepEvent
from sandbox import SandboxInfo
from tests.bind import BindServer, Zone, ptr_lines
from tests.provisioning.pipeline.observe import containers, inspect, resolve
from tests.provisioning.pipeline.runtime import bob_runtime, db_url, fleet_variant

FORWARD = "bob.test"


def zones_for(fleet: Fleet, forward: Sequence[str] = (), reverse: Sequence[str] = ()) -> list[Zone]:
    reverse_zones = sorted({s.reverse_zone for s in fleet.subnets if s.reverse_zone})
    first = reverse_zones[0]
    return [
        Zone(FORWARD, forward),
        *(Zone(z, ptr_lines(reverse, z) if z == first else []) for z in reverse_zones),
    ]


def with_dns(fleet: Fleet, bind: BindServer, **settings: object) -> tuple[Fleet, DnsClient]:
    """The fleet pointed at ``bind``, and bob's client for it."""
    dns_settings = bind.settings(**settings)
    return fleet.model_copy(update={"dns": dns_settings}), DnsClient(dns_settings, bind.secret)


def bob_records(bind: BindServer, fleet: Fleet, name: str) -> list[tuple[str, str, str]]:
    """Every A/PTR/TXT record that mentions ``name``, in every served zone."""
    zones = [FORWARD, *sorted({s.reverse_zone for s in fleet.subnets if s.reverse_zone})]
    return [r for z in zones for r in bind.records(z) if name in r[0] or name in r[2]]


async def test_a_new_bob_resolves_forward_and_reverse(
    overlay: SandboxInfo, tmp_path: Path, start_bind
):
    base = fleet_variant(overlay, tmp_path)
    bind = start_bind(zones_for(base))
    fleet, client = with_dns(base, bind)
    async with bob_runtime(fleet, db_url(tmp_path), dns=client) as bob:
        job, plan = await bob.create(1, host="host-a")
    assert JobState.SUCCEEDED == job.state
    ip = str(plan.bobs[0].ip)
    reverse = plan.bobs[0].ip.reverse_pointer
    records = bob_records(bind, fleet, "bob001")
    assert ("bob001.bob.test", "A", ip) in records
    assert (reverse, "PTR", "bob001.bob.test.") in records


async def test_a_create_that_fails_after_registration_leaves_no_record(
    overlay: SandboxInfo, tmp_path: Path, start_bind
):
    base = fleet_variant(overlay, tmp_path, bootstrap=["sh", "-c", "echo boom >&2; exit 1"])
    bind = start_bind(zones_for(base))
    fleet, client = with_dns(base, bind)
    async with bob_runtime(fleet, db_url(tmp_path), dns=client) as bob:
        job, _ = await bob.create(2, host="host-a")
        journal = await bob.store.journal(job.id)
    assert JobState.FAILED == job.state
    assert any(e.step == "dns" and e.event is StepEvent.UNDONE for e in journal)
    assert [] == bob_records(bind, fleet, "bob00")


async def test_destroy_removes_both_records(overlay: SandboxInfo, tmp_path: Path, start_bind):
    base = fleet_variant(overlay, tmp_path)
    bind = start_bind(zones_for(base))
    fleet, client = with_dns(base, bind)
    async with bob_runtime(fleet, db_url(tmp_path), dns=client) as bob:
        await bob.create(1, host="host-a")
        job, _ = await bob.destroy("bob001")
    assert job is not None
    assert JobState.SUCCEEDED == job.state
    assert [] == bob_records(bind, fleet, "bob001")


async def test_a_hand_made_name_is_never_reused(overlay: SandboxInfo, tmp_path: Path, start_bind):
    base = fleet_variant(overlay, tmp_path)
    bind = start_bind(zones_for(base, forward=["bob001 A 10.250.250.250"]))
    fleet, client = with_dns(base, bind)
    async with bob_runtime(fleet, db_url(tmp_path), dns=client) as bob:
        job, plan = await bob.create(1, host="host-a")
    assert (JobState.SUCCEEDED, ["bob002"]) == (job.state, plan.names)


async def test_an_address_taken_outside_bob_moves_the_bob_to_the_next_free_one(
    overlay: SandboxInfo, tmp_path: Path, start_bind
):
    base = fleet_variant(overlay, tmp_path)
    host_a = base.host("host-a")
    subnet = base.subnets_for(host_a.datacenter)[0]
    planned_first = next(a for a in subnet.cidr.hosts() if a != subnet.gateway)
    # With the scan strategy nothing looks at the reverse zone before the claim, so the plan
    # picks the hand-made address and the claim's prerequisite is what catches it.
    bind = start_bind(zones_for(base, reverse=[str(planned_first)]))
    fleet, client = with_dns(base, bind, allocation="scan")
    async with bob_runtime(fleet, db_url(tmp_path), dns=client) as bob:
        job, plan = await bob.create(1, host="host-a")
        record = await bob.store.get_bob("bob001")
    assert (JobState.SUCCEEDED, planned_first) == (job.state, plan.bobs[0].ip)
    assert record is not None
    assert record.ip is not None
    assert record.ip != planned_first
    inside = inspect(overlay, "host-a", record.disk, "bob001", str(record.ip))
    assert (True, str(record.ip)) == (inside.pings, inside.address)
    assert ("bob001.bob.test", "A", str(record.ip)) in bob_records(bind, fleet, "bob001")


async def test_a_bob_made_in_the_sandbox_resolves_through_the_sandbox_bind(
    overlay: SandboxInfo, tmp_path: Path
):
    fleet = load_fleet(overlay.config_path)
    assert fleet.dns is not None
    client = DnsClient(fleet.dns, secret_from_env(fleet.dns))
    server, port = str(fleet.dns.server), fleet.dns.port
    async with bob_runtime(fleet, db_url(tmp_path), dns=client) as bob:
        job, plan = await bob.create(1, host="host-b")
        ip = plan.bobs[0].ip
        try:
            assert JobState.SUCCEEDED == job.state
            assert [str(ip)] == resolve(server, port, "bob001.bob.test", "A")
            assert ["bob001.bob.test."] == resolve(server, port, ip.reverse_pointer, "PTR")
        finally:
            await bob.destroy("bob001")
    assert [] == resolve(server, port, "bob001.bob.test", "A")


async def test_a_wrong_tsig_key_refuses_the_create_before_anything_is_reserved(
    overlay: SandboxInfo, tmp_path: Path, start_bind
):
    base = fleet_variant(overlay, tmp_path)
    bind = start_bind(zones_for(base))
    fleet = base.model_copy(update={"dns": bind.settings()})
    wrong = DnsClient(bind.settings(), "d3JvbmcgYnV0IHZhbGlkIGJhc2U2NA==")
    async with bob_runtime(fleet, db_url(tmp_path), dns=wrong) as bob:
        with pytest.raises(DnsError, match=r"NOTAUTH.*127\.0\.0\.1.*bob\.test"):
            await bob.submit_create(1, host="host-a")
        assert ([], []) == (await bob.store.list_jobs(), await bob.store.occupants())


async def test_bind_going_down_mid_job_fails_the_job_and_keeps_the_names_it_cannot_clear(
    overlay: SandboxInfo, tmp_path: Path, start_bind
):
    # A claim whose answer was lost may have made the records: until DNS can say they are gone,
    # the names and addresses they would point at stay reserved.
    base = fleet_variant(overlay, tmp_path)
    bind = start_bind(zones_for(base))
    fleet, client = with_dns(base, bind)
    async with bob_runtime(fleet, db_url(tmp_path), dns=client) as bob:
        job, _ = await bob.submit_create(2, host="host-a")
        bind.stop()  # after planning, before the dns step claims anything
        final = await bob.runner.run(job.id)
        journal = await bob.store.journal(job.id)
        left = (await bob.store.occupants(), await bob.store.list_bobs())
    failed = [e.detail or "" for e in journal if e.event is StepEvent.FAILED and e.step == "dns"]
    assert JobState.FAILED == final.state
    assert failed
    assert "127.0.0.1" in failed[0]
    assert (["bob001", "bob002"], []) == (sorted(o.name for o in left[0]), left[1])
    assert "not undone, kept for what 'dns' left: 'reserve'" in (final.error or "")
    assert [] == containers(overlay)
