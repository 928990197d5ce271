"""`bob reconcile` on the real sandbox: every kind of orphan is reported, `--fix` removes it and
audits the repair, and a fleet where everything agrees reports zero differences.

The orphans are made by hand the way they happen in life: a Bob record lost (its container, DNS
records and agent remain), a reservation whose job is over, DNS records and an agent made for a
Bob that never was, a directory someone else put on a disk. The checks after `--fix` read the
systems themselves: the hosts over the sandbox's ssh, the zones by AXFR, the double's nodes.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.settings import LEASE_ENV
from provisioning.config import Fleet, load_fleet
from provisioning.core.models import CreatePlan, PlannedBob
from provisioning.core.plan import plan_create
from provisioning.dns import DnsClient, secret_from_env
from provisioning.dns.zone import reverse_zone
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.specs import attach_spec
from provisioning.records import JobState, NewJob
from provisioning.store import SqlStore
from sandbox import SandboxInfo, start_sshd, stop_sshd
from tests.jenkins_double import JenkinsDouble
from tests.provisioning.pipeline.cli_world import wait_lease_out
from tests.provisioning.pipeline.observe import containers
from tests.provisioning.pipeline.with_jenkins import BOB, BobWithJenkins, with_jenkins
from tests.sandbox.fixtures import host_ssh


@dataclass
class World:
    config: Path
    fleet: Fleet
    url: str
    env: dict[str, str]
    double: JenkinsDouble
    cli: BobWithJenkins

    def bob(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return self.cli.run(*argv)

    def reconcile(self, *flags: str) -> tuple[int, dict[str, Any]]:
        done = self.bob("reconcile", "--json", *flags)
        assert done.stdout, done.stderr
        return done.returncode, json.loads(done.stdout)

    def store(self) -> SqlStore:
        return asyncio.run(SqlStore.open(self.url))

    def dns(self) -> DnsClient:
        assert self.fleet.dns is not None
        return DnsClient(self.fleet.dns, secret_from_env(self.fleet.dns))

    def zone_names(self) -> set[str]:
        """Every owner name in every zone bob serves (forward and reverse)."""

        async def read() -> set[str]:
            client = self.dns()
            names: set[str] = set()
            for zone in ("bob.test", *(f"{s}" for s in self._reverse_zones())):
                names |= {r.name for r in await client.axfr(zone)}
            return names

        return asyncio.run(read())

    def _reverse_zones(self) -> list[str]:
        return sorted({reverse_zone(s) for s in self.fleet.subnets})


@pytest.fixture
def offline_after_s() -> float:
    return 3600.0


@pytest.fixture
def world(overlay: SandboxInfo, tmp_path: Path, offline_after_s: float) -> Iterator[World]:
    double = JenkinsDouble().start()
    try:
        cli = with_jenkins(
            overlay, tmp_path, double, labels={"light": 2}, offline_after_s=offline_after_s
        )
        yield World(cli.config, load_fleet(cli.config), cli.url, cli.env, double, cli)
    finally:
        double.stop()


def kinds(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["kind"], f["subject"]) for f in report["findings"])


def lose_record(world: World, name: str) -> None:
    """bob forgets a Bob: its container, DNS records and agent stay behind."""

    async def forget() -> None:
        store = await SqlStore.open(world.url)
        try:
            assert await store.delete_bob(name)
        finally:
            await store.close()

    asyncio.run(forget())


def leave_reservation(world: World) -> str:
    """A reservation whose job failed without giving it back."""

    async def reserve() -> str:
        store = await SqlStore.open(world.url)
        try:
            job, plan = await store.reserve(
                NewJob(kind="create", params={}, requested_by="t", source="test"),
                lambda held: plan_create(world.fleet, held, 1, host="host-b"),
            )
            await store.set_job_state(job.id, JobState.FAILED, error="killed")
            return plan.names[0]
        finally:
            await store.close()

    return asyncio.run(reserve())


def stray_dns_and_agent(world: World, name: str) -> None:
    """DNS records and an agent bob made for a Bob that was never recorded."""
    subnet = world.fleet.subnets[0]
    ip = subnet.cidr.network_address + 77

    async def make() -> None:
        await world.dns().claim(name, "bob.test", ip, reverse_zone(subnet), "deadbeef")
        controller = ScriptConsoleController(world.fleet.jenkins[0], env=world.env)
        spec = attach_spec(
            world.fleet,
            world.fleet.jenkins[0],
            name=name,
            ip=ip,
            label="light",
            job_id="deadbeef",
        )
        await controller.attach(spec)

    asyncio.run(make())


def test_a_fleet_where_everything_agrees_has_zero_differences(world: World) -> None:
    assert 0 == world.bob("create", "2").returncode
    assert 0 == world.bob("attach", "1", "to", "ci-main", "light").returncode

    code, report = world.reconcile()

    assert (0, 0, []) == (code, report["differences"], report["findings"])
    zones = 1 + len(world._reverse_zones())
    assert {"hosts": 2, "zones": zones, "controllers": 1} == report["read"]
    assert 0 == world.bob("destroy", "bob001", "bob002", "--yes").returncode


def test_every_kind_of_orphan_is_reported_and_fix_removes_it_audited(
    world: World, overlay: SandboxInfo
) -> None:
    assert 0 == world.bob("create", "2").returncode
    assert 0 == world.bob("attach", "1", "to", "ci-main", "light").returncode  # bob001
    reserved = leave_reservation(world)  # bob003, before bob001's name is free again
    lose_record(world, "bob001")
    stray_dns_and_agent(world, "bob077")
    host_ssh(overlay, "host-a", ["mkdir", "-p", "/var/lib/bob/disk3/handmade"])
    try:
        code, report = world.reconcile()

        assert 1 == code
        assert [
            ("container-without-record", "bob001"),
            ("dns-without-bob", "bob001"),
            ("dns-without-bob", "bob077"),
            ("foreign-container", "handmade"),
            ("node-without-bob", "bob001"),
            ("node-without-bob", "bob077"),
            ("stale-reservation", reserved),
        ] == kinds(report)

        code, fixed = world.reconcile("--fix", "--yes")

        # What stays is what bob must not touch: a directory it did not make.
        assert (1, [("foreign-container", "handmade")]) == (code, kinds(fixed))
        assert sorted(
            [
                ("container-without-record", "bob001"),
                ("dns-without-bob", "bob001"),
                ("dns-without-bob", "bob077"),
                ("node-without-bob", "bob001"),
                ("node-without-bob", "bob077"),
                ("stale-reservation", reserved),
            ]
        ) == sorted((f["kind"], f["subject"]) for f in fixed["repaired"])
        assert ["bob002"] == [c.name for c in containers(overlay)]
        assert {"bob002.bob.test"} == {n for n in world.zone_names() if n.startswith("bob0")}
        assert {} == world.double.nodes

        async def audited() -> list[str]:
            store = await SqlStore.open(world.url)
            try:
                return [e.outcome for e in await store.audit_log(limit=50)]
            finally:
                await store.close()

        assert 6 == asyncio.run(audited()).count("fixed")
    finally:
        host_ssh(overlay, "host-a", ["rmdir", "/var/lib/bob/disk3/handmade"], check=False)
        world.bob("destroy", "bob002", "--yes")


def test_destructive_repairs_wait_for_confirmation(world: World, overlay: SandboxInfo) -> None:
    assert 0 == world.bob("create", "1").returncode
    lose_record(world, "bob001")

    code, report = world.reconcile("--fix")  # no terminal, no --yes: nothing destructive

    # Its DNS records stay too: the container that still runs uses that address.
    assert (1, []) == (code, report["repaired"])
    assert [("container-without-record", "bob001")] == [
        (f["kind"], f["subject"]) for f in report["skipped"]
    ]
    assert [("dns-without-bob", "bob001")] == [(f["kind"], f["subject"]) for f in report["held"]]
    assert [("container-without-record", "bob001"), ("dns-without-bob", "bob001")] == kinds(report)
    assert ["bob001"] == [c.name for c in containers(overlay)]
    code, _ = world.reconcile("--fix", "--yes")
    assert (0, []) == (code, containers(overlay))


def test_a_base_version_left_behind_is_reported_and_removed(
    world: World, overlay: SandboxInfo
) -> None:
    # What an interrupted build or a skipped collection leaves: a version nobody clones from.
    host_ssh(
        overlay, "host-b", ["lxc-copy", "-P", "/var/lib/bob/base", "-n", "base", "-N", "base-v9"]
    )
    try:
        code, report = world.reconcile()
        assert (1, [("base-unreferenced", "base-v9")]) == (code, kinds(report))

        code, fixed = world.reconcile("--fix")  # not destructive: no --yes needed

        assert (0, [("base-unreferenced", "base-v9")]) == (
            code,
            [(f["kind"], f["subject"]) for f in fixed["repaired"]],
        )
        listing = host_ssh(overlay, "host-b", ["ls", "/var/lib/bob/base"]).stdout.split()
        assert "base-v9" not in listing
        assert "base" in listing  # the current base is untouched
    finally:
        host_ssh(
            overlay,
            "host-b",
            ["lxc-destroy", "-P", "/var/lib/bob/base", "-n", "base-v9"],
            check=False,
        )


@pytest.mark.parametrize("offline_after_s", [0.0])
def test_an_agent_offline_too_long_is_reported(world: World) -> None:
    assert 0 == world.bob("create", "1").returncode
    assert 0 == world.bob("attach", "1", "to", "ci-main", "light").returncode
    try:
        # The double's agents never connect: offline since the first pass saw them.
        code, report = world.reconcile()

        assert (1, [("agent-offline", "bob001")]) == (code, kinds(report))
        assert "agent of ci-main offline since" in report["findings"][0]["detail"]
    finally:
        world.bob("destroy", "bob001", "--yes")


# What reconcile may say and repair when it cannot see everything (issue 13, points 1, 5, 6).


def leftovers_of_a_failed_job(world: World, names: list[str]) -> str:
    """Turn ``names``'s Bob records into what a create that failed while their host was away
    leaves: its containers running, its DNS records, the names still reserved by the job."""

    async def turn() -> str:
        store = await SqlStore.open(world.url)
        try:
            records = [b for b in await store.list_bobs() if b.name in names]
            for record in records:
                assert await store.delete_bob(record.name)
            subnet = world.fleet.subnets[0]
            plan = CreatePlan(
                bobs=tuple(
                    PlannedBob(
                        name=b.name,
                        host=b.host,
                        disk=b.disk,
                        slot=b.slot,
                        ip=b.ip or subnet.gateway,
                        gateway=subnet.gateway,
                        prefix_length=subnet.cidr.prefixlen,
                    )
                    for b in records
                )
            )
            job, _ = await store.reserve(
                NewJob(kind="create", params={}, requested_by="t", source="test"),
                lambda held: plan,
            )
            await store.set_job_state(job.id, JobState.FAILED, error="host-b went away")
            return job.id
        finally:
            await store.close()

    return asyncio.run(turn())


def reserved(world: World) -> list[str]:
    async def read() -> list[str]:
        store = await SqlStore.open(world.url)
        try:
            return sorted(r.name for r in await store.list_reservations())
        finally:
            await store.close()

    return asyncio.run(read())


def test_nothing_on_a_host_that_cannot_be_read_is_released_and_its_names_are_not_offered_again(
    world: World, overlay: SandboxInfo
) -> None:
    assert 0 == world.bob("create", "2", "--host", "host-b").returncode
    leftovers_of_a_failed_job(world, ["bob001", "bob002"])
    asyncio.run(stop_sshd(overlay.state_dir, "host-b"))
    try:
        code, report = world.reconcile()

        assert 1 == code
        assert [
            ("unknown", "bob001"),  # its DNS records: the container may be there
            ("unknown", "bob001"),  # its reservation
            ("unknown", "bob002"),
            ("unknown", "bob002"),
            ("unreadable", "host:host-b"),
        ] == kinds(report)
        assert all(f["repair"] is None for f in report["findings"])

        code, fixed = world.reconcile("--fix", "--yes")

        assert (1, [], ["bob001", "bob002"]) == (code, fixed["repaired"], reserved(world))
        plan = world.bob("create", "1", "--dry-run")
        assert "bob003" in plan.stdout
        assert "bob001" not in plan.stdout
    finally:
        asyncio.run(start_sshd(overlay.state_dir, "host-b"))

    # Back: the containers go first, then the names and addresses they used.
    code, fixed = world.reconcile("--fix", "--yes")
    assert (0, [], []) == (code, fixed["findings"], containers(overlay))
    assert [] == reserved(world)
    assert not {n for n in world.zone_names() if n.startswith("bob0")}


def lose_containers_and_dns(world: World, overlay: SandboxInfo, names: list[str]) -> None:
    """What `sandbox down` and `up` did to a store kept across them: its Bobs' containers and
    DNS records are gone, their records stay."""

    async def forget_dns() -> None:
        store = await SqlStore.open(world.url)
        try:
            subnet = world.fleet.subnets[0]
            for b in [b for b in await store.list_bobs() if b.name in names]:
                assert b.ip is not None
                await world.dns().release(b.name, b.ip, "bob.test", reverse_zone(subnet))
        finally:
            await store.close()

    asyncio.run(forget_dns())
    for found in containers(overlay):
        if found.name in names:
            lxcpath = f"/var/lib/bob/{found.disk}"
            host_ssh(overlay, found.host, ["lxc-stop", "-k", "-P", lxcpath, "-n", found.name])
            host_ssh(overlay, found.host, ["lxc-destroy", "-P", lxcpath, "-n", found.name])


def test_fix_never_gives_dns_to_bobs_whose_containers_are_gone_and_counts_what_remains(
    world: World, overlay: SandboxInfo
) -> None:
    assert 0 == world.bob("create", "2").returncode
    lose_containers_and_dns(world, overlay, ["bob001", "bob002"])

    fixing = world.bob("reconcile", "--fix")  # no terminal, no --yes

    assert 1 == fixing.returncode
    assert fixing.stdout.splitlines()[0].endswith(": 2 differences found, 0 fixed, 2 remain"), (
        fixing.stdout
    )
    assert not {n for n in world.zone_names() if n.startswith("bob0")}
    code, report = world.reconcile()
    assert [
        ("record-without-container", "bob001"),
        ("record-without-container", "bob002"),
    ] == kinds(report)

    code, fixed = world.reconcile("--fix", "--yes")
    assert (0, 2, 2, 0) == (code, fixed["found"], len(fixed["repaired"]), fixed["differences"])


def test_a_job_no_runner_holds_is_reported_interrupted_not_being_worked_on(
    world: World, overlay: SandboxInfo, tmp_path: Path
) -> None:
    env = {**world.env, LEASE_ENV: "2"}
    argv = [str(BOB), "create", "2", "--config", str(world.config)]
    creating = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = tmp_path / "bob.db"
    try:
        wait_for_row(database, "SELECT 1 FROM journal WHERE step = 'clone' AND event = 'started'")
    finally:
        creating.kill()  # SIGKILL: what a killed terminal or a crash leaves
        creating.wait()
    [(job_id,)] = query(database, "SELECT id FROM jobs")
    wait_lease_out(database, job_id)

    code, report = world.reconcile()

    assert (1, []) == (code, report["in_progress"])
    [finding] = report["findings"]
    assert ("job-interrupted", job_id) == (finding["kind"], finding["subject"])
    assert f"`bob resume {job_id}`" in finding["detail"]
    assert f"`bob cancel {job_id}`" in finding["detail"]
    assert "bob001" in finding["detail"]

    resumed = world.bob("resume")  # one of the two ways on
    assert 0 == resumed.returncode, resumed.stdout + resumed.stderr
    code, report = world.reconcile()
    assert (0, []) == (code, report["findings"])
    assert 0 == world.bob("destroy", "bob001", "bob002", "--yes").returncode


def test_a_base_an_interrupted_rebuild_left_half_built_is_reported(
    world: World, overlay: SandboxInfo
) -> None:
    async def interrupted_rebuild() -> str:
        store = await SqlStore.open(world.url)
        try:
            job = await store.create_job(
                NewJob(kind="rebuild-base", params={"hosts": ["host-b"]}, source="test")
            )
            await store.claim_job(job.id, "bob@gone:1:abc", timedelta(0))  # a lease run out
            await store.set_job_state(job.id, JobState.RUNNING)
            return job.id
        finally:
            await store.close()

    job_id = asyncio.run(interrupted_rebuild())
    base = "/var/lib/bob/base"
    host_ssh(overlay, "host-b", ["lxc-copy", "-P", base, "-n", "base", "-N", "base-v9"])
    lock = f"job={job_id} version=9"
    host_ssh(
        overlay, "host-b", ["sh", "-c", 'printf %s "$1" > "$2"', "-", lock, f"{base}/.bob-rebuild"]
    )
    try:
        code, report = world.reconcile()

        assert (1, [("base-half-built", "base-v9"), ("job-interrupted", job_id)]) == (
            code,
            kinds(report),
        )
        [half] = [f for f in report["findings"] if f["kind"] == "base-half-built"]
        assert ("host-b", None) == (half["host"], half["repair"])
        assert f"`bob cancel {job_id}`" in half["detail"]
    finally:
        host_ssh(overlay, "host-b", ["rm", "-f", f"{base}/.bob-rebuild"], check=False)
        host_ssh(overlay, "host-b", ["lxc-destroy", "-P", base, "-n", "base-v9"], check=False)

        async def end() -> None:
            store = await SqlStore.open(world.url)
            try:
                await store.set_job_state(job_id, JobState.CANCELLED)
            finally:
                await store.close()

        asyncio.run(end())


def test_a_hand_made_node_named_like_a_bob_is_reported_and_never_touched(world: World) -> None:
    assert 0 == world.bob("create", "1").returncode
    world.double.add_node("bob001", "light")  # made by hand: no "managed by bob" description
    world.double.add_node("bob009", "light")
    try:
        code, report = world.reconcile()
        assert (1, [("foreign-node", "bob001"), ("foreign-node", "bob009")]) == (
            code,
            kinds(report),
        )

        code, fixed = world.reconcile("--fix", "--yes")

        assert (1, []) == (code, fixed["repaired"])
        assert {"bob001", "bob009"} == set(world.double.nodes)
    finally:
        world.double.nodes.clear()
        world.bob("destroy", "bob001", "--yes")


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def wait_for_row(database: Path, sql: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if database.exists() and query(database, sql):
                return
        except sqlite3.OperationalError:
            pass  # not migrated yet, or busy
        time.sleep(0.02)
    raise AssertionError(f"no rows for {sql!r} after {timeout:g} s")
