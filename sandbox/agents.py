"""The command a Jenkins controller runs to make a sandbox Bob its agent.

The controller runs in the root namespace, as root. Over SSH to the Bob's host (the same key
and known_hosts bob uses), ``lxc-attach`` into the Bob, which fetches ``agent.jar`` from the
controller it is about to serve (so the two always match) and runs it with the host's JRE (see
:mod:`sandbox.jre`); the agent's stdin and stdout, carried by lxc-attach and SSH,
are the channel. On real hosts the same shape works with the operator's key: SSH to the host,
then lxc-attach; the Bob needs no sshd and no key of its own.

``{host}``, ``{name}`` and ``{lxcpath}`` are left for bob to fill in per Bob.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from sandbox.jre import find_host_jre
from sandbox.paths import StatePaths
from sandbox.sshd import ssh_argv

AGENT_JAR = "/root/agent.jar"  # in the Bob, where only root writes; fetched at every launch
_PLAIN_URL = re.compile(r"^https?://[A-Za-z0-9.:\[\]-]+/([A-Za-z0-9._~/-]*/)?$")


def agent_command(jenkins_url: str, java: str = "java") -> str:
    """What runs inside the Bob: fetch agent.jar, then become the agent."""
    if not _PLAIN_URL.match(jenkins_url):
        raise ValueError(f"not a plain controller URL ending in '/': {jenkins_url!r}")
    return f"wget -qO {AGENT_JAR} {jenkins_url}jnlpJars/agent.jar && exec {java} -jar {AGENT_JAR}"


def agent_java() -> str:
    """The lent JRE's java by its own path: a Bob gets the JRE from its base's LXC config alone
    (which ``rebuild-base`` applies too), with no ``java`` on its PATH needed."""
    host_jre = find_host_jre()
    return str(host_jre.java) if host_jre is not None else "java"


def launcher_command(state_dir: Path, jenkins_url: str) -> str:
    """``launcher.command`` for a controller on this machine serving the sandbox's Bobs.

    Jenkins splits the command on spaces outside quotes; the double-quoted part is the one
    command line ssh hands to the host's shell, which then runs ``sh -c '…'`` in the Bob.
    """
    login = " ".join(ssh_argv(StatePaths(state_dir), "{host}", []))
    inside = shlex.quote(agent_command(jenkins_url, agent_java()))
    return f'{login} "lxc-attach -n {{name}} -P {{lxcpath}} -- sh -c {inside}"'
