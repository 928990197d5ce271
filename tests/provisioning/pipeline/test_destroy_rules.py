"""Destroy's forward steps wait out a brief host outage; its housekeeping never fails it."""

from __future__ import annotations

import pytest

from provisioning.fakes import FakeShell
from provisioning.hosts.errors import HostUnreachable
from provisioning.jobs.steps import StepContext
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.destroy import CollectBases, Doomed, StopContainer
from provisioning.pipeline.errors import StepFailed
from tests.provisioning.pipeline.unit import Logged, reserve_one

DOWN = HostUnreachable(host="host-a", address="a", port=22, reason="down")


async def _doomed(pipeline: Pipeline, log: Logged) -> tuple[StepContext, Doomed]:
    ctx, bob = await reserve_one(pipeline, log)
    return ctx, Doomed(name=bob.name, host=bob.host, disk=bob.disk)


async def test_a_destroy_step_keeps_trying_a_host_that_does_not_answer_within_the_window(
    pipeline: Pipeline, shell: FakeShell, quick_undo: None
) -> None:
    log = Logged()
    ctx, doomed = await _doomed(pipeline, log)
    shell.on("lxc-info", raises=DOWN)
    shell.on("lxc-stop", raises=DOWN)

    with pytest.raises(StepFailed) as failed:
        await StopContainer(pipeline, doomed).apply(ctx)

    assert str(failed.value).endswith("(still failing after 0.2 s)")
    assert 2 < len(shell.argvs)  # asked again, not failed at the first lost connection
    assert any(line.startswith("stop of bob001: ") for line in log.lines)


async def test_collecting_old_bases_on_a_host_that_does_not_answer_is_a_warning(
    pipeline: Pipeline, shell: FakeShell
) -> None:
    log = Logged()
    ctx, doomed = await _doomed(pipeline, log)
    shell.on("sh", raises=DOWN)
    shell.on("cat", raises=DOWN)
    shell.on("ls", raises=DOWN)
    shell.on("test", raises=DOWN)
    shell.on("readlink", raises=DOWN)

    await CollectBases(pipeline, doomed).apply(ctx)  # does not raise

    assert any(
        line.startswith("warning: host-a: old bases not collected now") for line in log.lines
    )
