"""A real Jenkins controller for tests: the packaged 2.528.3 in ``$BOB_TEST_JENKINS_HOME``.

That folder (``../shared/jenkins`` beside a CI checkout; not part of this repository) holds
``jenkins.war`` and ``start.sh DIR [PORT] [BIND]`` / ``stop.sh DIR``. A controller's whole state
lives in the DIR the caller chooses; it is stopped by the PID ``start.sh`` wrote there, never by
name. Its init script makes one user, ``admin`` / ``admin-pass-123``, with an API token in a file.

``start_controller(state_dir, bind)`` is the one way to get one: the suite's session fixture binds
it to 127.0.0.1; a sandbox test binds it to a sandbox uplink address so agents inside host
namespaces reach it.

Checks go through plain HTTP (``requests``) on Jenkins' REST API, a path independent of bob's
client (python-jenkins on the script console).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests

HOME_ENV = "BOB_TEST_JENKINS_HOME"
REQUIRE_ENV = "BOB_REQUIRE_JENKINS"
USER = "admin"
PASSWORD = "admin-pass-123"  # set by the package's init.groovy.d/01-security.groovy
START_ATTEMPTS = 3  # a free port can be taken between choosing it and Tomcat binding it
START_TIMEOUT_S = 300
HTTP_TIMEOUT_S = 60.0  # a loaded 2-core CI machine makes a script take seconds
_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")  # what the test helpers put into their Groovy


T = TypeVar("T")


class JenkinsUnavailable(Exception):
    """The real controller cannot be run here; the message says why."""


@dataclass(frozen=True)
class JenkinsRest:
    """Checks over Jenkins' plain REST API with an API token (no crumb needed)."""

    url: str
    user: str
    token: str

    def get(self, path: str, **kw: Any) -> requests.Response:
        return requests.get(
            self.url + path.lstrip("/"),
            auth=(self.user, self.token),
            timeout=HTTP_TIMEOUT_S,
            **kw,
        )

    def post(self, path: str, **kw: Any) -> requests.Response:
        return requests.post(
            self.url + path.lstrip("/"),
            auth=(self.user, self.token),
            timeout=HTTP_TIMEOUT_S,
            **kw,
        )

    def groovy(self, script: str) -> str:
        """Run a test's own check script on the script console; its printed output."""
        response = self.post("scriptText", data={"script": script})
        response.raise_for_status()
        return response.text

    def node_names(self) -> list[str]:
        computers = self.get("computer/api/json?tree=computer[displayName]").json()["computer"]
        return [c["displayName"] for c in computers if c["displayName"] != "Built-In Node"]

    def computer(self, name: str) -> dict[str, Any] | None:
        response = self.get(f"computer/{name}/api/json")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def config_xml(self, name: str) -> str:
        response = self.get(f"computer/{name}/config.xml")
        response.raise_for_status()
        return response.text

    def delete_node(self, name: str) -> None:
        self.post(f"computer/{name}/doDelete", allow_redirects=False)

    def computers(self) -> dict[str, bool]:
        """Agent name → online, the built-in node left out."""
        found = self.get("computer/api/json?tree=computer[displayName,offline]").json()
        return {
            c["displayName"]: not c["offline"]
            for c in found["computer"]
            if c["displayName"] != "Built-In Node"
        }

    def agent_logs(self) -> str:
        """Every agent's launch log: what a test shows when an agent does not come online."""
        return "\n".join(
            f"== {name}\n" + self.get(f"computer/{name}/logText/progressiveText").text
            for name in self.computers()
        )

    def wait_for(self, what: str, check: Callable[[], T], timeout: float = 60.0) -> T:
        """``check()`` until it is truthy; on timeout an AssertionError with the agents' logs."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what}: not within {timeout:.0f} s (last: {value!r})\n{self.agent_logs()}"
                )
            time.sleep(0.25)


@dataclass(frozen=True)
class RealController(JenkinsRest):
    password: str
    state_dir: Path
    package: Path

    @property
    def pid(self) -> int:
        return int((self.state_dir / "jenkins.pid").read_text().strip())

    def stop(self) -> None:
        """``stop.sh DIR``: SIGTERM to the PID in DIR/jenkins.pid, only if it is this one's."""
        subprocess.run(
            [str(self.package / "stop.sh"), str(self.state_dir)],
            check=False,
            capture_output=True,
            timeout=60,
        )

    def pending_scripts(self) -> list[str]:
        """Scripts waiting in script-security's approval queue (one per line)."""
        return self._lines(
            "import org.jenkinsci.plugins.scriptsecurity.scripts.ScriptApproval\n"
            "ScriptApproval.get().pendingScripts.each { println('PENDING ' + it.script) }\n",
            "PENDING ",
        )

    def approved_hashes(self) -> list[str]:
        return self._lines(
            "import org.jenkinsci.plugins.scriptsecurity.scripts.ScriptApproval\n"
            "ScriptApproval.get().approvedScriptHashes.each { println('HASH ' + it) }\n",
            "HASH ",
        )

    def make_node_by_hand(self, name: str, label: str = "") -> None:
        """A node as an administrator makes one in the UI: no bob mark in its description."""
        assert _PLAIN.fullmatch(name)  # fixed test names only: no quoting needed
        assert _PLAIN.fullmatch(label or "x")
        self.groovy(
            "import hudson.slaves.DumbSlave\nimport hudson.slaves.JNLPLauncher\n"
            f"def node = new DumbSlave('{name}', '/var/lib/jenkins-agent', new JNLPLauncher())\n"
            f"node.labelString = '{label}'\nnode.nodeDescription = 'made by hand'\n"
            "jenkins.model.Jenkins.get().addNode(node)\n"
        )

    def start_build(self, job: str, label: str, command: str) -> None:
        """A freestyle job restricted to ``label`` that runs ``command`` (sh), started now."""
        assert _PLAIN.fullmatch(job)
        assert _PLAIN.fullmatch(label)
        assert "'" not in command
        self.groovy(
            "import hudson.model.FreeStyleProject\nimport hudson.tasks.Shell\n"
            "def j = jenkins.model.Jenkins.get()\n"
            f"def p = j.createProject(FreeStyleProject, '{job}')\n"
            f"p.assignedLabel = j.getLabel('{label}')\n"
            f"p.buildersList.add(new Shell('{command}'))\n"
            "p.scheduleBuild2(0)\n"
        )

    def reset(self) -> None:
        """Between tests on a shared controller: no builds, jobs or nodes, no script approvals."""
        self.groovy(
            "def j = jenkins.model.Jenkins.get()\n"
            "j.queue.clear()\n"
            "j.computers.each { c -> c.allExecutors.each { e -> if (e.busy) { e.interrupt() } } }\n"
            "j.items.each { it.delete() }\n"
        )
        for name in self.node_names():
            self.delete_node(name)
        self.groovy(
            "import org.jenkinsci.plugins.scriptsecurity.scripts.ScriptApproval\n"
            "def a = ScriptApproval.get()\n"
            "a.pendingScripts.collect { it.hash }.each { a.denyScript(it) }\n"
            "a.clearApprovedScripts()\n"
        )

    def agent_jar(self) -> Path:
        """``/jnlpJars/agent.jar`` from this controller, saved once in its state dir."""
        path = self.state_dir / "agent.jar"
        if not path.exists():
            response = self.get("jnlpJars/agent.jar")
            response.raise_for_status()
            path.write_bytes(response.content)
        return path

    def _lines(self, script: str, prefix: str) -> list[str]:
        out = self.groovy(script)
        return [line[len(prefix) :] for line in out.splitlines() if line.startswith(prefix)]


