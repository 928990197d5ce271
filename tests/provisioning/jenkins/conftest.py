"""A Jenkins double per test and bob's adapter pointed at it."""

from __future__ import annotations

import pytest

from provisioning.config.models import JenkinsController as ControllerConfig
from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.models import AttachSpec, InboundLauncher, NodeMeta, SshLauncher
from tests.jenkins_double import JenkinsDouble

TOKEN_ENV = "BOB_TEST_CI_MAIN_TOKEN"


def controller_config(url: str, *, user: str = "admin", timeout: float = 5.0) -> ControllerConfig:
    return ControllerConfig(
        name="ci-main",
        url=url,
        user=user,
        token_env=TOKEN_ENV,
        labels={"heavy": 1, "light": 4},
        heavy_labels=("heavy",),
        timeout=timeout,
    )


def adapter(
    double: JenkinsDouble, *, secret: str | None = None, user: str = "admin", timeout: float = 5.0
) -> ScriptConsoleController:
    secret = double.tokens["admin"] if secret is None else secret
    return ScriptConsoleController(
        controller_config(double.url, user=user, timeout=timeout), env={TOKEN_ENV: secret}
    )


@pytest.fixture
def jenkins(double: JenkinsDouble) -> ScriptConsoleController:
    return adapter(double)


def ssh_spec(name: str = "bob001", label: str = "heavy", executors: int = 1) -> AttachSpec:
    return AttachSpec(
        name=name,
        label=label,
        executors=executors,
        remote_fs="/home/jenkins",
        launcher=SshLauncher(host=f"{name}.bob.test", credentials_id="bob-agent-key"),
        meta=NodeMeta(
            bob=name, controller="ci-main", label=label, heavy=label == "heavy", job_id="job-1"
        ),
    )


def inbound_spec(name: str = "bob002", label: str = "light", executors: int = 4) -> AttachSpec:
    return AttachSpec(
        name=name,
        label=label,
        executors=executors,
        launcher=InboundLauncher(),
        meta=NodeMeta(bob=name, controller="ci-main", label=label),
    )
