"""One sshd per host: keys, config, start, find and stop it, and the client side to reach it.

A process is only ever treated as ours when the pid file names it, ``/proc/PID/exe`` is sshd and
its command line carries our config path: a reused PID or the machine's own sshd is left alone.
The same holds for a host's keeper (the ``host_init`` process holding its namespaces): its pid
file names it and its command line carries our init script and the host's spec.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sandbox import host_init, processes
from sandbox.errors import SandboxError
from sandbox.layout import HostLayout
from sandbox.mounts import SSHD, sshd_argv
from sandbox.paths import StatePaths
from sandbox.runner import run

HOST_INIT = Path(host_init.__file__)
SSH_CONNECT_TIMEOUT = 3
START_TIMEOUT = 10.0
POLL = 0.02


async def make_key(path: Path, comment: str) -> None:
    _remove_key(path)  # ssh-keygen would ask before overwriting
    await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])


def sshd_config(layout: HostLayout, paths: StatePaths) -> str:
    return "\n".join(
        [
            f"ListenAddress {layout.host_ip}:22",
            f"HostKey {layout.host_key}",
            f"PidFile {layout.pid_file}",
            f"AuthorizedKeysFile {paths.authorized_keys}",
            # the state dir may sit under /tmp, whose mode StrictModes refuses
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",  # no PAM/systemd session machinery on these hosts
            "X11Forwarding no",
            "PrintMotd no",
            # bob caps channels per connection and connections per host under these
            "MaxSessions 10",
            "MaxStartups 10:30:60",
            "Subsystem sftp internal-sftp",
            "",
        ]
    )


def known_hosts_line(layout: HostLayout) -> str:
    key_type, key = layout.host_key.with_name(layout.host_key.name + ".pub").read_text().split()[:2]
    return f"{layout.host_ip} {key_type} {key}\n"


async def start(layout: HostLayout) -> int:
    """Start the host's init (which becomes sshd) in its namespaces; return sshd's PID."""
    layout.pid_file.unlink(missing_ok=True)
    argv = [
        "setsid",
        "--fork",
        "ip",
        "netns",
        "exec",
        layout.namespace,
        "unshare",
        "--mount",
        "--uts",
        "--propagation",
        "private",
        sys.executable,
        "-I",
        "-S",
        str(HOST_INIT),
        str(layout.init_spec),
    ]
    await run(argv, log=layout.init_log)
    return await _started(layout, argv, "the host's init or sshd did not start")


async def restart(layout: HostLayout, keeper: int) -> int:
    """Start sshd again inside the namespaces the host's ``keeper`` holds; return its PID."""
    layout.pid_file.unlink(missing_ok=True)
    nsenter = ["nsenter", "--target", str(keeper), "--mount", "--net", "--uts", "--"]
    argv = ["setsid", "--fork", *nsenter, *sshd_argv(layout)]
    await run(argv, log=layout.init_log)
    return await _started(layout, argv, "sshd did not start again")


async def _started(layout: HostLayout, argv: Sequence[str], failure: str) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and not _init_failed(layout):
        if (pid := our_pid(layout)) is not None:
            return pid
        await asyncio.sleep(POLL)
    raise SandboxError(
        f"{layout.name}: {failure}",
        command=argv,
        stderr=_tail(layout.init_log) + _tail(layout.sshd_log),
    )


def our_pid(layout: HostLayout) -> int | None:
    """The PID of this host's sshd, if it is alive and really is ours."""
    try:
        pid = int(layout.pid_file.read_text().strip())
        exe = os.readlink(f"/proc/{pid}/exe")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, ValueError):
        return None
    if exe != SSHD or str(layout.sshd_config) not in cmdline or processes.gone(pid):
        return None
    return pid


def keeper_pid(layout: HostLayout) -> int | None:
    """The PID of the process holding this host's namespaces, if it is alive and ours.

    None as well for a host built before keepers existed: its sshd is its only holder.
    """
    try:
        pid = int(layout.keeper_pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    words = {word.decode(errors="replace") for word in cmdline}
    if not {str(HOST_INIT), str(layout.init_spec)} <= words or processes.gone(pid):
        return None
    return pid


def ssh_argv(paths: StatePaths, address: str, command: Sequence[str]) -> list[str]:
    """The system ssh client, verifying the host key against our known_hosts and nothing else.

    The remote side joins the words with spaces and hands them to a shell, so callers pass a
    command that is already quoted (``shlex.join``) when it has to survive that.
    """
    return [
        "ssh",
        "-F",
        "/dev/null",
        "-i",
        str(paths.client_key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        f"UserKnownHostsFile={paths.known_hosts}",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        f"ConnectTimeout={SSH_CONNECT_TIMEOUT}",
        "-o",
        "LogLevel=ERROR",
        f"root@{address}",
        "--",
        *command,
    ]


async def wait_answering(
    layout: HostLayout,
    paths: StatePaths,
    timeout: float,  # noqa: ASYNC109 (a retry deadline; each try has its own timeout)
) -> None:
    """Until ``ssh host true`` works (sshd listens before it writes its pid file, but be sure)."""
    argv = ssh_argv(paths, str(layout.host_ip), ["true"])
    deadline = time.monotonic() + timeout
    while True:
        done = await run(argv, check=False, timeout=SSH_CONNECT_TIMEOUT + 2)
        if done.ok:
            return
        if time.monotonic() >= deadline:
            raise SandboxError(
                f"{layout.name}: sshd at {layout.host_ip} does not answer",
                command=argv,
                returncode=done.returncode,
                stderr=done.stderr + _tail(layout.sshd_log),
            )
        await asyncio.sleep(0.1)


def _init_failed(layout: HostLayout) -> bool:
    try:
        return host_init.FAILED in layout.init_log.read_text(errors="replace")
    except OSError:
        return False


def _remove_key(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".pub").unlink(missing_ok=True)


def _tail(path: Path, limit: int = 1500) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return f"\n[{path.name}] " + text[-limit:] if text.strip() else ""