def package_dir() -> Path:
    """``$BOB_TEST_JENKINS_HOME``, checked; JenkinsUnavailable when unset or incomplete."""
    value = os.environ.get(HOME_ENV)
    if not value:
        raise JenkinsUnavailable(
            f"{HOME_ENV} is not set (point it at the packaged controller, e.g. ../shared/jenkins)"
        )
    package = Path(value).resolve()
    missing = [f for f in ("start.sh", "stop.sh", "jenkins.war") if not (package / f).is_file()]
    if missing:
        raise JenkinsUnavailable(f"{HOME_ENV}={value}: missing {', '.join(missing)}")
    return package


def free_port(bind: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((bind, 0))
        port: int = sock.getsockname()[1]
        return port


def start_controller(
    state_dir: Path, bind: str = "127.0.0.1", *, port: int | None = None
) -> RealController:
    """Start a controller whose state lives in ``state_dir``, listening on ``bind``.

    ``bind`` must be an IPv4 address of this machine (127.0.0.1, or the root end of a sandbox
    uplink so processes inside namespaces reach it). A free port is chosen unless ``port`` is
    given. Raises JenkinsUnavailable with start.sh's reason (packages missing, boot failed).
    The caller stops it: ``controller.stop()``.
    """
    package = package_dir()
    state_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "JENKINS_START_TIMEOUT": str(START_TIMEOUT_S)}
    detail = ""
    for _ in range(START_ATTEMPTS if port is None else 1):
        chosen = port if port is not None else free_port(bind)
        done = subprocess.run(
            [str(package / "start.sh"), str(state_dir), str(chosen), bind],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=START_TIMEOUT_S + 60,
        )
        if done.returncode == 0:
            values = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
            token = Path(values["token_file"]).read_text().strip()
            return RealController(
                url=values["url"],
                user=values["user"],
                token=token,
                password=PASSWORD,
                state_dir=state_dir,
                package=package,
            )
        detail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        if done.returncode == 2:  # Debian packages missing: no retry will help
            detail = done.stderr.strip()
            break
        # A timeout leaves the Java process running: stop it before trying another port.
        subprocess.run([str(package / "stop.sh"), str(state_dir)], capture_output=True, check=False)
        time.sleep(0.5)
    raise JenkinsUnavailable(f"{package}/start.sh could not start a controller: {detail}")
