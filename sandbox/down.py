"""``sandbox down``: remove everything ``up`` made, and only that. Safe to run again.

Per host: clear its containers (from inside, via nsenter), unmount its storage, stop its sshd
(only the PID whose exe and config prove it is ours), kill what is still in its namespace,
delete namespace, veth and route, detach leftover loop devices, delete its files. Then the
DNS server: its named stopped by PID (checked the same way), its directory and key deleted. The
blackhole route stays: harmless, and it keeps protecting the range.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from pathlib import Path

from sandbox import containers, dns_server, network, processes, sshd, state
from sandbox.bind_config import bind_layout
from sandbox.errors import SandboxError
from sandbox.inside import HostView
from sandbox.layout import STORAGE_ROOT, HostLayout, host_layouts
from sandbox.paths import StatePaths
from sandbox.runner import run


async def sandbox_down(state_dir: Path) -> list[str]:
    """Remove the sandbox recorded in ``state_dir``; returns what was removed."""
    paths = StatePaths(state_dir)
    options = state.read(paths)
    if options is None:
        return []
    layouts = host_layouts(options)
    # every host is cleared as far as it goes, even when another one fails
    results = await asyncio.gather(*(_down_host(h) for h in layouts), return_exceptions=True)
    removed: list[str] = []
    names: set[str] = set()
    failures: list[tuple[str, BaseException]] = []
    for layout, result in zip(layouts, results, strict=True):
        if isinstance(result, BaseException):
            failures.append((layout.name, result))
        else:
            removed += result[0]
            names |= result[1]
    removed += containers.remove_stale_cgroups(names)
    try:
        removed += await dns_server.stop(bind_layout(options))
    except SandboxError as dns_failure:
        failures.append(("DNS server", dns_failure))
    if failures:
        # keep the record, so that the next `down` knows what is left to remove
        name, first = failures[0]
        error = SandboxError(f"sandbox down: {name} was not fully removed; run it again")
        for other, exc in failures:
            error.add_note(f"{other}: {exc}")
        error.add_note("removed so far: " + ", ".join(removed))
        raise error from first
    removed += _remove_files(paths)
    return removed


async def _down_host(layout: HostLayout) -> tuple[list[str], set[str]]:
    removed: list[str] = []
    names: set[str] = set()
    pid = sshd.our_pid(layout)
    # the keeper when sshd was stopped by a drill; any process of the namespace otherwise
    entry = (
        pid
        or sshd.keeper_pid(layout)
        or next(iter(await network.netns_pids(layout.namespace)), None)
    )
    if entry is not None:
        view = HostView(layout.name, entry)
        names = {name for _, name in await containers.list_containers(view)}
        removed += [f"container {layout.name}:{c}" for c in await containers.remove_all(view)]
        # explicit, so the loop device is free now and not whenever the namespace dies
        if (await view.run(["umount", str(STORAGE_ROOT)], check=False)).ok:
            removed.append(f"mount {STORAGE_ROOT} of {layout.name}")
    if pid is not None:
        await processes.terminate(pid)
        removed.append(f"sshd of {layout.name} (pid {pid})")
    removed += await _kill_leftovers(layout)
    removed += await network.remove_host_network(layout)
    removed += await _detach_loops(layout)
    if layout.dir.exists() and not _mounted_under(layout.dir):
        shutil.rmtree(layout.dir)
        removed.append(f"directory {layout.dir}")
    return removed, names


async def _kill_leftovers(layout: HostLayout) -> list[str]:
    """Whatever still runs in our namespace (the keeper, an SSH session, an LXC monitor) is
    ours."""
    pids = await network.netns_pids(layout.namespace)
    for pid in pids:
        await processes.kill(pid)
    return [f"process {pid} in {layout.namespace}" for pid in pids]


async def _detach_loops(layout: HostLayout) -> list[str]:
    if not layout.storage_image.exists():
        return []
    found = await run(["losetup", "-j", str(layout.storage_image), "-n", "-O", "NAME"])
    devices = found.stdout.split()
    for device in devices:
        await run(["losetup", "-d", device])
    return [f"loop device {d}" for d in devices]


def _mounted_under(directory: Path) -> bool:
    prefix = str(directory)
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        return any(
            line.split()[1] == prefix or line.split()[1].startswith(prefix + "/") for line in mounts
        )


def _remove_files(paths: StatePaths) -> list[str]:
    """Our files in the state directory; the directory itself stays (it may predate us)."""
    removed = []
    for path in paths.files():
        if path.exists():
            path.unlink()
            removed.append(f"file {path}")
    with contextlib.suppress(OSError):
        paths.hosts_dir.rmdir()
    return removed
