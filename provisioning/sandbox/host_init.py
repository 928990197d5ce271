"""Become one sandbox host's sshd (run as a script, inside the host's namespaces).

Started as ``setsid --fork ip netns exec NS unshare --mount --uts --propagation private
python -I -S host_init.py SPEC``: each of those execs in place, so this process, and the sshd
it becomes, keeps the PID that sshd writes to its pid file.

Stdlib only and run by path (not ``-m``), so it starts in milliseconds without importing bob.
Every step is an argv from the spec (built by ``mounts.init_spec``); nothing goes through a shell.
"""

from __future__ import annotations

import json
import os
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
    os.execv(command[0], command)  # noqa: S606 - becoming sshd is the point: same PID


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
