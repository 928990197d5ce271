"""What a chatty build's output costs the job's journal, batched and bounded (OutputLog).

Run from the repository: ``.venv/bin/python bench/build_output.py [--lines 2000] [--seconds 3]``.

A command prints LINES lines evenly over SECONDS seconds (debootstrap's minbase prints about
700 over its ~40 s; a verbose build or converge far more). They go through the OutputLog a
build uses into a real SQLite store (journal rows and StepLog events, as a job writes them),
and it prints how many journal rows and bytes of detail that made, the rows a line per entry
would have made, and how late the first line reached the journal. A measurement: it exits 0
whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from provisioning.jobs.steps import StepContext
from provisioning.pipeline.output_log import OutputLog
from provisioning.records import JournalEntry, NewJob, StepEvent
from provisioning.store import SqlStore


async def bench(lines: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as directory:
        store = await SqlStore.open(f"sqlite+aiosqlite:///{Path(directory)}/bob.db")
        try:
            job = await store.create_job(NewJob(kind="rebuild-base", params={}))
            first_row: list[float] = []
            started = time.monotonic()

            async def sink(ctx: StepContext, line: str) -> None:
                if not first_row:
                    first_row.append(time.monotonic() - started)
                await store.append_journal(
                    JournalEntry(
                        job_id=job.id,
                        step_index=1,
                        step="build",
                        lane="rebuild",
                        host="host-a",
                        event=StepEvent.LOG,
                        at=job.created_at,
                        detail=line,
                    )
                )

            ctx = StepContext(job, step="build", lane="rebuild", index=1, sink=sink)
            pause = seconds / lines
            async with OutputLog(ctx) as output:
                for n in range(lines):
                    await output.line(f"I: Retrieving package-{n:05d} 1.2.3-4 (amd64) ")
                    await asyncio.sleep(pause)
            took = time.monotonic() - started
            rows = await store.journal(job.id)
        finally:
            await store.close()
    stored = sum(len(r.detail or "") for r in rows)
    print(f"{lines} lines over {took:.1f} s")
    print(f"journal rows: {len(rows)} (one per line would be {lines})")
    print(f"detail bytes kept: {stored}")
    print(f"first line in the journal after {first_row[0]:.2f} s" if first_row else "no rows")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    asyncio.run(bench(args.lines, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
