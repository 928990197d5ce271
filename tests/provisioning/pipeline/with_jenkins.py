"""The sandbox's bob.yaml with the Jenkins double as controller ``ci-main``, and the installed
``bob`` run against it: what the end-to-end Jenkins and reconcile tests share."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sandbox import SandboxInfo
from tests.jenkins_double import JenkinsDouble

BOB = Path(sys.executable).parent / "bob"
TOKEN_ENV = "BOB_TEST_CI_MAIN_TOKEN"


@dataclass
class BobWithJenkins:
    config: Path
    url: str  # the store
    env: dict[str, str]
    double: JenkinsDouble

    def run(self, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BOB), *argv, "--config", str(self.config)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def nodes(self) -> dict[str, str]:
        """Node name → label, as the controller (the double) has it."""
        return {n.name: n.label for n in self.double.nodes.values()}


def with_jenkins(
    info: SandboxInfo, directory: Path, double: JenkinsDouble, **controller: Any
) -> BobWithJenkins:
    """Write the config (``controller`` overrides the controller's settings) and the env."""
    document = yaml.safe_load(info.config_path.read_text())
    document["jenkins"] = [
        {
            "name": "ci-main",
            "url": double.url,
            "user": "admin",
            "token_env": TOKEN_ENV,
            "timeout": 5,
            **controller,
        }
    ]
    config = directory / "bob.yaml"
    config.write_text(yaml.safe_dump(document))
    url = f"sqlite+aiosqlite:///{directory}/bob.db"
    env = {**os.environ, "BOB_DATABASE_URL": url, TOKEN_ENV: double.tokens["admin"]}
    return BobWithJenkins(config, url, env, double)
