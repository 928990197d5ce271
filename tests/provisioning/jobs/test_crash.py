"""A replica SIGKILLed mid-step, and another replica finishing its job: each effect happens once.

The job runs in a child process against a SQLite store file; its steps change files outside the
store. The test kills the child while step 1 is blocked (before or after its effect), waits for
the child's short lease to run out as any other replica would, and resumes the job here.
"""

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from provisioning.jobs.events import ProgressBus
from provisioning.jobs.runner import JobRunner
from provisioning.records import JobRecord, JobState, NewJob, StepEvent
from provisioning.store.sql import SqlStore
from tests.provisioning.jobs.crash_steps import KIND, crash_params, effects, kinds

REPO = Path(__file__).resolve().parents[3]
CHILD = Path(__file__).with_name("crash_child.py")


@pytest.fixture
async def db(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/bob.db"
    store = await SqlStore.open(url)
    yield url, store
    await store.close()


@pytest.fixture
def workdir(tmp_path):
    path = tmp_path / "work"
    path.mkdir()
    return path


async def wait_for(
    path: Path, proc: subprocess.Popen[bytes], output: Path, timeout: float = 20.0
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"child exited with {proc.returncode}:\n{output.read_text()}")
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"child never reached {path.name}:\n{output.read_text()}")
        await asyncio.sleep(0.02)


async def run_and_kill(
    db: tuple[str, SqlStore], workdir: Path, *, block: str, on_resume: str
) -> str:
    """Start the job in a child process and SIGKILL it inside step 1; returns the job id."""
    url, store = db
    job = await store.create_job(
        NewJob(kind=KIND, params=crash_params(workdir, block=block, on_resume=on_resume))
    )
    (workdir / "job_id").write_text(job.id)
    output = workdir / "child.log"
    with output.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), url, str(workdir)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        await wait_for(workdir / "reached", proc, output)
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
    assert -signal.SIGKILL == proc.returncode
    return job.id


async def step1_journal(store: SqlStore, job_id: str) -> list[str]:
    return [e.event.value for e in await store.journal(job_id) if e.step == "step1"]


async def resume_when_lease_expires(store: SqlStore, timeout: float = 5.0) -> list[JobRecord]:
    """What a surviving replica does: try, and succeed once the dead owner's lease ran out."""
    replica = JobRunner(store, kinds(), ProgressBus(), owner="replica-2")
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if resumed := await replica.resume_unfinished():
            return resumed
        await asyncio.sleep(0.1)
    pytest.fail("the dead child's lease never expired")


async def test_killed_before_the_effect_the_step_is_applied_once_on_resume(db, workdir):
    _, store = db
    job_id = await run_and_kill(db, workdir, block="before", on_resume="continue")
    assert (["apply step0"], ["started"]) == (effects(workdir), await step1_journal(store, job_id))

    [final] = await resume_when_lease_expires(store)

    assert (JobState.SUCCEEDED, ["apply step0", "apply step1", "apply step2"]) == (
        final.state,
        effects(workdir),
    )


async def test_killed_after_the_effect_the_step_is_found_done_and_not_repeated(db, workdir):
    _, store = db
    job_id = await run_and_kill(db, workdir, block="after", on_resume="continue")
    assert (["apply step0", "apply step1"], ["started"]) == (
        effects(workdir),
        await step1_journal(store, job_id),
    )

    [final] = await resume_when_lease_expires(store)

    assert (JobState.SUCCEEDED, ["apply step0", "apply step1", "apply step2"]) == (
        final.state,
        effects(workdir),
    )
    assert [("step1", "already done (found on resume)")] == [
        (e.step, e.detail) for e in await store.journal(job_id) if e.event is StepEvent.SKIPPED
    ]


async def test_killed_with_the_undo_policy_every_started_step_is_undone_once(db, workdir):
    _, store = db
    await run_and_kill(db, workdir, block="after", on_resume="undo")

    [final] = await resume_when_lease_expires(store)

    assert (
        JobState.FAILED,
        ["apply step0", "apply step1", "undo step1", "undo step0"],
        [],
    ) == (final.state, effects(workdir), sorted(p.name for p in workdir.glob("*.done")))


async def test_the_dead_childs_job_is_not_taken_over_before_its_lease_runs_out(db, workdir):
    _, store = db
    job_id = await run_and_kill(db, workdir, block="before", on_resume="continue")
    job = await store.get_job(job_id)
    replica = JobRunner(store, kinds(), ProgressBus(), owner="replica-2")

    assert (JobState.RUNNING, True, []) == (
        job.state,
        job.lease_expires_at > datetime.now(UTC),
        await replica.resume_unfinished(),
    )
