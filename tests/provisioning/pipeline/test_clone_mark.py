"""A clone cut off before its tag (a crash mid lxc-copy) is told from a stranger's container by
the mark Clone writes beside it first: the job's own is redone or removed, never a stranger's."""

from __future__ import annotations

import subprocess

import pytest

from provisioning.fakes import FakeShell
from provisioning.pipeline.containers import MARK_IF_ABSENT, TAG_AND_UNMARK
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import Clone
from tests.provisioning.pipeline.unit import DISK1, reserve_one

CONFIG = f"{DISK1}/bob001/config"
CLONE_MARK = f"{DISK1}/.bob001.bob-clone"
UNTAGGED = "lxc.uts.name = bob001\n"


def cut_off_clone_of(shell: FakeShell, job_id: str, *, asked_by: str = "test") -> None:
    """bob001 exists untagged (until removed) and the mark names ``job_id``.

    ``asked_by``: how the step first asks whether it exists — ``test -e`` (undo) or the
    mark-if-absent script (apply); after the removal everything says it is gone.
    """
    shell.on("test", "-e", exit_status=1)
    if asked_by == "test":
        shell.on("test", "-e", exit_status=0, times=1)
    else:
        shell.on("sh", "-c", MARK_IF_ABSENT, exit_status=3, times=1)
    shell.on("cat", CONFIG, stdout=UNTAGGED)
    shell.on("cat", CLONE_MARK, stdout=f"{job_id}\n")
    shell.on("lxc-info", stdout="STOPPED\n")


def lxc_and_mark_commands(shell: FakeShell) -> list[str]:
    """The commands that make or remove a container or its mark, in order; the fixed scripts
    by what they do."""
    names = {MARK_IF_ABSENT: "mark-if-absent", TAG_AND_UNMARK: "tag-and-unmark"}
    seen = []
    for argv in shell.argvs:
        if argv[0] in ("lxc-copy", "lxc-destroy", "rm"):
            seen.append(argv[0])
        elif argv[:2] == ("sh", "-c") and argv[2] in names:
            seen.append(names[argv[2]])
    return seen


async def test_applying_again_removes_the_jobs_own_cut_off_clone_and_clones_anew(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    cut_off_clone_of(shell, ctx.job.id, asked_by="mark-if-absent")

    await Clone(pipeline, bob).apply(ctx)

    assert ["mark-if-absent", "lxc-destroy", "lxc-copy", "tag-and-unmark"] == (
        lxc_and_mark_commands(shell)
    )


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


async def test_a_clone_is_written_only_after_its_mark_and_tagged_before_the_mark_goes(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)

    await Clone(pipeline, bob).apply(ctx)

    assert ["mark-if-absent", "lxc-copy", "tag-and-unmark"] == lxc_and_mark_commands(shell)
    mark = next(a for a in shell.argvs if a[:3] == ("sh", "-c", MARK_IF_ABSENT))
    assert (f"{DISK1}/bob001", CLONE_MARK, ctx.job.id) == mark[4:]
    tag = next(c for c in shell.calls if c.argv[:3] == ("sh", "-c", TAG_AND_UNMARK))
    assert f"# bob: managed by bob: name=bob001 job={ctx.job.id}\n" in (tag.input or "")
    assert (CONFIG, CLONE_MARK, str(len((tag.input or "").encode()))) == tag.argv[4:]


@pytest.mark.parametrize(("directory_exists", "writes_mark"), [(False, True), (True, False)])
def test_the_mark_is_written_only_where_no_container_directory_is(
    tmp_path, directory_exists: bool, writes_mark: bool
) -> None:
    """The fixed script itself, run by a real sh: exit 3 and no mark when the directory is there."""
    directory, mark = tmp_path / "bob001", tmp_path / ".bob001.bob-clone"
    if directory_exists:
        directory.mkdir()

    done = subprocess.run(
        ["sh", "-c", MARK_IF_ABSENT, "sh", str(directory), str(mark), "cafe01"], check=False
    )

    assert (writes_mark, 0 if writes_mark else 3) == (mark.exists(), done.returncode)
    if writes_mark:
        assert "cafe01\n" == mark.read_text()


@pytest.mark.parametrize("tagged_before", [False, True])
def test_tagging_appends_once_removes_the_mark_and_prints_the_config(
    tmp_path, tagged_before: bool
) -> None:
    config, mark = tmp_path / "config", tmp_path / ".bob001.bob-clone"
    tag = "# bob: managed by bob: name=bob001 job=cafe01\n"
    config.write_text("lxc.uts.name = bob001\n" + (tag if tagged_before else ""))
    mark.write_text("cafe01\n")

    done = subprocess.run(
        ["sh", "-c", TAG_AND_UNMARK, "sh", str(config), str(mark), str(len(tag))],
        input=tag, capture_output=True, text=True, check=True,
    )  # fmt: skip

    assert "lxc.uts.name = bob001\n" + tag == config.read_text() == done.stdout
    assert not mark.exists()


def test_a_tag_cut_off_on_the_way_is_never_appended_and_the_mark_stays(tmp_path) -> None:
    """A dropped connection ends stdin early: the container must stay recognisably this job's."""
    config, mark = tmp_path / "config", tmp_path / ".bob001.bob-clone"
    tag = "# bob: managed by bob: name=bob001 job=cafe01\n"
    config.write_text("lxc.uts.name = bob001\n")
    mark.write_text("cafe01\n")

    done = subprocess.run(
        ["sh", "-c", TAG_AND_UNMARK, "sh", str(config), str(mark), str(len(tag))],
        input=tag[:12], capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert 0 != done.returncode
    assert ("lxc.uts.name = bob001\n", True) == (config.read_text(), mark.exists())
