"""The limit job's live step against a FakeShell: what it writes, and where it stops."""

from __future__ import annotations

import pytest

from provisioning.fakes import FakeShell
from provisioning.jobs.steps import StepContext
from provisioning.limits.judge import Change
from provisioning.limits.probe import CONFIG_MARK
from provisioning.limits.steps import SetLive
from provisioning.lxc.cgroups import CgroupLayout
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.errors import StepFailed
from provisioning.records import JobRecord
from tests.fleets import make_fleet

LXCPATH = "/var/lib/bob/disk1"


class OneHost:
    def __init__(self, shell: FakeShell) -> None:
        self.shell = shell

    def get(self, host: str) -> FakeShell:
        return self.shell


def change(running: bool = True) -> Change:
    return Change(
        name="bob001",
        host="host-a",
        disk="disk1",
        layout=CgroupLayout.V1,
        running=running,
        target={"memory.limit_in_bytes": "201326592", "cpu.shares": "512"},
        before_config={"memory.limit_in_bytes": "268435456", "cpu.shares": None},
        before_live={"memory.limit_in_bytes": "268435456", "cpu.shares": "1024"} if running else {},
    )


def probed(memory: str, shares: str) -> str:
    return (
        f"state RUNNING\ncpus 0-1\nfile memory.limit_in_bytes {memory}\nfile cpu.shares {shares}\n"
        f"{CONFIG_MARK}\n"
    )


def step(shell: FakeShell, running: bool = True) -> SetLive:
    pipeline = Pipeline(fleet=make_fleet(), shells=OneHost(shell), store=None)  # type: ignore[arg-type]
    return SetLive(pipeline, change(running))


def context() -> StepContext:
    return StepContext(job=JobRecord.model_validate(JOB))


JOB = {
    "id": "beef",
    "kind": "limit",
    "state": "running",
    "params": {},
    "requested_by": "test",
    "source": "test",
    "created_at": "2026-01-01T00:00:00Z",
}


def writes(shell: FakeShell) -> list[tuple[str, ...]]:
    return [a[-2:] for a in shell.argvs if a[0] == "lxc-cgroup"]


async def test_apply_writes_only_what_is_not_in_place_yet():
    shell = FakeShell()
    shell.on("sh", stdout=probed("201326592", "1024"))  # memory done by a run cut off

    await step(shell).apply(context())

    assert [("cpu.shares", "512")] == writes(shell)


async def test_apply_changes_nothing_when_a_value_was_set_by_someone_else_since_planned():
    shell = FakeShell()
    shell.on("sh", stdout=probed("268435456", "2048"))

    with pytest.raises(StepFailed, match=r"cpu\.shares is 2048 now, not the 1024 this job found"):
        await step(shell).apply(context())
    assert [] == writes(shell)


async def test_undo_writes_back_what_the_job_found():
    shell = FakeShell()
    shell.on("lxc-info", stdout="RUNNING\n")
    shell.on("sh", stdout=probed("201326592", "512"))

    await step(shell).undo(context())

    assert [("cpu.shares", "1024"), ("memory.limit_in_bytes", "268435456")] == writes(shell)


async def test_a_bob_planned_stopped_that_runs_now_is_not_changed_live_blind():
    shell = FakeShell()
    shell.on("lxc-info", stdout="RUNNING\n")

    with pytest.raises(StepFailed, match="bob001 was started since the job was planned"):
        await step(shell, running=False).apply(context())
    assert [] == writes(shell)
