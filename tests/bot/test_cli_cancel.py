"""`bob cancel ID`: the request is recorded for whichever runner holds the job."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli import main
from provisioning.records import JobState, NewJob
from provisioning.store import SqlStore


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("BOB_CONFIG", raising=False)
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)
    return tmp_path


async def _in_store(state_dir, work):
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir / 'bob.db'}")
    try:
        return await work(store)
    finally:
        await store.close()


def test_cancel_marks_an_unfinished_job(capsys, state_dir):
    job = asyncio.run(_in_store(state_dir, lambda s: s.create_job(NewJob(kind="create"))))

    code = main(["cancel", job.id])

    after = asyncio.run(_in_store(state_dir, lambda s: s.get_job(job.id)))
    assert (0, f"job {job.id}: cancel requested; its runner stops and undoes it\n") == (
        code,
        capsys.readouterr().out,
    )
    assert after.cancel_requested


def test_cancel_of_a_finished_job_changes_nothing(capsys, state_dir):
    async def finished(store):
        job = await store.create_job(NewJob(kind="create"))
        await store.set_job_state(job.id, JobState.SUCCEEDED)
        return job

    job = asyncio.run(_in_store(state_dir, finished))

    code = main(["cancel", job.id])

    assert (0, f"job {job.id} already succeeded\n") == (
        code,
        capsys.readouterr().out,
    )


def test_cancel_of_an_unknown_job_is_a_usage_error(capsys, state_dir):
    assert 2 == main(["cancel", "abcdef12"])
    assert "bob: no job with id 'abcdef12'\n" == capsys.readouterr().err
