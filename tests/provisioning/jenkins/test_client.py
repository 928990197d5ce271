"""bob's Jenkins adapter against the double: attach, drain, detach, list."""

from __future__ import annotations

import pytest

from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.errors import (
    JenkinsPluginMissing,
    JenkinsScriptError,
    NodeConflict,
    NodeNotManaged,
)
from provisioning.jenkins.models import CommandLauncher
from tests.jenkins_double import BOB_MARK, JenkinsDouble, running
from tests.provisioning.jenkins.conftest import adapter, inbound_spec, ssh_spec


async def test_attach_creates_node_with_label_executors_and_ssh_launcher(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    result = await jenkins.attach(ssh_spec("bob001", "heavy", 1))

    assert "created" == result.status
    node = double.nodes["bob001"]
    assert ("heavy", 1, "/home/jenkins") == (node.label, node.executors, node.remote_fs)
    assert {
        "type": "ssh",
        "host": "bob001.bob.test",
        "port": 22,
        "credentials_id": "bob-agent-key",
    } == node.launcher
    assert node.description.startswith(BOB_MARK)


async def test_attach_inbound_and_command_launchers(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    await jenkins.attach(inbound_spec("bob002"))
    command = inbound_spec("bob003").model_copy(
        update={"launcher": CommandLauncher(command="ssh bob003.bob.test java -jar agent.jar")}
    )
    await jenkins.attach(command)

    assert {"type": "inbound"} == double.nodes["bob002"].launcher
    assert "command" == double.nodes["bob003"].launcher["type"]


async def test_attach_again_is_a_no_op_never_a_duplicate(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    await jenkins.attach(ssh_spec("bob001"))
    again = ssh_spec("bob001").model_copy(
        update={"meta": ssh_spec("bob001").meta.model_copy(update={"job_id": "job-2"})}
    )  # a rerun from another job: metadata differs, settings not

    result = await jenkins.attach(again)

    assert "unchanged" == result.status
    assert ["bob001"] == [n.name for n in await jenkins.list_nodes()]


async def test_attach_with_other_settings_is_a_conflict_and_changes_nothing(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    await jenkins.attach(ssh_spec("bob001", "heavy", 1))

    with pytest.raises(NodeConflict, match=r"ci-main.*bob001.*executors: wanted 4, has 1") as err:
        await jenkins.attach(ssh_spec("bob001", "light", 4))

    assert "bob001" == err.value.node
    assert ("heavy", 1) == (double.nodes["bob001"].label, double.nodes["bob001"].executors)


async def test_attach_over_a_node_bob_did_not_create_is_refused(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    double.add_node("bob001", "heavy", 1, description="someone's hand-made agent")

    with pytest.raises(NodeNotManaged, match=r"ci-main.*bob001.*not managed by bob"):
        await jenkins.attach(ssh_spec("bob001"))


async def test_ssh_attach_without_the_plugin_says_which_class_is_missing() -> None:
    with running(ssh_plugin=False) as double:
        with pytest.raises(JenkinsPluginMissing) as err:
            await adapter(double).attach(ssh_spec("bob001"))

        assert "bob001" not in double.nodes
    assert "ci-main" in str(err.value)
    assert "unable to resolve class hudson.plugins.sshslaves.SSHLauncher" in str(err.value)


async def test_drain_takes_the_node_offline_with_the_reason(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    await jenkins.attach(ssh_spec("bob001"))

    result = await jenkins.drain("bob001", "bob detach requested by U123")

    assert "drained" == result.status
    [node] = await jenkins.list_nodes()
    assert (True, True, "bob detach requested by U123") == (
        node.offline,
        node.temporarily_offline,
        node.offline_reason,
    )
    assert "already-drained" == (await jenkins.drain("bob001", "again")).status


async def test_drain_of_an_unknown_node_reports_absent(jenkins: ScriptConsoleController) -> None:
    assert "absent" == (await jenkins.drain("bob404", "gone")).status


async def test_detach_removes_an_idle_node(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    await jenkins.attach(ssh_spec("bob001"))

    assert "removed" == (await jenkins.detach("bob001")).status
    assert {} == double.nodes
    assert "absent" == (await jenkins.detach("bob001")).status


async def test_detach_of_a_busy_node_reports_busy_and_keeps_it(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    await jenkins.attach(ssh_spec("bob001"))
    double.nodes["bob001"].busy = 1

    result = await jenkins.detach("bob001")

    assert ("busy", 1) == (result.status, result.busy_executors)
    assert "bob001" in double.nodes


async def test_detach_refuses_nodes_bob_does_not_manage(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    double.add_node("bob009", "heavy")

    with pytest.raises(NodeNotManaged):
        await jenkins.detach("bob009")
    assert "bob009" in double.nodes


async def test_list_marks_bob_managed_nodes_and_skips_the_built_in_node(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    await jenkins.attach(ssh_spec("bob001"))
    double.add_node("windows-7", "win", 2)

    nodes = {n.name: n for n in await jenkins.list_nodes()}

    assert {"bob001", "windows-7"} == set(nodes)
    assert (True, False) == (nodes["bob001"].managed, nodes["windows-7"].managed)
    assert {
        "bob": "bob001",
        "controller": "ci-main",
        "heavy": True,
        "job_id": "job-1",
        "label": "heavy",
    } == nodes["bob001"].meta
    assert frozenset({"heavy"}) == nodes["bob001"].label_set


async def test_a_script_that_throws_gives_the_first_line_of_the_trace(
    double: JenkinsDouble, jenkins: ScriptConsoleController
) -> None:
    double.throw_next = "java.lang.IllegalStateException: Jenkins is shutting down"

    with pytest.raises(JenkinsScriptError) as err:
        await jenkins.list_nodes()

    assert (
        "ci-main: script failed: java.lang.IllegalStateException: Jenkins is shutting down"
        in str(err.value)
    )
    assert "\tat " not in str(err.value)
