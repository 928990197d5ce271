"""A clone cut off before its tag (a crash mid lxc-copy) is told from a stranger's container by
the mark Clone writes beside it first: the job's own is redone or removed, never a stranger's."""

from __future__ import annotations

from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import Clone
from tests.provisioning.hosts.fakes import FakeShell
from tests.provisioning.pipeline.unit import DISK1, reserve_one

CONFIG = f"{DISK1}/bob001/config"
CLONE_MARK = f"{DISK1}/.bob001.bob-clone"
UNTAGGED = "lxc.uts.name = bob001\n"


def cut_off_clone_of(shell: FakeShell, job_id: str) -> None:
    """bob001 exists untagged (until removed) and the mark names ``job_id``."""
    shell.on("test", "-e", exit_status=1)
    shell.on("test", "-e", exit_status=0, times=1)
    shell.on("cat", CONFIG, stdout=UNTAGGED)
    shell.on("cat", CLONE_MARK, stdout=f"{job_id}\n")
    shell.on("lxc-info", stdout="STOPPED\n")


def lxc_and_mark_commands(shell: FakeShell) -> list[str]:
    wanted = ("lxc-copy", "lxc-destroy", "rm")
    return [argv[0] for argv in shell.argvs if argv[0] in wanted]


async def test_applying_again_removes_the_jobs_own_cut_off_clone_and_clones_anew(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    cut_off_clone_of(shell, ctx.job.id)

    await Clone(pipeline, bob).apply(ctx)

    assert ["lxc-destroy", "lxc-copy", "rm"] == lxc_and_mark_commands(shell)
    assert ("rm", "-f", CLONE_MARK) == shell.argvs[-1]


async def test_undo_removes_the_jobs_own_cut_off_clone_and_its_mark(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    cut_off_clone_of(shell, ctx.job.id)

    await Clone(pipeline, bob).undo(ctx)

    assert ["lxc-destroy", "rm"] == lxc_and_mark_commands(shell)
    assert ("rm", "-f", CLONE_MARK) == shell.argvs[-1]


async def test_a_clone_marked_by_another_job_is_left_alone(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    cut_off_clone_of(shell, "0ther0job")

    await Clone(pipeline, bob).undo(ctx)

    assert [] == lxc_and_mark_commands(shell)


async def test_a_clone_is_written_only_after_its_mark(pipeline: Pipeline, shell: FakeShell) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on("test", "-e", exit_status=1)

    await Clone(pipeline, bob).apply(ctx)

    marks = [call.argv for call in shell.calls if call.input == f"{ctx.job.id}\n"]
    assert [
        ("sh", "-c", 'cat > "$1.bob-tmp" && mv -f "$1.bob-tmp" "$1"', "sh", CLONE_MARK)
    ] == marks
    assert shell.argvs.index(marks[0]) < [a[0] for a in shell.argvs].index("lxc-copy")
