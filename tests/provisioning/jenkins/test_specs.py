"""The agent a Bob becomes: launcher, executors and remote FS from the controller's config."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import ValidationError

from handlers.requests import AttachBobs, build
from provisioning.config.models import AgentLauncher
from provisioning.config.models import JenkinsController as ControllerConfig
from provisioning.errors import ConfigError, UsageError
from provisioning.jenkins.errors import JenkinsRequestInvalid
from provisioning.jenkins.specs import attach_spec
from tests.fleets import make_fleet

FLEET = make_fleet([(4,)])
IP = ipaddress.IPv4Address("10.250.1.20")


def config(launcher: AgentLauncher, remote_fs: str = "/home/jenkins") -> ControllerConfig:
    return ControllerConfig(
        name="ci-main",
        url="http://127.0.0.1:1",
        user="bob",
        token_env="T",
        labels={"heavy": 1, "light": 4},
        heavy_labels=("heavy",),
        launcher=launcher,
        remote_fs=remote_fs,
    )


def spec(launcher: AgentLauncher, label: str = "light", **kw: object):
    return attach_spec(
        FLEET, config(launcher, **kw), name="bob007", ip=IP, label=label, job_id="cafe01"
    )


def test_an_ssh_launcher_connects_to_the_bobs_name_in_its_subnets_zone():
    made = spec(AgentLauncher(type="ssh", credentials_id="agent-key", port=2200))

    assert ("ssh", "bob007.bob.test", 2200, "agent-key") == (
        made.launcher.type,
        made.launcher.host,  # type: ignore[union-attr]
        made.launcher.port,  # type: ignore[union-attr]
        made.launcher.credentials_id,  # type: ignore[union-attr]
    )


def test_a_command_launcher_gets_the_bobs_name_and_fqdn_filled_in():
    made = spec(
        AgentLauncher(type="command", command="ssh {fqdn} java -jar agent.jar -name {name}")
    )

    assert "ssh bob007.bob.test java -jar agent.jar -name bob007" == made.launcher.command  # type: ignore[union-attr]


def test_a_command_launcher_reaches_the_bob_through_its_host_and_lxcpath():
    command = "ssh root@{host} lxc-attach -n {name} -P {lxcpath} -- java -jar /tmp/agent.jar"
    made = attach_spec(
        FLEET,
        config(AgentLauncher(type="command", command=command)),
        name="bob007",
        ip=IP,
        label="light",
        job_id="cafe01",
        host="host-a",
        disk="disk1",
    )

    assert (
        "ssh root@10.250.0.2 lxc-attach -n bob007 -P /var/lib/bob/disk1 -- java -jar /tmp/agent.jar"
        == made.launcher.command  # type: ignore[union-attr]
    )


def test_a_command_needing_the_bobs_host_gets_no_agent_without_it():
    with pytest.raises(ConfigError, match=r"cannot fill \{host\}"):
        spec(AgentLauncher(type="command", command="ssh {host} lxc-attach -n {name}"))


def test_an_unknown_placeholder_is_refused_when_the_config_loads():
    with pytest.raises(ValidationError, match=r"unknown placeholder \{hots\}.*\{lxcpath\}"):
        AgentLauncher(type="command", command="ssh {hots} lxc-attach -n {name}")


def test_executors_heavy_mark_remote_fs_and_job_come_from_config_and_job():
    made = spec(AgentLauncher(), label="heavy", remote_fs="/srv/agent")

    assert (1, "/srv/agent", "inbound") == (made.executors, made.remote_fs, made.launcher.type)
    assert ("bob007", "ci-main", "heavy", True, "cafe01") == (
        made.meta.bob,
        made.meta.controller,
        made.meta.label,
        made.meta.heavy,
        made.meta.job_id,
    )


def test_a_bob_outside_every_subnet_has_no_fqdn_and_gets_no_agent():
    with pytest.raises(ConfigError, match="in none of the configured subnets"):
        attach_spec(
            FLEET,
            config(AgentLauncher()),
            name="bob007",
            ip=ipaddress.IPv4Address("192.0.2.1"),
            label="light",
            job_id="j",
        )


@pytest.mark.parametrize(
    ("launcher", "message"),
    [
        ({"type": "ssh"}, "an ssh launcher needs credentials_id"),
        ({"type": "command"}, "a command launcher needs command"),
        ({"type": "ssh", "credentials_id": "a b"}, "credentials_id"),
        ({"type": "command", "command": "x\ny"}, "command"),
        ({"type": "jnlp"}, "type"),
    ],
)
def test_launcher_settings_are_checked_when_the_config_loads(launcher, message):
    with pytest.raises(ValidationError, match=message):
        AgentLauncher.model_validate(launcher)


@pytest.mark.parametrize("remote_fs", ["relative/dir", "/home/../etc", "/with space", "/$(id)"])
def test_a_remote_fs_that_is_not_a_plain_absolute_path_is_refused(remote_fs):
    with pytest.raises(ValidationError, match="remote_fs"):
        config(AgentLauncher(), remote_fs=remote_fs)


HOSTILE = ["x'y", 'a"b', "${evil}", "'''", "back\\slash", "new\nline", "ci main", ""]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("field", ["controller", "label"])
def test_hostile_controller_or_label_text_is_refused_at_the_edge(field, text):
    values = {"count": 1, "controller": "ci-main", "label": "light", field: text}

    with pytest.raises(UsageError, match=f"^{field}: "):
        build(AttachBobs, **values)


def test_a_hostile_bob_name_never_becomes_a_request():
    with pytest.raises(JenkinsRequestInvalid):
        attach_spec(FLEET, config(AgentLauncher()), name="bob'1", ip=IP, label="light", job_id="j")
