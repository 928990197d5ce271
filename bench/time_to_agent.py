"""Time to agent: from `bob create 1` to a Jenkins agent online, and to its first build finished.

Run as root from the repository, with the packaged controller beside the checkout:
``.venv/bin/python bench/time_to_agent.py [--rounds 3] [--jenkins ../shared/jenkins]``.

It builds a one-host overlay sandbox of its own (prefix ``bobagent``, 10.250.80-81.*) and starts
the real Jenkins 2.528.3 bound to that host's uplink, both under a temporary directory, and
always removes them. Each round, in alternating order:

- bob: the installed ``bob`` as a user runs it: ``bob create 1`` (create), ``bob attach 1 to
  real heavy`` (attach), until the controller reports the node online (launch: the command
  launcher's ssh + lxc-attach + agent.jar fetch + JVM start + remoting handshake), then a
  freestyle build of ``hostname`` on the label until it has finished (first build).
- baseline: one ``ssh host sh -c`` doing ``lxc-copy`` + ``lxc-start`` (clone), agent.jar put in
  (it was downloaded once beforehand, like a cached image) and a command-launcher node whose
  command is ``ssh host lxc-attach … java -jar agent.jar`` created on the script console
  (node), then launch and first build as above.

No administrator step: bob's attach pre-approves its own launch command, so the bob series is
timed end to end (the baseline approves its command in the same script that makes its node).
Everything is destroyed (untimed) before the next run. The anchor: the Jenkins kubernetes
plugin's agent pods are typically online in 30-60 s; the goal is online in under 15 s. This is a
measurement: it exits 0 whether or not the goal is met, 1 only if the bench itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from sandbox import SandboxInfo, SandboxOptions, sandbox_down, sandbox_up
from sandbox.agents import launcher_command
from sandbox.layout import BASE_LXCPATH, BASE_NAME, STORAGE_ROOT, host_layouts
from sandbox.paths import StatePaths
from sandbox.sshd import ssh_argv

PREFIX, NET_INDEX = "bobagent", 80  # clear of the default sandbox, the other benches and tests
HOST = "host-a"
BOB = Path(sys.executable).parent / "bob"
TOKEN_ENV = "BOB_BENCH_JENKINS_TOKEN"
BASELINE = "baseline"  # the baseline's container, node and label
BASELINE_DISK = "disk3"
HTTP_TIMEOUT_S = 10.0
WAIT_S = 180.0
POLL_S = 0.1
GOAL_S, ANCHOR = 15.0, "30-60 s (kubernetes plugin agent pods)"
JOB_XML = """<?xml version='1.1' encoding='UTF-8'?>
<project>
  <assignedNode>{label}</assignedNode>
  <canRoam>false</canRoam>
  <builders><hudson.tasks.Shell><command>hostname</command></hudson.tasks.Shell></builders>
