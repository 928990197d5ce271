"""The attach/drain/detach scenarios, checked through jenkinsapi — an independent second client.

They run against the double always, and against a real controller when BOB_TEST_JENKINS_URL,
BOB_TEST_JENKINS_USER and BOB_TEST_JENKINS_TOKEN are set (skipped otherwise). Against a real
controller the test creates inbound agents named ``bobt<random>`` and removes them afterwards;
its user needs Overall/Administer (the script console).
"""

from __future__ import annotations

import os
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from jenkinsapi.jenkins import Jenkins as JenkinsApi  # type: ignore[import-untyped]

from provisioning.config.models import JenkinsController as ControllerConfig
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.errors import JenkinsAuthError, NodeConflict
from provisioning.jenkins.models import AttachSpec, InboundLauncher, NodeMeta
from tests.jenkins_double import JenkinsDouble

REAL_ENV = ("BOB_TEST_JENKINS_URL", "BOB_TEST_JENKINS_USER", "BOB_TEST_JENKINS_TOKEN")


@dataclass
class Target:
    url: str
    user: str
    token: str

    def bob(self, token: str | None = None) -> ScriptConsoleController:
        config = ControllerConfig(
            name="ci-test",
            url=self.url,
            user=self.user,
            token_env="BOB_CI_TEST_TOKEN",
            labels={"heavy": 1, "light": 2},
            heavy_labels=("heavy",),
            timeout=10,
        )
        return ScriptConsoleController(config, env={"BOB_CI_TEST_TOKEN": token or self.token})

    def check(self) -> JenkinsApi:
        return JenkinsApi(self.url, username=self.user, password=self.token, lazy=True, timeout=10)


@pytest.fixture(params=["double", "real"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "double":
        double = JenkinsDouble().start()
        try:
            yield Target(double.url, "admin", double.tokens["admin"])
        finally:
            double.stop()
        return
    if not all(os.environ.get(v) for v in REAL_ENV):
        pytest.skip(f"no real Jenkins: set {', '.join(REAL_ENV)} to run against one")
    yield Target(*(os.environ[v] for v in REAL_ENV))


@pytest.fixture
def name(target: Target) -> Iterator[str]:
    node = f"bobt{secrets.token_hex(3)}"
    yield node
    api = target.check()
    if api.has_node(node):
        api.delete_node(node)


def spec(name: str, label: str = "light", executors: int = 2) -> AttachSpec:
    return AttachSpec(
        name=name,
        label=label,
        executors=executors,
        remote_fs="/home/jenkins",
        launcher=InboundLauncher(),
        meta=NodeMeta(bob=name, controller="ci-test", label=label),
    )


async def test_attach_is_seen_by_another_client_and_is_idempotent(
    target: Target, name: str
) -> None:
    bob = target.bob()

    first = await bob.attach(spec(name))
    second = await bob.attach(spec(name))

    api = target.check()
    node = api.get_node(name)
    config = ET.fromstring(node.get_config())
    assert ("created", "unchanged") == (first.status, second.status)
    assert 1 == list(api.get_nodes().keys()).count(name)
    assert ("light", "2") == (node.get_labels(), node.get_num_executors())
    classes = {el.tag: el.get("class") for el in config}
    assert "hudson.slaves.JNLPLauncher" == classes["launcher"]
    assert "hudson.slaves.RetentionStrategy$Always" == classes["retentionStrategy"]
    assert node.is_jnlpagent()


async def test_attach_with_other_settings_conflicts(target: Target, name: str) -> None:
    bob = target.bob()
    await bob.attach(spec(name))

    with pytest.raises(NodeConflict):
        await bob.attach(spec(name, executors=1))
    assert "2" == target.check().get_node(name).get_num_executors()


async def test_drain_then_detach(target: Target, name: str) -> None:
    bob = target.bob()
    await bob.attach(spec(name))

    await bob.drain(name, "bob test: drain")
    node = target.check().get_node(name)
    drained = (node.is_temporarily_offline(), node.offline_reason())
    removed = await bob.detach(name)

    assert (True, "bob test: drain") == drained
    assert "removed" == removed.status
    assert not target.check().has_node(name)


async def test_a_wrong_token_is_refused(target: Target) -> None:
    with pytest.raises(JenkinsAuthError) as err:
        await target.bob(token="wrong-" + secrets.token_hex(8)).list_nodes()
    assert 401 == err.value.status
