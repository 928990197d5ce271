"""Create on the real sandbox, for each storage backend (btrfs, dir, overlay): Bobs on both hosts.

One job makes four Bobs in a fleet whose disks take one Bob each, so they fill every disk of
host-a and spill onto host-b. Each test then checks one property of every Bob through the
sandbox's own SSH (lxc-info, ping, /proc, the cgroup tree, lxc-attach), never through bob.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from provisioning.core.models import CreatePlan
from provisioning.records import JobRecord, JobState
from sandbox import SandboxInfo
from tests.provisioning.pipeline.observe import (
    Found,
    Inside,
    clear_bobs,
    containers,
    inspect,
    run_on,
)
from tests.provisioning.pipeline.runtime import bob_runtime, db_url, fleet_variant

pytestmark = pytest.mark.slow

ONE_PER_DISK = {"host-a": (1, 1, 1), "host-b": (1, 1, 1)}
# bob_defaults.cgroup.memory of the sandbox's bob.yaml is "256M"
MEMORY_LIMIT = 256 * 1024 * 1024
BASE_IDENTITY = "/var/lib/bob/base/base/rootfs/etc/chef/client.pem"


@dataclass(frozen=True)
class Created:
    info: SandboxInfo
    job: JobRecord
    plan: CreatePlan
    found: list[Found]
    inside: dict[str, Inside]

    def each(self, fact: str) -> dict[str, object]:
        return {name: getattr(seen, fact) for name, seen in self.inside.items()}

    def every_bob(self, value: object) -> dict[str, object]:
        return {bob.name: value for bob in self.plan.bobs}


@pytest.fixture(scope="module")
def created(any_fleet: SandboxInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Created]:
    directory = tmp_path_factory.mktemp("create")
    fleet = fleet_variant(any_fleet, directory, disks=ONE_PER_DISK)

    async def create_four() -> tuple[JobRecord, CreatePlan]:
        async with bob_runtime(fleet, db_url(directory)) as bob:
            return await bob.create(4)

    try:
        job, plan = asyncio.run(create_four())
        inside = {b.name: inspect(any_fleet, b.host, b.disk, b.name, str(b.ip)) for b in plan.bobs}
        yield Created(any_fleet, job, plan, containers(any_fleet), inside)
    finally:
        clear_bobs(any_fleet)


def test_the_job_succeeds(created: Created) -> None:
    assert (JobState.SUCCEEDED, None) == (created.job.state, created.job.error)


def test_each_bob_is_a_container_on_the_planned_host_and_disk_spilling_onto_host_b(
    created: Created,
) -> None:
    planned = [(b.host, b.disk, b.name) for b in created.plan.bobs]
    assert [
        ("host-a", "disk1", "bob001"),
        ("host-a", "disk2", "bob002"),
        ("host-a", "disk3", "bob003"),
        ("host-b", "disk1", "bob004"),
    ] == planned
    assert planned == [(f.host, f.disk, f.name) for f in created.found]


def test_every_bob_is_running(created: Created) -> None:
    assert created.every_bob("RUNNING") == {f.name: f.state for f in created.found}


def test_every_bob_answers_ping_from_its_host(created: Created) -> None:
    assert created.every_bob(True) == created.each("pings")


def test_every_bob_has_its_planned_address_on_eth0(created: Created) -> None:
    assert {b.name: str(b.ip) for b in created.plan.bobs} == created.each("address")


def test_every_bob_runs_under_the_configured_memory_limit(created: Created) -> None:
    assert created.every_bob(MEMORY_LIMIT) == created.each("memory_limit")


def test_the_identity_file_of_the_base_is_gone_from_every_bob(created: Created) -> None:
    run_on(created.info, "host-a", "test", "-s", BASE_IDENTITY)  # premise: the base has one
    assert created.every_bob(False) == created.each("identity_file_present")


def test_every_bob_is_named_after_itself_by_hostname_and_etc_hostname(created: Created) -> None:
    named = {name: (seen.hostname, seen.etc_hostname) for name, seen in created.inside.items()}
    assert {b.name: (b.name, b.name) for b in created.plan.bobs} == named