</project>
"""
_JOB_TIME = re.compile(r"^job \S+ succeeded in ([0-9.]+)s$", re.MULTILINE)


class BenchError(Exception):
    """The bench could not measure: a run failed or the controller would not start."""


@dataclass
class Jenkins:
    url: str
    token: str

    def get(self, path: str) -> requests.Response:
        return requests.get(self.url + path, auth=("admin", self.token), timeout=HTTP_TIMEOUT_S)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return requests.post(
            self.url + path, auth=("admin", self.token), timeout=HTTP_TIMEOUT_S, **kw
        )

    def groovy(self, script: str) -> str:
        response = self.post("scriptText", data={"script": script})
        response.raise_for_status()
        if "BENCH-OK" not in response.text:
            raise BenchError(f"script console: {response.text[-1500:]}")
        return response.text

    def online(self, name: str) -> bool:
        response = self.get(f"computer/{name}/api/json?tree=offline")
        return response.status_code == 200 and not response.json()["offline"]

    def build(self, job: str) -> float:
        """Seconds from asking for a build to its result; raises unless it succeeded."""
        started = time.perf_counter()
        queued = self.post(f"job/{job}/build", allow_redirects=False)
        if queued.status_code != 201:
            raise BenchError(f"build of {job}: HTTP {queued.status_code}")
        result = wait(f"{job} finished", lambda: self._result(job))
        if result != "SUCCESS":
            raise BenchError(
                f"{job}: {result}\n{self.get(f'job/{job}/lastBuild/consoleText').text}"
            )
        return time.perf_counter() - started

    def _result(self, job: str) -> str | None:
        response = self.get(f"job/{job}/lastBuild/api/json?tree=result")
        return response.json()["result"] if response.status_code == 200 else None


def _b64(variable: str, text: str) -> str:
    encoded = base64.b64encode(text.encode()).decode()
    return f"def {variable} = new String('{encoded}'.decodeBase64(), 'UTF-8')\n"


_SCRIPTS = """
import hudson.slaves.CommandLauncher
import hudson.slaves.DumbSlave
import jenkins.model.Jenkins
import org.jenkinsci.plugins.scriptsecurity.scripts.ScriptApproval
import org.jenkinsci.plugins.scriptsecurity.scripts.languages.SystemCommandLanguage
def approve(String c) { ScriptApproval.get().preapprove(c, SystemCommandLanguage.get()) }
"""


def wait(what: str, check: Callable[[], Any]) -> Any:
    deadline = time.perf_counter() + WAIT_S
    while (value := check()) in (None, False):
        if time.perf_counter() > deadline:
            raise BenchError(f"{what}: not within {WAIT_S:.0f} s")
        time.sleep(POLL_S)
    return value


@dataclass
class Series:
    label: str
    phases: dict[str, list[float]] = field(default_factory=dict)

    def add(self, phase: str, seconds: float) -> None:
        self.phases.setdefault(phase, []).append(seconds)

    def median(self, phase: str) -> float:
        return statistics.median(self.phases[phase])


@dataclass
class Bench:
    info: SandboxInfo
    jenkins: Jenkins
    config: Path
    env: dict[str, str]
    agent_jar: Path
    bob: Series = field(default_factory=lambda: Series("bob"))
    base: Series = field(default_factory=lambda: Series("baseline"))

    def cli(self, *argv: str) -> tuple[float, str]:
        started = time.perf_counter()
        done = subprocess.run(
            [str(BOB), *argv, "--config", str(self.config)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=WAIT_S,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"bob {' '.join(argv)}: exit {done.returncode}\n{done.stderr}")
        return time.perf_counter() - started, done.stdout

    def host(self, script: str, stdin: Path | None = None) -> None:
        address = self.info.hosts[0].address
        argv = ssh_argv(StatePaths(self.info.state_dir), address, ["sh", "-c", shlex.quote(script)])
        with open(stdin, "rb") if stdin else open(os.devnull, "rb") as feed:
            done = subprocess.run(argv, stdin=feed, capture_output=True, timeout=WAIT_S)
        if done.returncode != 0:
            raise BenchError(f"{script}: exit {done.returncode}\n{done.stderr.decode()}")

    # -- bob --------------------------------------------------------------------------------

    def run_bob(self) -> None:
        t0 = time.perf_counter()
        seconds, out = self.cli("create", "1")
        self.bob.add("create", seconds)
        self.bob.add("create (job)", _job_seconds(out))
        seconds, out = self.cli("attach", "1", "to", "real", "heavy")
        self.bob.add("attach", seconds)
        self.bob.add("attach (job)", _job_seconds(out))
        t2 = time.perf_counter()
        wait("bob001 online", lambda: self.jenkins.online("bob001"))
        t3 = time.perf_counter()
        self.bob.add("launch", t3 - t2)
        self.bob.add("first build", self.jenkins.build("tta-bob"))
        t4 = time.perf_counter()
        self.bob.add("to online", t3 - t0)
        self.bob.add("to first build", t4 - t0)
        self.cli("destroy", "bob001", "--yes")

    # -- baseline ---------------------------------------------------------------------------

    def run_baseline(self) -> None:
        lxcpath = f"{STORAGE_ROOT}/{BASELINE_DISK}"
        lxc = f"-n {BASELINE} -P {lxcpath}"
        t0 = time.perf_counter()
        self.host(
            f"lxc-copy -P {BASE_LXCPATH} -n {BASE_NAME} -p {lxcpath} -N {BASELINE} -s -B overlay"
            f" && lxc-start {lxc} -d && lxc-wait {lxc} -s RUNNING -t 30"
            f" && lxc-attach {lxc} -- sh -c 'cat > /root/agent.jar'",
            stdin=self.agent_jar,
        )
        t1 = time.perf_counter()
        self.base.add("clone+start+jar", t1 - t0)
        login = " ".join(ssh_argv(StatePaths(self.info.state_dir), self.info.hosts[0].address, []))
        command = f'{login} "lxc-attach {lxc} -- java -jar /root/agent.jar"'
        self.jenkins.groovy(
            _SCRIPTS
            + _b64("cmd", command)
            + "approve(cmd)\n"
            + f"def node = new DumbSlave('{BASELINE}', '/home/jenkins', new CommandLauncher(cmd))\n"
            + f"node.labelString = '{BASELINE}'\nnode.numExecutors = 1\n"
            + "Jenkins.get().addNode(node)\nprintln('BENCH-OK')\n"
        )
        t2 = time.perf_counter()
        self.base.add("node", t2 - t1)
        wait("baseline online", lambda: self.jenkins.online(BASELINE))
        t3 = time.perf_counter()
        self.base.add("launch", t3 - t2)
        self.base.add("first build", self.jenkins.build("tta-baseline"))
        t4 = time.perf_counter()
        self.base.add("to online", t3 - t0)
        self.base.add("to first build", t4 - t0)
        self.jenkins.post(f"computer/{BASELINE}/doDelete", allow_redirects=False)
        self.host(f"lxc-stop {lxc} -k; lxc-destroy {lxc}")


def _job_seconds(out: str) -> float:
    found = _JOB_TIME.search(out)
    return float(found.group(1)) if found else float("nan")


def start_jenkins(package: Path, state_dir: Path, bind: str) -> Jenkins:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((bind, 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    done = subprocess.run(
        [str(package / "start.sh"), str(state_dir), str(port), bind],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
        env={**os.environ, "JENKINS_START_TIMEOUT": "300"},
    )
    if done.returncode != 0:
        raise BenchError(f"start.sh: exit {done.returncode}\n{done.stderr[-2000:]}")
    values = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    print(f"controller up in {time.perf_counter() - started:.1f} s at {values['url']}")
    return Jenkins(values["url"], Path(values["token_file"]).read_text().strip())


def report(bench: Bench) -> None:
    bob, base = bench.bob, bench.base
    rounds = len(bob.phases["to online"])
    print(f"\nmedians of {rounds} round(s), seconds (all rounds: min-max)")
    for series, phases in (
        (bob, ("create", "attach", "launch", "first build")),
        (base, ("clone+start+jar", "node", "launch", "first build")),
    ):
        print(f"  {series.label}:")
        for phase in (*phases, "to online", "to first build"):
            values = series.phases[phase]
            spread = f"{min(values):.2f}-{max(values):.2f}"
            print(f"    {phase:16} {statistics.median(values):6.2f}  ({spread})")
    print(
        f"  bob's jobs themselves: create {bob.median('create (job)'):.2f} s, attach "
        f"{bob.median('attach (job)'):.2f} s (the rest of each CLI phase: starting `bob`)"
    )
    online, build = bob.median("to online"), bob.median("to first build")
    print(
        f"\nbob / baseline: to online {online / base.median('to online'):.2f}x,"
        f" to first build {build / base.median('to first build'):.2f}x"
    )
    verdict = "met" if online < GOAL_S else "NOT met"
    print(f"goal online < {GOAL_S:.0f} s: {verdict} ({online:.1f} s); anchor: {ANCHOR}")


async def amain(rounds: int, package: Path, work: Path) -> None:
    options = SandboxOptions(
        hosts=1,
        backend="overlay",
        state_dir=work / "sandbox",
        prefix=PREFIX,
        net_index=NET_INDEX,
        dns_port=_free_port(),
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    try:
        info = await sandbox_up(options)
        bind = str(host_layouts(options)[0].root_ip)
        jenkins = start_jenkins(package, work / "jenkins", bind)
        try:
            bench = prepare(info, jenkins, work)
            for i in range(rounds):
                order = (bench.run_bob, bench.run_baseline)
                for run in order if i % 2 == 0 else order[::-1]:
                    await asyncio.to_thread(run)
                print(
                    f"round {i + 1}: bob online {bench.bob.phases['to online'][-1]:.2f} s,"
                    f" baseline online {bench.base.phases['to online'][-1]:.2f} s"
                )
            report(bench)
        finally:
            subprocess.run([str(package / "stop.sh"), str(work / "jenkins")], capture_output=True)
    finally:
        await sandbox_down(options.state_dir)
        print(f"machine after: load average {os.getloadavg()[0]:.2f}")


def prepare(info: SandboxInfo, jenkins: Jenkins, work: Path) -> Bench:
    document = yaml.safe_load(info.config_path.read_text())
    document["jenkins"] = [
        {
            "name": "real",
            "url": jenkins.url,
            "user": "admin",
            "token_env": TOKEN_ENV,
            "labels": {"heavy": 1},
            "heavy_labels": ["heavy"],
            "launcher": {
                "type": "command",
                "command": launcher_command(info.state_dir, jenkins.url),
            },
        }
    ]
    config = work / "bob.yaml"
    config.write_text(yaml.safe_dump(document))
    for job, label in (("tta-bob", "heavy"), ("tta-baseline", BASELINE)):
        made = jenkins.post(
            f"createItem?name={job}",
            data=JOB_XML.format(label=label),
            headers={"Content-Type": "application/xml"},
        )
        if made.status_code != 200:
            raise BenchError(f"createItem {job}: HTTP {made.status_code}")
    agent_jar = work / "agent.jar"
    agent_jar.write_bytes(jenkins.get("jnlpJars/agent.jar").content)
    env = {
        **os.environ,
        "BOB_DATABASE_URL": f"sqlite+aiosqlite:///{work}/bob.db",
        TOKEN_ENV: jenkins.token,
    }
    return Bench(info, jenkins, config, env, agent_jar)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    default = os.environ.get("BOB_TEST_JENKINS_HOME", "../shared/jenkins")
    parser.add_argument(
        "--jenkins", type=Path, default=Path(default), help="the controller package"
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if os.geteuid() != 0:
        print("bench/time_to_agent.py: the sandbox needs root", file=sys.stderr)
        return 1
    if not (args.jenkins / "start.sh").is_file():
        print(f"bench/time_to_agent.py: no start.sh in {args.jenkins}", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="bob-tta-"))
    try:
        asyncio.run(amain(args.rounds, args.jenkins.resolve(), work))
    except BenchError as exc:
        print(f"bench/time_to_agent.py: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
