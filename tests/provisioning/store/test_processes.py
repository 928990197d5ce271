"""Two OS processes against one database: what two bob replicas (or a CLI beside the bot) do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import text

from provisioning.config import Fleet
from provisioning.store import SqlStore
from provisioning.store.engine import MIGRATIONS, create_engine
from tests.provisioning.store.helpers import violations

REPO = Path(__file__).parents[3]
WORKER = Path(__file__).with_name("worker.py")
DEADLINE_S = 60


def run_together(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Start one worker per request, wait until all are ready, release them at once."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        for _ in requests
    ]
    # A worker stuck before "ready" would block readline forever; this bounds the whole run.

    def kill_all() -> None:
        for w in workers:
            w.kill()

    watchdog = threading.Timer(DEADLINE_S, kill_all)
    watchdog.start()
    try:
        for worker, request in zip(workers, requests, strict=True):
            assert worker.stdin is not None
            worker.stdin.write(json.dumps(request) + "\n")
            worker.stdin.flush()
        for worker in workers:
            assert worker.stdout is not None
            if (line := worker.stdout.readline()).strip() != "ready":
                worker.kill()
                raise AssertionError(f"worker not ready: {line!r}\n{worker.communicate()[1]}")
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        answers = []
        for worker in workers:
            out, err = worker.communicate(timeout=DEADLINE_S)
            assert 0 == worker.returncode, err
            answers.append(json.loads(out.splitlines()[-1]))
        return answers
    finally:
        watchdog.cancel()
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()


async def test_two_processes_reserving_at_once_never_overbook(
    store_url: str, example_fleet: Fleet
) -> None:
    counts = [3] * 10
    assert 2 * sum(counts) > example_fleet.capacity, "test premise: the demand does not fit"
    request = {
        "url": store_url,
        "action": "reserve",
        "fleet": example_fleet.model_dump(mode="json"),
        "counts": counts,
    }

    answers = run_together([request, request])

    granted = [o for a in answers for o in a["outcomes"] if "job" in o]
    store = await SqlStore.open(store_url)
    try:
        held = await store.list_reservations()
        jobs = await store.list_jobs(limit=100)
        occupants = await store.occupants()
    finally:
        await store.close()
    assert example_fleet.capacity // 3 == len(granted)
    assert sorted(o["job"] for o in granted) == sorted(j.id for j in jobs)
    by_job: dict[str, list[str]] = defaultdict(list)
    for r in held:
        by_job[r.job_id].append(r.name)
    assert {o["job"]: sorted(o["names"]) for o in granted} == {
        job: sorted(names) for job, names in by_job.items()
    }
    assert [] == violations(example_fleet, occupants)


async def test_two_processes_opening_a_fresh_database_at_once_both_succeed(
    store_url: str,
) -> None:
    request = {"url": store_url, "action": "open"}

    answers = run_together([request, request])

    assert [{"opened": True}, {"opened": True}] == answers
    engine = create_engine(store_url)
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    finally:
        await engine.dispose()
    assert [(ScriptDirectory(str(MIGRATIONS)).get_current_head(),)] == [tuple(v) for v in versions]
