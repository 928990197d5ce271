"""``launcher: command`` launches: the real controller runs the agent command bob gave it.

script-security holds every launch command made from a script for an administrator's approval,
unless the script approves it itself. Here the command is ``java -jar agent.jar`` (fetched from
the controller's /jnlpJars/agent.jar) on the controller's own machine: the agent speaks over its
stdin/stdout, so it comes online with no agent port. Runs against the double as well, which
holds an unapproved command the same way.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from provisioning.config.models import JenkinsController as ControllerConfig
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.models import AttachSpec, CommandLauncher, JenkinsNode, NodeMeta
from tests.jenkins_double import JenkinsDouble
from tests.jenkins_real import RealController

ONLINE_WITHIN_S = 90.0


@dataclass
class Controller:
    bob: ScriptConsoleController
    command: str
    pending: Callable[[], list[str]]  # scripts waiting for an administrator's approval
    approved: Callable[[], list[str]]  # approved script hashes


def adapter(url: str, secret: str) -> ScriptConsoleController:
    config = ControllerConfig(
        name="ci-test",
        url=url,
        user="admin",
        token_env="BOB_CI_TEST_TOKEN",
        labels={"light": 1},
        timeout=15,
    )
    return ScriptConsoleController(config, env={"BOB_CI_TEST_TOKEN": secret})


@pytest.fixture(params=["double", "real"])
def controller(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Controller]:
    if request.param == "double":
        double = JenkinsDouble().start()
        try:
            yield Controller(
                adapter(double.url, double.tokens["admin"]),
                "java -jar /opt/agent.jar",
                lambda: sorted(double.pending_scripts),
                lambda: sorted(double.approved_scripts),
            )
        finally:
            double.stop()
        return
    real: RealController = request.getfixturevalue("real_jenkins")
    java = shutil.which("java") or "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"
    yield Controller(
        adapter(real.url, real.token),
        f"{java} -jar {real.agent_jar()}",
        real.pending_scripts,
        real.approved_hashes,
    )


def spec(name: str, command: str, remote_fs: Path) -> AttachSpec:
    return AttachSpec(
        name=name,
        label="light",
        executors=1,
        remote_fs=str(remote_fs),
        launcher=CommandLauncher(command=command),
        meta=NodeMeta(bob=name, controller="ci-test", label="light"),
    )


async def wait_online(bob: ScriptConsoleController, name: str) -> JenkinsNode:
    deadline = time.monotonic() + ONLINE_WITHIN_S
    while True:
        node = next(n for n in await bob.list_nodes() if n.name == name)
        if not node.offline or time.monotonic() > deadline:
            return node
        await asyncio.sleep(0.5)


async def test_a_command_agent_comes_online_with_nothing_left_for_approval(
    controller: Controller, tmp_path: Path
) -> None:
    created = await controller.bob.attach(spec("bobc001", controller.command, tmp_path))
    node = await wait_online(controller.bob, "bobc001")

    assert "created" == created.status
    assert (False, "") == (node.offline, node.offline_reason)
    assert [] == controller.pending()


async def test_detach_leaves_no_pending_approval_and_no_approved_hash(
    controller: Controller, tmp_path: Path
) -> None:
    before = controller.approved()
    await controller.bob.attach(spec("bobc002", controller.command, tmp_path))
    await wait_online(controller.bob, "bobc002")

    removed = await controller.bob.detach("bobc002")

    assert "removed" == removed.status
    assert [] == controller.pending()
    assert before == controller.approved()


async def test_the_approval_stays_while_another_agent_uses_the_same_command(
    controller: Controller, tmp_path: Path
) -> None:
    await controller.bob.attach(spec("bobc003", controller.command, tmp_path / "a"))
    await controller.bob.attach(spec("bobc004", controller.command, tmp_path / "b"))
    approved = controller.approved()

    await controller.bob.detach("bobc003")

    assert approved == controller.approved()
    assert not (await wait_online(controller.bob, "bobc004")).offline
    await controller.bob.detach("bobc004")
