"""The sandbox's command-launcher line: what Jenkins, ssh and the host's shell each make of it."""

import shlex
from pathlib import Path

import pytest

from sandbox.agents import agent_command, agent_java, launcher_command

URL = "http://10.250.100.1:18099/"


def test_jenkins_gets_ssh_to_the_host_and_the_host_one_lxc_attach_into_the_bob():
    words = shlex.split(launcher_command(Path("/srv/sbx"), URL))  # as Jenkins tokenizes it

    assert ["ssh", "root@{host}", "--"] == [words[0], *words[-3:-1]]
    assert "UserKnownHostsFile=/srv/sbx/known_hosts" in words
    inside = agent_command(URL, agent_java())
    assert [
        "lxc-attach", "-n", "{name}", "-P", "{lxcpath}", "--", "sh", "-c", inside
    ] == shlex.split(words[-1])  # fmt: skip
    assert (
        "wget -qO /root/agent.jar http://10.250.100.1:18099/jnlpJars/agent.jar"
        " && exec java -jar /root/agent.jar"
    ) == agent_command(URL)


@pytest.mark.parametrize(
    "url", ["http://h:1", "http://h/'x'/", 'http://h/"/', "http://h/$(id)/", "ftp://h/"]
)
def test_a_url_that_would_need_quoting_is_refused(url):
    with pytest.raises(ValueError, match="not a plain controller URL"):
        launcher_command(Path("/srv/sbx"), url)
