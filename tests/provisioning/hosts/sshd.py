"""A throwaway OpenSSH server for tests: its own keys and config, on loopback, stopped by PID.

Nothing of the system's sshd is used or touched except its binary and ``/run/sshd`` (which
sshd insists on for privilege separation). The server logs in whoever runs the tests with a
client key made for the run.

Slow shell init: sshd runs every command through the user's login shell, and Debian's bash
sources ``~/.bashrc`` for commands that arrive over SSH. Root's ``.bashrc`` on these machines
runs ``pyenv init`` (~0.2 s per command, measured). ``SetEnv HOME=<empty dir>`` points that
lookup at a directory with no rc files (sshd applies SetEnv after its own HOME), so a command
costs a few milliseconds and the tests do not depend on what the machine's root has installed.
(``SetEnv SHLVL=1`` also works — bash skips the rc file when SHLVL says it is nested — but it
leans on a bash internal; an empty HOME says what it means.)
"""

from __future__ import annotations

import contextlib
import getpass
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provisioning.config.models import Host
from tests.ports import free_port  # re-exported for the host tests

SSHD = Path("/usr/sbin/sshd")
SSH_KEYGEN = Path("/usr/bin/ssh-keygen")
PRIVSEP_DIR = Path("/run/sshd")
MAX_SESSIONS = 10
START_TIMEOUT_S = 5.0
# The environment sshd itself runs with: nothing of the test process's (no agent, no pyenv).
SSHD_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}


class SshdUnavailable(Exception):
    """OpenSSH's server cannot be run here; the message says why."""


def keygen(path: Path, comment: str) -> None:
    subprocess.run(
        [str(SSH_KEYGEN), "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        env=SSHD_ENV,
    )


def processes_running(argv: list[str]) -> list[int]:
    """PIDs on this machine (the 'remote' host here) whose command line is exactly ``argv``."""
    wanted = "\0".join(argv).encode() + b"\0"
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "cmdline").read_bytes() == wanted:
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


@dataclass
class SshServer:
    """One running ``sshd -D`` and the files a client needs to reach it."""

    root: Path
    port: int
    user: str
    client_key: Path
    known_hosts: Path
    host_key: Path
    log_file: Path
    process: subprocess.Popen[bytes]

    address = "127.0.0.1"

    @classmethod
    def start(cls, root: Path) -> SshServer:
        for tool in (SSHD, SSH_KEYGEN):
            if not tool.is_file():
                raise SshdUnavailable(f"{tool} not found (Debian: apt-get install openssh-server)")
        PRIVSEP_DIR.mkdir(parents=True, exist_ok=True)
        home = root / "home"  # empty on purpose: no rc files for the login shell (see above)
        home.mkdir()
        host_key, client_key = root / "host_key", root / "client_key"
        keygen(host_key, "bob-test-host")
        keygen(client_key, "bob-test-client")
        port = free_port()
        config = root / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    "ListenAddress 127.0.0.1",
                    f"Port {port}",
                    f"HostKey {host_key}",
                    "PidFile none",
                    f"AuthorizedKeysFile {client_key}.pub",
                    "StrictModes no",
                    "UsePAM no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password",
                    f"MaxSessions {MAX_SESSIONS}",
                    "X11Forwarding no",
                    "AllowTcpForwarding no",
                    "PrintMotd no",
                    f"SetEnv HOME={home}",
                    "",
                ]
            )
        )
        known_hosts = root / "known_hosts"
        public = (root / "host_key.pub").read_text().split()
        known_hosts.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
        log_file = root / "sshd.log"
        with log_file.open("wb") as log:
            # -D: stay in the foreground so the PID is the server's; -e: log to stderr (the file).
            process = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=SSHD_ENV,
            )
        server = cls(
            root, port, getpass.getuser(), client_key, known_hosts, host_key, log_file, process
        )
        server._wait_ready()
        return server

    def host(self, **ssh: Any) -> Host:
        """host-a, reached at this server unless ``ssh`` overrides a field of its SshTarget."""
        target = {
            "address": self.address,
            "port": self.port,
            "user": self.user,
            "known_hosts": self.known_hosts,
            "key_file": self.client_key,
            "connect_timeout": 2.0,
            **ssh,
        }
        return Host.model_validate(
            {
                "name": "host-a",
                "ssh": target,
                "datacenter": "dc1",
                "disks": [{"name": "disk1", "max_bobs": 4}],
            }
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SshdUnavailable(f"sshd exited at start: {self.log_file.read_text()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.address, self.port), timeout=0.5) as sock,
            ):
                if sock.recv(8).startswith(b"SSH-"):
                    return
            time.sleep(0.02)
        self.stop()
        raise SshdUnavailable(f"sshd did not answer within {START_TIMEOUT_S} s")

    def stop(self) -> None:
        """Stop our sshd (by its PID) and the session processes it forked; files stay for a look."""
        sessions = self.session_pids()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in sessions:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def session_pids(self) -> list[int]:
        """PIDs of this server's per-connection children (one per client connection)."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(c) for c in children.split()]

    def drop_connections(self) -> int:
        """Kill every client connection's sshd process, as a crash or restart would."""
        pids = self.session_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(pids)

    def log_text(self) -> str:
        return self.log_file.read_text(errors="replace")

    def accepted_logins(self) -> int:
        """How many connections have logged in since the server started."""
        return self.log_text().count("Accepted publickey for ")
