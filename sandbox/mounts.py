"""What each host's init mounts: a pure function of the layout and the root namespace's mounts.

``ip netns exec`` mounts a fresh sysfs on /sys, which hides the cgroup hierarchies; LXC then
either fails ("Failed to setup cgroup limits") or, worse, starts containers outside any cgroup.
So each host replays the root namespace's /sys/fs/cgroup mounts, exactly as they are.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sandbox.layout import STORAGE_ROOT, HostLayout
from sandbox.options import SandboxOptions

CGROUP_ROOT = PurePosixPath("/sys/fs/cgroup")
SSHD = "/usr/sbin/sshd"  # sshd refuses to run unless started by absolute path
BASHRC_LINE = "# bob sandbox host: a plain shell (root's own .bashrc may run slow init)\n"

_ESCAPE = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    source: str
    target: str
    fstype: str
    options: str


def parse_mounts(text: str) -> list[Mount]:
    """Parse /proc/self/mounts, whose fields escape space, tab, newline and backslash as octal."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            source, target, fstype, options = (_unescape(f) for f in fields[:4])
            mounts.append(Mount(source, target, fstype, options))
    return mounts


def cgroup_mounts(mounts: list[Mount]) -> list[Mount]:
    root = str(CGROUP_ROOT)
    return [m for m in mounts if m.target == root or m.target.startswith(root + "/")]


def root_cgroup_mounts() -> list[Mount]:
    """The cgroup mounts of the namespace we run in (the root one)."""
    return cgroup_mounts(parse_mounts(Path("/proc/self/mounts").read_text(encoding="utf-8")))


def replay_argvs(mounts: list[Mount]) -> list[list[str]]:
    """``mount`` commands recreating ``mounts`` in order.

    A read-only parent (systemd mounts the cgroup tmpfs ``ro``) is mounted writable first so its
    sub-mountpoints can be created, and made read-only again at the end.
    """
    argvs, remount_ro = [], []
    for m in mounts:
        options = m.options.split(",")
        if "ro" in options:
            remount_ro.append(["mount", "-o", "remount,ro", m.target])
            options = ["rw" if o == "ro" else o for o in options]
        argvs.append(["mkdir", "-p", m.target])
        argvs.append(["mount", "-t", m.fstype, "-o", ",".join(options), m.source, m.target])
    return argvs + remount_ro[::-1]


def init_spec(
    layout: HostLayout, options: SandboxOptions, cgroups: list[Mount], bashrc: Path | None
) -> dict[str, Any]:
    """The JSON document ``host_init.py`` follows inside the host's fresh mount namespace."""
    steps = replay_argvs(cgroups)
    storage = str(STORAGE_ROOT)
    binds = [
        (layout.lxc_dir, "/var/lib/lxc"),
        (layout.run_lxc_dir, "/run/lxc"),
        (layout.cache_lxc_dir, "/var/cache/lxc"),
    ]
    for source, target in binds:
        steps += [["mkdir", "-p", target], ["mount", "--bind", str(source), target]]
    # mkdir lands on the machine's real filesystem (mount namespaces don't cover directories):
    # /var/lib/bob stays behind as an empty directory. Never rmdir it: removing a directory
    # that is a mount point in another namespace silently detaches that mount there.
    steps.append(["mkdir", "-p", storage])
    if options.backend == "btrfs":
        # The loop device is set to autoclear: it goes away with the last mount of it.
        steps.append(["mount", "-o", "loop", str(layout.storage_image), storage])
    else:
        steps.append(["mount", "--bind", str(layout.storage_dir), storage])
    if bashrc is not None:
        steps.append(["mount", "--bind", str(layout.bashrc), str(bashrc)])
    steps.append(["mkdir", "-p", "-m", "0755", "/run/sshd"])  # sshd's privilege separation dir
    return {
        # host_init refuses to run in this one: its mounts would land on the whole machine
        "outer_mount_namespace": os.readlink("/proc/self/ns/mnt"),
        "hostname": layout.name,
        "steps": steps,
        "exec": sshd_argv(layout),
        # host_init stays on as the keeper of the namespaces: sshd can then be restarted
        "keeper_pid_file": str(layout.keeper_pid_file),
    }


def sshd_argv(layout: HostLayout) -> list[str]:
    """The host's sshd in the foreground (``-D``): it writes its own pid file (``PidFile``)."""
    return [SSHD, "-D", "-f", str(layout.sshd_config), "-E", str(layout.sshd_log)]


def _unescape(field: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)
