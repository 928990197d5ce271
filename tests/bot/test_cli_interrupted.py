"""A job whose runner went away (Ctrl-C, SIGKILL, a crash) reads `interrupted` in every view,
with the two ways on, instead of `running` with its Bobs `reserved` as if work went on."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.cli import main
from bot.common import interrupted_note, invoked_as
from provisioning.core.plan import plan_create
from provisioning.records import JobState, NewJob
from provisioning.store import SqlStore
from tests.fleets import make_fleet

FLEET = make_fleet([(4, 5, 5), (4, 5, 5)])


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("BOB_CONFIG", raising=False)
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)
    return tmp_path


async def _left_running(state_dir, lease: timedelta) -> str:
    """A create job a runner claimed with ``lease`` and started, then never renewed."""
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir / 'bob.db'}")
    try:
        job, _ = await store.reserve(
            NewJob(kind="create"), lambda held: plan_create(FLEET, held, 2)
        )
        await store.claim_job(job.id, "bob-cli@gone:1", lease)
        await store.set_job_state(job.id, JobState.RUNNING)
        return job.id
    finally:
        await store.close()


def run(capsys, *argv: str) -> list[str]:
    assert 0 == main(list(argv))
    return capsys.readouterr().out.splitlines()


def test_jobs_shows_a_job_whose_lease_ran_out_as_interrupted(capsys, state_dir):
    job_id = asyncio.run(_left_running(state_dir, timedelta(0)))

    row = next(line for line in run(capsys, "jobs") if line.startswith(job_id))

    assert row.split()[1:3] == ["create", "interrupted"]


def test_job_says_it_is_interrupted_and_both_ways_on(capsys, state_dir):
    job_id = asyncio.run(_left_running(state_dir, timedelta(0)))

    lines = run(capsys, "job", job_id)

    assert [
        f"job {job_id}: create, interrupted",
        f"  no runner holds it (it was running): `bob resume {job_id}` finishes it, "
        f"`bob cancel {job_id}` rolls it back",
    ] == [lines[0], lines[2]]


def test_list_shows_the_bobs_of_an_interrupted_job_as_interrupted(capsys, state_dir):
    job_id = asyncio.run(_left_running(state_dir, timedelta(0)))

    lines = run(capsys, "list", "host-a", "--no-jenkins")

    assert [
        f"    bob001      interrupted  10.250.1.2       job {job_id}",
        f"    bob002      interrupted  10.250.1.3       job {job_id}",
    ] == [line for line in lines if line.startswith("    bob")]


def test_a_job_whose_runner_holds_a_live_lease_is_running(capsys, state_dir):
    job_id = asyncio.run(_left_running(state_dir, timedelta(minutes=5)))

    row = next(line for line in run(capsys, "jobs") if line.startswith(job_id))
    reserved = [line.split()[1] for line in run(capsys, "list", "host-a", "--no-jenkins")[2:4]]

    assert (["create", "running"], ["reserved", "reserved"]) == (row.split()[1:3], reserved)


def test_the_ways_on_after_ctrl_c_name_bob_as_the_user_ran_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `bob` on PATH: `bob resume` would not run
    note = interrupted_note("c76acd98", invoked_as(".venv/bin/bob"))
    assert ".venv/bin/bob resume c76acd98   finishes it" in note
    assert ".venv/bin/bob cancel c76acd98   rolls it back" in note


def test_the_ways_on_say_plain_bob_when_that_is_the_program_on_path(tmp_path, monkeypatch):
    program = tmp_path / "bob"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert invoked_as(str(program)) == "bob"
