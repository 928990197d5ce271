"""The LXC containers on a sandbox host: list them, and remove them all on ``down``."""

from __future__ import annotations

import contextlib
import glob
import os
from pathlib import Path, PurePosixPath

from sandbox.inside import HostView
from sandbox.layout import BASE_LXCPATH, STORAGE_ROOT

DEFAULT_LXCPATH = PurePosixPath("/var/lib/lxc")  # the host's own (bind-mounted per host)
DESTROY_PASSES = 3
CGROUPS = Path("/sys/fs/cgroup")


def lxcpaths(view: HostView) -> list[PurePosixPath]:
    """Every lxcpath on the host: each directory in the storage root, and LXC's default.

    Clones first and the base last, because a snapshot base refuses to go while it has clones.
    """
    try:
        names = sorted(e.name for e in os.scandir(view.path(STORAGE_ROOT)) if e.is_dir())
    except OSError:
        names = []
    paths = [STORAGE_ROOT / n for n in names if STORAGE_ROOT / n != BASE_LXCPATH]
    if BASE_LXCPATH.name in names:
        paths.append(BASE_LXCPATH)
    return [*paths, DEFAULT_LXCPATH]


async def list_containers(view: HostView) -> list[tuple[PurePosixPath, str]]:
    found = []
    for lxcpath in lxcpaths(view):
        listing = await view.run(["lxc-ls", "-P", str(lxcpath), "-1"], check=False)
        found += [(lxcpath, name) for name in listing.stdout.split()]
    return found


def describe(lxcpath: PurePosixPath, name: str) -> str:
    return f"{lxcpath.name}/{name}"


async def remove_all(view: HostView) -> list[str]:
    """Kill and destroy every container on the host; returns what was removed.

    ``lxc-stop -k``: these are throwaway, and busybox init takes 2 s to stop cleanly.
    """
    present = await list_containers(view)
    for lxcpath, name in present:
        await view.run(["lxc-stop", "-P", str(lxcpath), "-n", name, "-k"], check=False)
    for lxcpath, name in present:
        # a monitor still exiting makes lxc-destroy fail with "Connection reset by peer"
        await view.run(
            ["lxc-wait", "-P", str(lxcpath), "-n", name, "-s", "STOPPED", "-t", "5"], check=False
        )
    for _ in range(DESTROY_PASSES):
        left = await list_containers(view)
        if not left:
            break
        for lxcpath, name in left:
            await view.run(["lxc-destroy", "-P", str(lxcpath), "-n", name, "-f"], check=False)
    remaining = set(await list_containers(view))
    return [describe(p, n) for p, n in present if (p, n) not in remaining]


def remove_stale_cgroups(names: set[str]) -> list[str]:
    """rmdir the empty cgroups LXC leaked for our containers' names.

    A failed start leaves ``lxc.monitor.NAME`` behind in the machine-wide hierarchies (and the
    next container of that name gets a ``-1`` suffix). rmdir refuses a populated cgroup, so a
    live container of the same name elsewhere is never touched.
    """
    removed = []
    for name in sorted(names):
        for kind in ("lxc.monitor", "lxc.payload"):
            pattern = glob.escape(f"{kind}.{name}")
            # cgroup v1 hierarchies are one level down; a pure cgroup v2 host has them at the top
            candidates = [
                found
                for parent in (f"{CGROUPS}/*", str(CGROUPS))
                for suffix in ("", "-[0-9]*")
                for found in glob.glob(f"{parent}/{pattern}{suffix}")
            ]
            for found in sorted(candidates):
                with contextlib.suppress(OSError):
                    os.rmdir(found)
                    removed.append(f"cgroup {found}")
    return removed
