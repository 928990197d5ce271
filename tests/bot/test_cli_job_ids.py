"""Job ids as people type them: any start of an id that no other job's id shares names the job."""

from __future__ import annotations

import asyncio
from collections import Counter

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


def jobs(state_dir, count, state=None):
    async def make():
        store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir / 'bob.db'}")
        try:
            made = [await store.create_job(NewJob(kind="create")) for _ in range(count)]
            if state is not None:
                for job in made:
                    await store.set_job_state(job.id, state)
            return [job.id for job in made]
        finally:
            await store.close()

    return asyncio.run(make())


def bob(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def unique_prefix(ids, job_id):
    """The shortest start of ``job_id`` no other id shares."""
    return next(job_id[:n] for n in range(1, 9) if sum(i.startswith(job_id[:n]) for i in ids) == 1)


def test_job_shows_the_job_a_unique_prefix_names(capsys, state_dir):
    ids = jobs(state_dir, 3)
    prefix = unique_prefix(ids, ids[1])

    code, out, _ = bob(capsys, "job", prefix)

    assert (0, f"job {ids[1]}: create, pending") == (code, out.splitlines()[0])


def test_an_ambiguous_prefix_names_the_jobs_it_matches_and_changes_nothing(capsys, state_dir):
    # 17 ids: at least two share their first hex digit
    ids = jobs(state_dir, 17)
    digit, count = Counter(i[0] for i in ids).most_common(1)[0]
    matching = sorted(i for i in ids if i.startswith(digit))

    code, out, err = bob(capsys, "cancel", digit)

    assert (2, "") == (code, out)
    if count <= 5:
        expected = f"{count} jobs start with it ({', '.join(matching)})"
    else:
        expected = f"more than 5 jobs start with it ({', '.join(matching[:5])}, …)"
    assert f"bob: job id '{digit}' is ambiguous: {expected}\n" == err


def test_a_prefix_no_job_has_is_unknown(capsys, state_dir):
    ids = jobs(state_dir, 1)
    other = "0" if ids[0][0] != "0" else "1"

    assert (2, "", f"bob: no job with id '{other}'\n") == bob(capsys, "job", other)


def test_cancel_takes_a_prefix(capsys, state_dir):
    ids = jobs(state_dir, 3)

    code, out, _ = bob(capsys, "cancel", unique_prefix(ids, ids[0]))

    assert (0, f"job {ids[0]}: cancel requested; its runner stops and undoes it\n") == (code, out)


def test_cancel_of_a_finished_job_says_how_it_ended(capsys, state_dir):
    (job_id,) = jobs(state_dir, 1, JobState.SUCCEEDED)

    assert (0, f"job {job_id} already succeeded\n", "") == bob(capsys, "cancel", job_id[:4])


def test_resume_of_a_finished_job_says_how_it_ended_and_runs_nothing(capsys, state_dir):
    (job_id,) = jobs(state_dir, 1, JobState.FAILED)

    code, out, _ = bob(capsys, "resume", job_id[:5])

    assert (0, f"job {job_id} already failed: nothing to resume\n") == (code, out)
