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
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provisioning.config import Fleet, load_fleet
from provisioning.core.plan import plan_create
from provisioning.dns import DnsClient, secret_from_env
from provisioning.dns.zone import reverse_zone
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.specs import attach_spec
from provisioning.records import JobState, NewJob
from provisioning.sandbox import SandboxInfo
from provisioning.store import SqlStore
from tests.jenkins_double import JenkinsDouble
from tests.provisioning.pipeline.observe import containers
from tests.provisioning.pipeline.with_jenkins import BobWithJenkins, with_jenkins
from tests.provisioning.sandbox.fixtures import host_ssh


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

    assert 1 == code
    assert [("dns-without-bob", "bob001")] == sorted(
        (f["kind"], f["subject"]) for f in report["repaired"]
    )
    assert [("container-without-record", "bob001")] == kinds(report)
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
