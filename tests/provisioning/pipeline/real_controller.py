"""The packaged Jenkins 2.528.3 (``$BOB_TEST_JENKINS_HOME``) bound to a sandbox uplink address,
so that Bobs inside the sandbox reach it, and the REST calls the agent tests check it with.

Checks go through Jenkins' REST API with ``requests``, a path independent of bob's client
(python-jenkins on the script console). The controller is started by ``start.sh DIR PORT BIND``
and stopped by ``stop.sh DIR``, which signals only the PID it wrote in DIR.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

HOME_ENV = "BOB_TEST_JENKINS_HOME"
REQUIRE_ENV = "BOB_REQUIRE_JENKINS"
USER = "admin"
HTTP_TIMEOUT_S = 10.0
START_TIMEOUT_S = 240


@dataclass(frozen=True)
class Controller:
    url: str  # ends in "/"
    token: str
    state_dir: Path

    def get(self, path: str, **kw: Any) -> requests.Response:
        return requests.get(self.url + path, auth=(USER, self.token), timeout=HTTP_TIMEOUT_S, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return requests.post(self.url + path, auth=(USER, self.token), timeout=HTTP_TIMEOUT_S, **kw)

    def groovy(self, script: str) -> str:
        """A test's own script on the script console (its inputs are the test's constants)."""
        response = self.post("scriptText", data={"script": script})
        response.raise_for_status()
        return response.text

    def computers(self) -> dict[str, bool]:
        """Agent name → online, the built-in node left out."""
        found = self.get("computer/api/json?tree=computer[displayName,offline]").json()
        return {
            c["displayName"]: not c["offline"]
            for c in found["computer"]
            if c["displayName"] != "Built-In Node"
        }

    def agent_logs(self) -> str:
        """Every agent's launch log: what the test shows when an agent does not come online."""
        return "\n".join(
            f"== {name}\n" + self.get(f"computer/{name}/logText/progressiveText").text
            for name in self.computers()
        )

    def pending_scripts(self) -> list[str]:
        out = self.groovy(
            "import org.jenkinsci.plugins.scriptsecurity.scripts.ScriptApproval\n"
            "ScriptApproval.get().pendingScripts.each { println('PENDING ' + it.script) }\n"
        )
        return [line[8:] for line in out.splitlines() if line.startswith("PENDING ")]

    def preapprove(self, command: str) -> None:
        """What an administrator would do for a launch command (base64: no quoting to get wrong)."""
        encoded = base64.b64encode(command.encode()).decode()
        out = self.groovy(
            "import org.jenkinsci.plugins.scriptsecurity.scripts.ScriptApproval\n"
            "import org.jenkinsci.plugins.scriptsecurity.scripts.languages.SystemCommandLanguage\n"
            f"def cmd = new String('{encoded}'.decodeBase64(), 'UTF-8')\n"
            "ScriptApproval.get().preapprove(cmd, SystemCommandLanguage.get())\n"
            "println('PREAPPROVED')\n"
        )
        assert "PREAPPROVED" in out.splitlines(), out

    def wait_for(self, what: str, check: Any, timeout: float = 60.0) -> Any:
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


def _package() -> Path:
    value = os.environ.get(HOME_ENV)
    if not value:
        reason = f"{HOME_ENV} is not set (the packaged controller, e.g. ../shared/jenkins)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return Path(value).resolve()


def _free_port(bind: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((bind, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def real_controller(state_dir: Path, bind: str) -> Iterator[Controller]:
    """A controller listening on ``bind`` for the duration of the block, then stopped by PID."""
    package = _package()
    env = {**os.environ, "JENKINS_START_TIMEOUT": str(START_TIMEOUT_S)}
    done = subprocess.run(
        [str(package / "start.sh"), str(state_dir), str(_free_port(bind)), bind],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=START_TIMEOUT_S + 60,
    )
    try:
        if done.returncode != 0:
            pytest.fail(f"start.sh failed ({done.returncode}): {done.stderr[-2000:]}")
        values = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
        token = Path(values["token_file"]).read_text().strip()
        yield Controller(values["url"], token, state_dir)
    finally:
        subprocess.run(
            [str(package / "stop.sh"), str(state_dir)],
            capture_output=True,
            check=False,
            timeout=90,
        )
