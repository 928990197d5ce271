"""What the host-check probe prints on a ready host, for the unit tests to vary."""

from __future__ import annotations

NOW = 1_800_000_000
GIB_KB = 1024 * 1024


def probe_output(**changes: str) -> str:
    """What the probe prints on a ready overlay host, with some lines replaced."""
    lines = {
        "now": f"now {NOW}.000000000",
        "lxc": "lxc 5.0.2",
        "cgroup": "cgroup cgroup2fs",
        "bridge": "bridge bridge",
        "overlay": "overlay yes",
        "lvm": "lvm no",
        "root": "root ext2/ext3",
        "dir base": f"dir base writable ext2/ext3 {8 * GIB_KB}",
        "dir disk1": f"dir disk1 writable ext2/ext3 {8 * GIB_KB}",
        "dir disk2": f"dir disk2 writable ext2/ext3 {8 * GIB_KB}",
        "base": "base version base\nbase version base-v2\nbase current base-v2",
    }
    lines.update(changes)
    return "\n".join(line for line in lines.values() if line) + "\n"
