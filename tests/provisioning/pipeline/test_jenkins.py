"""The Jenkins commands end to end, as a user runs them: the installed ``bob`` command on the
real sandbox, with the Jenkins double as controller ``ci-main``.

Each step is checked on the systems themselves: the double's node table for Jenkins, the
sandbox's own ssh (lxc-ls on the hosts) for containers.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox import SandboxInfo
from tests.jenkins_double import JenkinsDouble
from tests.provisioning.pipeline.observe import containers
from tests.provisioning.pipeline.with_jenkins import BobWithJenkins, with_jenkins


@dataclass
class Cli:
    """``bob(...)`` runs the installed command; ``bob.nodes()`` reads the controller."""

    world: BobWithJenkins

    def __call__(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return self.world.run(*argv, timeout=180)

    def nodes(self) -> dict[str, str]:
        return self.world.nodes()

    @property
    def double(self) -> JenkinsDouble:
        return self.world.double


@pytest.fixture
def bob(overlay: SandboxInfo, tmp_path: Path) -> Iterator[Cli]:
    double = JenkinsDouble().start()
    try:
        labels = {"labels": {"heavy": 1, "light": 4}, "heavy_labels": ["heavy"]}
        yield Cli(with_jenkins(overlay, tmp_path, double, **labels))
    finally:
        double.stop()


def test_attach_list_detach_and_destroy_on_the_sandbox(bob: Cli, overlay: SandboxInfo) -> None:
    made = bob("create", "3")
    assert 0 == made.returncode, made.stderr

    # All three are on host-a/disk1: one heavy executor there, no more.
    dry = bob("attach", "2", "to", "ci-main", "heavy", "--dry-run")
    assert (0, {}) == (dry.returncode, bob.nodes())
    assert [
        "attach 1 of 2 to ci-main with heavy label heavy (1 executor each)",
        "  bob001 on host-a/disk1",
        "  not available: 2 one heavy per disk: Bobs on host-a/disk1 share a disk with bob001 "
        "(bob002, bob003)",
    ] == dry.stdout.splitlines()

    refused = bob("attach", "2", "to", "ci-main", "heavy")
    assert (2, {}) == (refused.returncode, bob.nodes())
    assert "asked to attach 2 Bobs to ci-main as heavy, 1 available" in refused.stderr

    assert 0 == bob("attach", "1", "to", "ci-main", "heavy").returncode
    assert 0 == bob("attach", "2", "to", "ci-main", "light").returncode
    assert {"bob001": "heavy", "bob002": "light", "bob003": "light"} == bob.nodes()

    listing = bob("list").stdout.splitlines()
    assert [line.split()[-1] for line in listing if line.strip().startswith("bob00")] == [
        "(offline)",  # the double's agents never connect: honest, not "online"
        "(offline)",
        "(offline)",
    ]
    assert any("bob001" in line and "ci-main/heavy" in line for line in listing)
    assert "  ci-main: 3 agents made by bob, 0 online" in listing

    # A busy agent: destroy drains it and stops there, the container untouched.
    bob.double.nodes["bob002"].busy = 1
    blocked = bob("destroy", "bob002", "--yes")
    assert 1 == blocked.returncode
    assert "still running 1 build(s)" in blocked.stdout + blocked.stderr
    assert bob.double.nodes["bob002"].temporarily_offline
    assert "bob002" in {c.name for c in containers(overlay)}

    bob.double.nodes["bob002"].busy = 0
    assert 0 == bob("destroy", "bob002", "--yes").returncode
    assert {"bob001": "heavy", "bob003": "light"} == bob.nodes()
    assert "bob002" not in {c.name for c in containers(overlay)}

    detached = bob("detach", "bob003", "--wait", "5")
    assert 0 == detached.returncode, detached.stderr
    assert {"bob001": "heavy"} == bob.nodes()
    assert "bob003" in {c.name for c in containers(overlay)}  # detach keeps the Bob

    assert 0 == bob("destroy", "bob001", "bob003", "--yes").returncode
    assert ({}, []) == (bob.nodes(), containers(overlay))
