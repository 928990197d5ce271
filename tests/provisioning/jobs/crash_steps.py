"""Steps whose effects live in files outside the store, for the crash test.

Imported by the test and by ``crash_child.py`` alike, so both build the same job from the
same params. Step N's apply appends ``apply stepN`` to ``effects.log`` and creates
``stepN.done``; its check looks for ``stepN.done``; its undo appends ``undo stepN`` and removes
the file. The blocking step writes ``reached`` and sleeps, once, either before or after its
effect, so the test can kill the process at exactly that point.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from provisioning.jobs.registry import JobKinds
from provisioning.jobs.steps import JobDefinition, Step, StepContext
from provisioning.records import JobRecord

KIND = "file-effects"
BLOCK_SECONDS = 60


def crash_params(workdir: Path, *, block: str, on_resume: str, steps: int = 3) -> dict[str, Any]:
    """``block`` is "before" or "after" step 1's effect."""
    return {
        "workdir": str(workdir),
        "steps": steps,
        "block_step": 1,
        "block": block,
        "on_resume": on_resume,
    }


def effects(workdir: Path) -> list[str]:
    log = workdir / "effects.log"
    return log.read_text().splitlines() if log.exists() else []


class FileStep(Step):
    def __init__(self, index: int, workdir: Path, block: str | None) -> None:
        self.name = f"step{index}"
        self._workdir = workdir
        self._block = block

    @property
    def _done(self) -> Path:
        return self._workdir / f"{self.name}.done"

    def _record(self, line: str) -> None:
        with (self._workdir / "effects.log").open("a") as log:
            log.write(line + "\n")

    async def _block_once(self) -> None:
        reached = self._workdir / "reached"
        if reached.exists():
            return  # the run after the crash goes straight through
        reached.write_text(self.name)
        await asyncio.sleep(BLOCK_SECONDS)

    async def apply(self, ctx: StepContext) -> None:
        if self._block == "before":
            await self._block_once()
        self._record(f"apply {self.name}")
        self._done.touch()
        if self._block == "after":
            await self._block_once()

    async def undo(self, ctx: StepContext) -> None:
        self._record(f"undo {self.name}")
        self._done.unlink(missing_ok=True)

    async def check(self, ctx: StepContext) -> bool:
        return self._done.exists()


def build(job: JobRecord) -> JobDefinition:
    p = job.params
    workdir = Path(p["workdir"])
    return JobDefinition(
        steps=[
            FileStep(i, workdir, p["block"] if i == p["block_step"] else None)
            for i in range(p["steps"])
        ],
        on_resume=p["on_resume"],
    )


def kinds() -> JobKinds:
    return JobKinds({KIND: build})
