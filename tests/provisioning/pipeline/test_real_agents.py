"""Bobs that build: the installed ``bob`` on the real sandbox with the real Jenkins 2.528.3.

Two Bobs become online agents through the command launcher (the controller runs ``ssh`` to the
Bob's host, ``lxc-attach`` into the Bob, and ``java -jar agent.jar`` there: the agent's stdin and
stdout are the channel), a freestyle job restricted to their label runs ``hostname`` on one, and
detach and destroy treat the running build as the README says. Jenkins is checked over its own
REST API, the containers over the sandbox's SSH.

Needs ``$BOB_TEST_JENKINS_HOME`` (skipped without it unless ``BOB_REQUIRE_JENKINS=1``).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox import SandboxInfo, state
from sandbox.agents import launcher_command
from sandbox.layout import STORAGE_ROOT, host_layouts
from sandbox.paths import StatePaths
from tests.jenkins_real import REQUIRE_ENV, JenkinsUnavailable, RealController, start_controller
from tests.provisioning.pipeline.observe import containers
from tests.provisioning.pipeline.with_jenkins import BOB, TOKEN_ENV
from tests.sandbox.fixtures import host_ssh
from tests.waiting import until_sync

pytestmark = pytest.mark.slow

# What detach logs (in bob's journal) once it has drained the agent and waits for its builds.
DETACH_WAITING = "waiting up to 120 s for 1 build(s) to finish"

JOB = "hostname-on-heavy"
# The build runs until the test opens this gate inside the Bob: "still running" is then a fact,
# not a race against a sleep.
GATE = "/tmp/release-build"
JOB_XML = f"""<?xml version='1.1' encoding='UTF-8'?>
<project>
  <assignedNode>heavy</assignedNode>
  <canRoam>false</canRoam>
  <builders>
    <hudson.tasks.Shell><command>hostname
while [ ! -e {GATE} ]; do sleep 0.2; done</command></hudson.tasks.Shell>
  </builders>
</project>
"""


@pytest.fixture(scope="module")
def controller(
    overlay_fleet: SandboxInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealController]:
    options = state.read(StatePaths(overlay_fleet.state_dir))
    assert options is not None
    # The root end of host-a's uplink: the Bobs of every host reach it through their host.
    bind = str(host_layouts(options)[0].root_ip)
    try:
        running = start_controller(tmp_path_factory.mktemp("jenkins"), bind)
    except JenkinsUnavailable as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {exc}", pytrace=False)
        pytest.skip(str(exc))
    try:
        yield running
    finally:
        running.stop()


@dataclass
class World:
    info: SandboxInfo
    jenkins: RealController
    config: Path
    env: dict[str, str]

    def bob(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BOB), *argv, "--config", str(self.config)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def start_bob(self, *argv: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(BOB), *argv, "--config", str(self.config)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def journal_says(self, text: str) -> bool:
        """Whether a journal entry of bob's store (read directly, read-only) holds ``text``."""
        database = self.env["BOB_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            query = "SELECT 1 FROM journal WHERE instr(detail, ?) > 0"
            return bool(connection.execute(query, (text,)).fetchall())
        finally:
            connection.close()

    def in_bob(self, name: str, argv: list[str]) -> None:
        bob = next(c for c in containers(self.info) if c.name == name)
        lxcpath = f"{STORAGE_ROOT}/{bob.disk}"
        host_ssh(self.info, bob.host, ["lxc-attach", "-n", name, "-P", lxcpath, "--", *argv])

    def build(self, number: int) -> dict[str, Any]:
        response = self.jenkins.get(f"job/{JOB}/{number}/api/json")
        return response.json() if response.status_code == 200 else {}


@pytest.fixture
def world(overlay: SandboxInfo, controller: RealController, tmp_path: Path) -> Iterator[World]:
    document = yaml.safe_load(overlay.config_path.read_text())
    # One Bob per disk, so `create 2` puts them on two disks and both may be heavy.
    document["hosts"][0]["disks"][0]["max_bobs"] = 1
    document["jenkins"] = [
        {
            "name": "real",
            "url": controller.url,
            "user": "admin",
            "token_env": TOKEN_ENV,
            "timeout": 10,
            "labels": {"heavy": 1},
            "heavy_labels": ["heavy"],
            "launcher": {
                "type": "command",
                "command": launcher_command(overlay.state_dir, controller.url),
            },
        }
    ]
    config = tmp_path / "bob.yaml"
    config.write_text(yaml.safe_dump(document))
    env = {
        **os.environ,
        "BOB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bob.db",
        TOKEN_ENV: controller.token,
    }
    yield World(overlay, controller, config, env)
    controller.post(f"job/{JOB}/doDelete", allow_redirects=False)
    for name in controller.computers():
        controller.post(f"computer/{name}/doDelete", allow_redirects=False)


def test_two_bobs_come_online_and_one_runs_a_build_that_detach_waits_for(world: World) -> None:
    jenkins = world.jenkins
    made = world.bob("create", "2")
    assert 0 == made.returncode, made.stderr

    # No administrator step: bob's attach pre-approves its own launch command.
    attached = world.bob("attach", "2", "to", "real", "heavy")
    assert 0 == attached.returncode, attached.stderr
    both = {"bob001": True, "bob002": True}
    jenkins.wait_for("both agents online", lambda: jenkins.computers() == both)
    assert "  real: 2 agents made by bob, 2 online" in world.bob("list").stdout.splitlines()

    created = jenkins.post(
        f"createItem?name={JOB}", data=JOB_XML, headers={"Content-Type": "application/xml"}
    )
    assert 200 == created.status_code, created.text
    assert 201 == jenkins.post(f"job/{JOB}/build", allow_redirects=False).status_code
    running = jenkins.wait_for(
        "the build running", lambda: b if (b := world.build(1)).get("building") else {}
    )
    agent = running["builtOn"]
    assert agent in {"bob001", "bob002"}

    # destroy of a busy agent: drains it and stops before the container (README).
    blocked = world.bob("destroy", agent, "--yes")
    assert 1 == blocked.returncode
    assert "still running 1 build(s)" in blocked.stdout + blocked.stderr
    assert agent in {c.name for c in containers(world.info)}
    assert world.build(1)["building"]

    # detach waits for the build: still running, node still there, until the gate opens.
    detach = world.start_bob("detach", agent, "--wait", "120")
    try:
        until_sync(lambda: world.journal_says(DETACH_WAITING), "detach waiting", timeout=120)
        assert (None, True, True) == (
            detach.poll(),
            agent in jenkins.computers(),
            world.build(1)["building"],
        )
        world.in_bob(agent, ["touch", GATE])
        out, err = detach.communicate(timeout=120)
    finally:
        detach.kill()  # only if the test failed before detach finished: it is ours, by handle
    assert 0 == detach.returncode, out + err
    finished = world.build(1)
    assert (False, "SUCCESS") == (finished["building"], finished["result"])
    assert agent not in jenkins.computers()
    console = jenkins.get(f"job/{JOB}/1/consoleText").text
    assert agent in console.splitlines(), console

    others = sorted({"bob001", "bob002"} - {agent})
    destroyed = world.bob("destroy", agent, *others, "--yes")
    assert 0 == destroyed.returncode, destroyed.stderr
    assert ({}, [], []) == (jenkins.computers(), containers(world.info), jenkins.pending_scripts())
    # detach took back the approval attach gave: no approved command outlives bob's agents.
    assert [] == jenkins.approved_hashes()
    reconciled = world.bob("reconcile")
    assert 0 == reconciled.returncode, reconciled.stdout + reconciled.stderr
