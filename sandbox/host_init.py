"""Set up one sandbox host's namespaces, start its sshd, then hold the namespaces (run as a script).

Started as ``setsid --fork ip netns exec NS unshare --mount --uts --propagation private
python -I -S host_init.py SPEC``: each of those execs in place, so this process is the first one
in the host's fresh mount and UTS namespaces.

With ``keeper_pid_file`` in the spec this process stays on as the host's *keeper*: it starts the
service (sshd) detached, writes its own PID to that file and sleeps. The namespaces then live as
long as the keeper, so sshd can be stopped and started again (``nsenter`` on the keeper) as a
fault drill without the host losing its mounts. Without it, this process execs the service and
the host lives exactly as long as that.

Stdlib only and run by path (not ``-m``), so it starts in milliseconds without importing bob.
Every step is an argv from the spec (built by ``mounts.init_spec``); nothing goes through a shell.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

NETNS_MOUNTS = "/run/netns/"
# printed to stderr (the host's init.log) on failure: `sandbox up` stops waiting when it sees it
FAILED = "bob-sandbox host init failed"
STEP_TIMEOUT = 30


def main(argv: list[str]) -> None:
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    if os.readlink("/proc/self/ns/mnt") == spec["outer_mount_namespace"]:
        # everything below (mounts, unmounting netns pins) would hit the whole machine
        raise RuntimeError("refusing to run in the mount namespace of `sandbox up` itself")
    socket.sethostname(spec["hostname"])  # our own UTS namespace (unshare --uts)
    _drop_netns_pins()
    for step in spec["steps"]:
        subprocess.run(step, check=True, timeout=STEP_TIMEOUT, stdin=subprocess.DEVNULL)
    command = spec["exec"]
    keeper_pid_file = spec.get("keeper_pid_file")
    if keeper_pid_file is None:
        os.execv(command[0], command)  # noqa: S606 - becoming the service: same PID
    Path(keeper_pid_file).write_text(f"{os.getpid()}\n", encoding="utf-8")
    # setsid --fork: the service is reparented away from us at once, so whoever reaps orphans
    # reaps it when a drill stops it, and it keeps no tie to this process.
    subprocess.run(
        ["setsid", "--fork", *command], check=True, timeout=STEP_TIMEOUT, stdin=subprocess.DEVNULL
    )
    while True:
        signal.pause()  # until `sandbox down` ends us


def _drop_netns_pins() -> None:
    """Unmount our copies of /run/netns/* (other hosts', other sandboxes').

    This mount namespace got a private copy of every netns bind mount that existed when it was
    made; each copy keeps that network namespace alive after its owner's ``ip netns del``.
    """
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        targets = [line.split()[1] for line in mounts if line.split()[1].startswith(NETNS_MOUNTS)]
    for target in reversed(targets):
        subprocess.run(["umount", "-l", target], check=False, timeout=STEP_TIMEOUT)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception as exc:
        print(f"{FAILED}: {exc!r}", file=sys.stderr)
        sys.exit(1)
