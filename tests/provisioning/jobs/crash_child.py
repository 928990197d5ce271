"""Runs one file-effects job in its own process, so the crash test can SIGKILL it mid-step.

Usage: python crash_child.py DB_URL WORKDIR   (the job id is read from WORKDIR/job_id)
The repository root must be on PYTHONPATH so ``tests.provisioning.jobs`` is importable.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import timedelta
from pathlib import Path

from provisioning.jobs.events import ProgressBus
from provisioning.jobs.runner import JobRunner, unique_owner
from provisioning.store.sql import SqlStore
from tests.provisioning.jobs.crash_steps import kinds

# Short, so a replica taking over after the kill waits about a second, not thirty.
CHILD_LEASE = timedelta(seconds=1)


async def main(db_url: str, workdir: Path) -> None:
    store = await SqlStore.open(db_url)
    try:
        runner = JobRunner(
            store, kinds(), ProgressBus(), owner=unique_owner("crash-child"), lease=CHILD_LEASE
        )
        await runner.run((workdir / "job_id").read_text().strip())
    finally:
        await store.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
