"""rebuild-base on the real sandbox (two namespace hosts, overlay clones of busybox bases).

The scenario runs once: a Bob on each host, a file written inside each, a rebuild of every
host, then a new Bob. Each test checks one fact of it on the hosts themselves.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from handlers import queries, render
from handlers.rebuild import submit_rebuild
from handlers.requests import ListBobs, RebuildBase
from provisioning.config import load_fleet
from provisioning.records import BobRecord, JobRecord, JobState
from sandbox import SandboxInfo
from sandbox.agents import agent_java
from sandbox.jre import find_host_jre
from tests.provisioning.bases.observe import base_entries, in_bob, state_of
from tests.provisioning.pipeline.observe import clear_bobs
from tests.provisioning.pipeline.runtime import CALLER, Bob, bob_runtime, db_url
from tests.sandbox.fixtures import own_fleet

pytestmark = pytest.mark.slow

WITNESS = "/witness"
# The java the agent command runs; `-version` needs the lent JRE and its /etc part.
JAVA_VERSION = ("sh", "-c", f"{agent_java()} -version 2>&1 && echo JAVA-RAN")
MANIFEST = "/etc/bob-base.json"


@pytest.fixture(scope="module")
def fleet_info(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    with own_fleet(tmp_path_factory, "rebuild", "overlay", hosts=2) as info:
        yield info


@dataclass(frozen=True)
class Rebuilt:
    job: JobRecord
    old: list[BobRecord]  # a Bob on each host, running through the rebuild
    new: BobRecord  # created afterwards
    states: dict[str, str]
    witnesses: dict[str, str]
    manifests: dict[str, str]
    bases: dict[str, list[str]]
    listing: str
    java: dict[str, str]  # Bob → what `java -version` printed there, as the agent runs it


async def _rebuild_all(bob: Bob) -> JobRecord:
    job = await submit_rebuild(bob.fleet, bob.store, RebuildBase(), CALLER)
    return await bob.runner.run(job.id)


@pytest.fixture(scope="module")
def rebuilt(fleet_info: SandboxInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rebuilt]:
    directory = tmp_path_factory.mktemp("rebuilt")
    fleet = load_fleet(fleet_info.config_path)

    async def scenario() -> Rebuilt:
        async with bob_runtime(fleet, db_url(directory)) as bob:
            for host in ("host-a", "host-b"):
                job, _ = await bob.create(1, host=host)
                assert job.state is JobState.SUCCEEDED, job.error
            old = await bob.store.list_bobs()
            for b in old:
                in_bob(fleet_info, b.host, b.disk, b.name, "sh", "-c", f"echo {b.name} > {WITNESS}")
            job = await _rebuild_all(bob)
            made, _ = await bob.create(1, host="host-a")
            assert made.state is JobState.SUCCEEDED, made.error
            new = next(
                b for b in await bob.store.list_bobs() if b.name not in {o.name for o in old}
            )
            everyone = [*old, new]
            overview = await queries.fleet_overview(fleet, bob.store, ListBobs())
            return Rebuilt(
                job=job,
                old=old,
                new=new,
                states={b.name: state_of(fleet_info, b.host, b.disk, b.name) for b in old},
                witnesses={
                    b.name: in_bob(fleet_info, b.host, b.disk, b.name, "cat", WITNESS).strip()
                    for b in old
                },
                manifests={
                    b.name: in_bob(fleet_info, b.host, b.disk, b.name, "cat", MANIFEST)
                    for b in everyone
                },
                bases={h: base_entries(fleet_info, h) for h in ("host-a", "host-b")},
                listing=render.render_overview(overview),
                java={
                    b.name: in_bob(fleet_info, b.host, b.disk, b.name, *JAVA_VERSION)
                    for b in everyone
                },
            )

    try:
        yield asyncio.run(scenario())
    finally:
        clear_bobs(fleet_info)


def test_the_rebuild_succeeds_on_both_hosts(rebuilt: Rebuilt) -> None:
    assert (JobState.SUCCEEDED, None) == (rebuilt.job.state, rebuilt.job.error)


def test_bobs_running_during_the_rebuild_keep_running(rebuilt: Rebuilt) -> None:
    assert {b.name: "RUNNING" for b in rebuilt.old} == rebuilt.states


def test_bobs_running_during_the_rebuild_keep_their_root_filesystem(rebuilt: Rebuilt) -> None:
    assert {b.name: b.name for b in rebuilt.old} == rebuilt.witnesses


def test_each_host_builds_v2_beside_the_old_base_and_makes_it_current(rebuilt: Rebuilt) -> None:
    # The old base stays: the running overlay Bobs use it as their lower dir.
    expected = ["base", "base-v2", "current -> base-v2"]
    assert {"host-a": expected, "host-b": expected} == rebuilt.bases


def test_bobs_record_the_base_version_they_were_cloned_from(rebuilt: Rebuilt) -> None:
    versions = {b.name: b.base_version for b in [*rebuilt.old, rebuilt.new]}
    assert {**{b.name: 1 for b in rebuilt.old}, rebuilt.new.name: 2} == versions


def test_only_a_bob_cloned_afterwards_sees_the_new_bases_manifest(rebuilt: Rebuilt) -> None:
    seen = {
        name: json.loads(text)["version"] if text else None
        for name, text in rebuilt.manifests.items()
    }
    assert {**{b.name: None for b in rebuilt.old}, rebuilt.new.name: 2} == seen


def test_bob_list_shows_each_hosts_base_version(rebuilt: Rebuilt) -> None:
    headers = [line for line in rebuilt.listing.splitlines() if line.startswith("host-")]
    assert {"host-a": True, "host-b": True} == {h.split()[0]: "base v2)" in h for h in headers}


def test_bob_list_marks_bobs_cloned_from_an_older_base_as_stale(rebuilt: Rebuilt) -> None:
    bobs = [line.split() for line in rebuilt.listing.splitlines() if line.startswith("    ")]
    marks = {words[0]: " ".join(words[3:]) for words in bobs}
    assert {**{b.name: "base v1 STALE" for b in rebuilt.old}, rebuilt.new.name: "base v2"} == marks


def test_bobs_cloned_from_the_rebuilt_base_still_get_the_machines_jre(rebuilt: Rebuilt) -> None:
    # sandbox up lends the JRE to the base in its LXC config; a rebuilt base must carry the
    # same lines, or its Bobs cannot run agent.jar.
    if find_host_jre() is None:
        pytest.skip("no JRE on this machine to lend")
    ran = {name: "JAVA-RAN" in out.splitlines() for name, out in rebuilt.java.items()}
    assert dict.fromkeys(rebuilt.java, True) == ran, rebuilt.java
