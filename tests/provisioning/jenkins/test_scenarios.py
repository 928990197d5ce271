"""The attach/drain/detach scenarios, checked over Jenkins' plain REST API — a second path,
independent of bob's client (python-jenkins on the script console).

They run against the double, and against the real controller (``$BOB_TEST_JENKINS_HOME``,
started once per session; skipped without it unless ``BOB_REQUIRE_JENKINS=1``) twice: bob
authenticating with the API token, and with the password (crumb + session cookie on every POST).
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from provisioning.config.models import JenkinsController as ControllerConfig
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.errors import JenkinsAuthError, NodeConflict
from provisioning.jenkins.models import AttachSpec, InboundLauncher, NodeMeta
from tests.jenkins_double import JenkinsDouble
from tests.jenkins_real import JenkinsRest


@dataclass
class Target:
    rest: JenkinsRest
    secret: str  # what bob authenticates with: the API token or the password

    def bob(self, secret: str | None = None) -> ScriptConsoleController:
        config = ControllerConfig(
            name="ci-test",
            url=self.rest.url,
            user=self.rest.user,
            token_env="BOB_CI_TEST_TOKEN",
            labels={"heavy": 1, "light": 2},
            heavy_labels=("heavy",),
            timeout=10,
        )
        return ScriptConsoleController(config, env={"BOB_CI_TEST_TOKEN": secret or self.secret})

    def check(self) -> JenkinsRest:
        return self.rest


@pytest.fixture(params=["double", "real-token", "real-password"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "double":
        double = JenkinsDouble().start()
        try:
            token = double.tokens["admin"]
            yield Target(JenkinsRest(double.url, "admin", token), token)
        finally:
            double.stop()
        return
    real = request.getfixturevalue("real_jenkins")
    rest = JenkinsRest(real.url, real.user, real.token)
    yield Target(rest, real.token if request.param == "real-token" else real.password)


@pytest.fixture
def name(target: Target) -> Iterator[str]:
    node = f"bobt{secrets.token_hex(3)}"
    yield node
    target.check().delete_node(node)


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
    computer = api.computer(name)
    config = ET.fromstring(api.config_xml(name))
    assert ("created", "unchanged") == (first.status, second.status)
    assert 1 == api.node_names().count(name)
    assert computer is not None
    assert "light" == config.findtext("label")
    assert 2 == computer["numExecutors"]
    classes = {el.tag: el.get("class") for el in config}
    assert "hudson.slaves.JNLPLauncher" == classes["launcher"]
    assert "hudson.slaves.RetentionStrategy$Always" == classes["retentionStrategy"]
    assert computer["jnlpAgent"]


async def test_attach_with_other_settings_conflicts(target: Target, name: str) -> None:
    bob = target.bob()
    await bob.attach(spec(name))

    with pytest.raises(NodeConflict):
        await bob.attach(spec(name, executors=1))
    computer = target.check().computer(name)
    assert computer is not None
    assert 2 == computer["numExecutors"]


async def test_drain_then_detach(target: Target, name: str) -> None:
    bob = target.bob()
    await bob.attach(spec(name))

    await bob.drain(name, "bob test: drain")
    computer = target.check().computer(name)
    assert computer is not None
    drained = (computer["temporarilyOffline"], computer["offlineCauseReason"])
    removed = await bob.detach(name)

    assert (True, "bob test: drain") == drained
    assert "removed" == removed.status
    assert target.check().computer(name) is None


async def test_a_wrong_token_is_refused(target: Target) -> None:
    with pytest.raises(JenkinsAuthError) as err:
        await target.bob(secret="wrong-" + secrets.token_hex(8)).list_nodes()
    assert 401 == err.value.status
