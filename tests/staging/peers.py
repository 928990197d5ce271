"""Real peers for the staging tests: Debian's nginx and a git daemon, each started by PID on
loopback with files under the test's directory, and stopped by that PID."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from provisioning.config.models import StagingGateway
from tests.ports import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def require_nginx() -> None:
    if not Path(NGINX).exists():
        if os.environ.get("BOB_REQUIRE_SANDBOX") == "1":
            pytest.fail("nginx is not installed (scripts/install.sh installs it)", pytrace=False)
        pytest.skip("nginx is not installed")


@dataclass(frozen=True)
class Nginx:
    prefix: Path
    port: int
    pid: int

    def gateway(self, wake: str) -> StagingGateway:
        return StagingGateway(
            conf_dir=self.prefix / "conf.d",
            log_dir=self.prefix / "logs",
            pid_file=self.prefix / "nginx.pid",
            test=tuple(_argv(self.prefix, "-t")),
            listen=f"127.0.0.1:{self.port}",
            wake=wake,
        )

    def get(self, host: str, path: str = "/", timeout: float = 60.0) -> tuple[int, str]:
        """One request through the gateway for ``host``: status and body."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        request.add_header("Host", host)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")


def _argv(prefix: Path, *extra: str) -> list[str]:
    return [
        NGINX,
        "-p",
        str(prefix),
        "-c",
        str(prefix / "nginx.conf"),
        "-e",
        str(prefix / "error.log"),
        *extra,
    ]


CONF = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{ listen 127.0.0.1:{port} default_server; return 404 "no such environment\\n"; }}
    include {prefix}/conf.d/*.conf;
}}
"""


@contextmanager
def running_nginx(prefix: Path) -> Iterator[Nginx]:
    for sub in ("conf.d", "logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    port = free_port()
    (prefix / "nginx.conf").write_text(CONF.format(prefix=prefix, port=port))
    subprocess.run(_argv(prefix), check=True, capture_output=True, timeout=20)
    pid = int((prefix / "nginx.pid").read_text())
    try:
        yield Nginx(prefix, port, pid)
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)


@dataclass(frozen=True)
class GitRepo:
    work: Path  # a working tree; the daemon serves its .git
    url: str

    def git(self, *argv: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.work), *argv], capture_output=True, text=True, check=True,
            timeout=30,
        )  # fmt: skip
        return done.stdout.strip()

    def commit(self, branch: str, files: dict[str, str], message: str) -> str:
        """``files`` on ``branch`` (made from the current branch if new); the new commit."""
        branches = self.git("branch", "--list", branch)
        self.git("checkout", "-q", *([] if branches else ["-b"]), branch)
        for name, text in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self.git("add", "-A")
        self.git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


@contextmanager
def served_repo(directory: Path) -> Iterator[GitRepo]:
    """A repository served by ``git daemon`` on 127.0.0.1 (read-only, this repo only)."""
    work = directory / "app"
    work.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True, timeout=30)
    port = free_port()
    daemon = subprocess.Popen(
        [
            "git", "daemon", "--reuseaddr", "--export-all", f"--base-path={directory}",
            "--listen=127.0.0.1", f"--port={port}", str(work / ".git"),
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_listening(port)
        yield GitRepo(work, f"git://127.0.0.1:{port}/app/.git")
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def _wait_listening(port: int, within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
