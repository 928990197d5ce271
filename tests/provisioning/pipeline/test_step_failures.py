"""What a failing step tells: the step, the Bob and the host, and the host's own words."""

from __future__ import annotations

import pytest

from provisioning.config.models import BobDefaults
from provisioning.fakes import FakeShell
from provisioning.hosts.errors import CommandFailed, HostUnreachable
from provisioning.jobs.failures import describe_error
from provisioning.pipeline import remote
from provisioning.pipeline.containers import MARK_IF_ABSENT
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import Bootstrap, Clone, Start
from provisioning.pipeline.errors import StepFailed
from provisioning.pipeline.lxc_log import excerpt
from tests.provisioning.pipeline.unit import DISK1, reserve_one

START_LOG = f"{DISK1}/bob001/bob-start.log"
CONFIG = f"{DISK1}/bob001/config"
CLONE_MARK = f"{DISK1}/.bob001.bob-clone"
LXC_LOG = """\
lxc-start bob001 1.1 INFO     start - start.c:lxc_spawn:1762 - Cloned CLONE_NEWNET
lxc-start bob001 1.2 ERROR    network - network.c:711 - Failed to attach "veth1" to "nosuchbr0"
lxc-start bob001 1.3 ERROR    start - start.c:lxc_spawn:1840 - Failed to create the network
lxc-start bob001 1.4 ERROR    lxc_start - lxc_start.c:main:306 - The container failed to start
lxc-start bob001 1.5 WARN     start - start.c:lxc_abort:1036 - No such process
"""


async def test_a_failed_command_is_told_with_step_bob_host_and_its_stderr_once(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    pipeline.fleet = pipeline.fleet.model_copy(
        update={"bob_defaults": BobDefaults(bootstrap=("converge",))}
    )
    ctx, bob = await reserve_one(pipeline)
    shell.on("lxc-attach", exit_status=1, stderr="boom\n")

    with pytest.raises(StepFailed) as failed:
        await Bootstrap(pipeline, bob).apply(ctx)

    assert (
        "StepFailed: bootstrap of bob001 on host-a failed: CommandFailed: `lxc-attach -P "
        f"{DISK1} -n bob001 --clear-env -- converge` exited 1: boom"
    ) == describe_error(failed.value)


async def test_a_failed_start_quotes_the_error_lines_of_the_lxc_log(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on("lxc-info", stdout="STOPPED\n")
    shell.on(
        "lxc-start", exit_status=1, stderr="lxc-start: bob001: The container failed to start\n"
    )
    shell.on("cat", START_LOG, stdout=LXC_LOG)

    with pytest.raises(StepFailed) as failed:
        await Start(pipeline, bob).apply(ctx)

    assert str(failed.value).endswith(
        f"exited 1: lxc-start: bob001: The container failed to start\nLXC log {START_LOG}:\n"
        + "\n".join(LXC_LOG.splitlines()[1:3])
    )


def test_the_log_excerpt_is_the_error_lines_without_lxc_starts_own_closing_words() -> None:
    assert LXC_LOG.splitlines()[1:3] == excerpt(LXC_LOG)


def test_a_log_without_error_lines_is_quoted_by_its_last_lines() -> None:
    assert ["one", "two"] == excerpt("one\n\ntwo\n")


async def test_an_undo_that_cannot_reach_the_host_gives_up_after_the_retry_window(
    pipeline: Pipeline, shell: FakeShell, quick_undo: None
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on("test", raises=HostUnreachable(host="host-a", address="a", port=22, reason="down"))

    with pytest.raises(StepFailed) as failed:
        await Clone(pipeline, bob).undo(ctx)

    assert (
        "undo of clone of bob001 on host-a failed: HostUnreachable: cannot reach a:22: down\n"
        "(still failing after 0.2 s)"
    ) == str(failed.value)
    assert 2 < len(shell.argvs)  # tried more than once


async def test_clone_undo_leaves_a_container_that_was_there_before_alone(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on("test", "-e", exit_status=0)
    shell.on("sh", "-c", MARK_IF_ABSENT, exit_status=3)  # its directory is there
    shell.on("cat", CONFIG, stdout="lxc.uts.name = bob001\n")  # made by hand: no bob tag …
    shell.on("cat", CLONE_MARK, exit_status=1)  # … and no clone of ours under way
    clone = Clone(pipeline, bob)
    with pytest.raises(StepFailed, match="ConflictError: a container disk1/bob001 already exists"):
        await clone.apply(ctx)

    await clone.undo(ctx)

    assert [] == [argv for argv in shell.argvs if argv[0] in ("lxc-stop", "lxc-destroy", "rm")]


async def test_a_test_for_a_path_that_gives_no_answer_never_reads_as_gone(
    shell: FakeShell,
) -> None:
    shell.on("test", exit_status=124)  # killed by its timeout

    with pytest.raises(CommandFailed, match="exited 124"):
        await remote.exists(shell, f"{DISK1}/bob001")
