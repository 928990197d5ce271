"""A real sandbox fleet for tests: namespace hosts with sshd and LXC, torn down afterwards.

Usage (e.g. in the create-pipeline tests)::

    from tests.sandbox.fixtures import require_sandbox, sandbox_fleet

    async def test_create(tmp_path):
        require_sandbox()
        async with sandbox_fleet(tmp_path / "sbx", backend="overlay", hosts=2) as info:
            fleet = load_fleet(info.config_path)
            ...

Each fleet gets a slot of its own: namespaces ``bobtest{n}-a…`` and addresses ``10.250.X.*`` with
X from 100 up, so tests never collide with a developer's sandbox (``bobhost-*``, 10.250.0-8) or
with each other within a run. Its DNS server gets a free port (a developer's sandbox has 15053).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shlex
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

from sandbox import (
    Backend,
    BaseKind,
    SandboxInfo,
    SandboxOptions,
    sandbox_down,
    sandbox_up,
)
from sandbox.network import netns_exists
from sandbox.paths import StatePaths
from sandbox.sshd import ssh_argv
from tests.ports import free_port

TOOLS = (
    "ip", "nsenter", "unshare", "setsid", "losetup", "ssh", "ssh-keygen", "rsync", "busybox",
    "lxc-create", "lxc-copy", "lxc-start", "lxc-destroy", "mkfs.btrfs",
)  # fmt: skip
SSHD = Path("/usr/sbin/sshd")
NAMED = Path("/usr/sbin/named")  # bind9: every sandbox runs its own DNS server
FIRST_NET_INDEX = 100
SLOT_WIDTH = 10  # third octets per slot: the uplinks and up to 8 bridge subnets
SLOTS = 14

# Slot → the open lock file that holds it. flock, not just "does the namespace exist": two test
# processes (parallel runs, several worktrees) checking at the same moment would pick the same
# slot. The kernel drops the lock when the process dies, so a killed run frees its slots.
_claimed: dict[int, int] = {}
LOCK_DIR = Path("/run/lock") if Path("/run/lock").is_dir() else Path("/tmp")


def _lock_slot(slot: int) -> int | None:
    fd = os.open(LOCK_DIR / f"bob-test-sandbox-slot-{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def sandbox_unavailable() -> str | None:
    """Why a sandbox cannot be built here, or None if it can."""
    if os.geteuid() != 0:
        return "the sandbox needs root"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    missing += [str(daemon) for daemon in (SSHD, NAMED) if not daemon.exists()]
    return f"the sandbox needs {', '.join(missing)}" if missing else None


def require_sandbox() -> None:
    """Skip unless a sandbox can be built; with BOB_REQUIRE_SANDBOX=1 (CI) fail instead."""
    reason = sandbox_unavailable()
    if reason is None:
        return
    if os.environ.get("BOB_REQUIRE_SANDBOX") == "1":
        pytest.fail(f"BOB_REQUIRE_SANDBOX=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def sandbox_options(
    state_dir: Path,
    backend: Backend = "overlay",
    hosts: int = 2,
    base: BaseKind = "busybox",
    cache_dir: Path | None = None,
) -> SandboxOptions:
    """Options in the first free test slot (claimed until ``release``).

    ``cache_dir``: where a Debian base's debootstrap is cached (default: the machine-wide cache).
    """
    for slot in range(SLOTS):
        prefix, net_index = f"bobtest{slot}", FIRST_NET_INDEX + slot * SLOT_WIDTH
        if slot in _claimed:
            continue
        fd = _lock_slot(slot)
        if fd is None:
            continue
        if netns_exists(f"{prefix}-a"):  # left over by a run that did not clean up: keep out
            os.close(fd)
            continue
        _claimed[slot] = fd
        return SandboxOptions(
            hosts=hosts,
            backend=backend,
            base=base,
            state_dir=state_dir,
            prefix=prefix,
            net_index=net_index,
            dns_port=free_port(udp_too=True),
            **({"cache_dir": cache_dir} if cache_dir is not None else {}),
        )
    raise RuntimeError(f"all {SLOTS} sandbox test slots are in use")


def release(options: SandboxOptions) -> None:
    fd = _claimed.pop((options.net_index - FIRST_NET_INDEX) // SLOT_WIDTH, None)
    if fd is not None:
        os.close(fd)  # closing the file drops the lock


@asynccontextmanager
async def sandbox_fleet(
    state_dir: Path,
    backend: Backend = "overlay",
    hosts: int = 2,
    base: BaseKind = "busybox",
    cache_dir: Path | None = None,
) -> AsyncIterator[SandboxInfo]:
    """A running sandbox for the duration of the block; always removed afterwards."""
    options = sandbox_options(state_dir, backend, hosts, base, cache_dir)
    try:
        yield await sandbox_up(options)
    finally:
        try:
            await sandbox_down(state_dir)
        finally:
            release(options)


@contextmanager
def sandbox_fleet_sync(
    state_dir: Path, backend: Backend = "overlay", hosts: int = 2, base: BaseKind = "busybox"
) -> Iterator[SandboxInfo]:
    """The same for module- or session-scoped (synchronous) fixtures: one sandbox, many tests."""
    options = sandbox_options(state_dir, backend, hosts, base)
    try:
        yield asyncio.run(sandbox_up(options))
    finally:
        try:
            asyncio.run(sandbox_down(state_dir))
        finally:
            release(options)


@contextmanager
def own_fleet(
    factory: pytest.TempPathFactory,
    label: str,
    backend: Backend = "overlay",
    hosts: int = 2,
    base: BaseKind = "busybox",
) -> Iterator[SandboxInfo]:
    """A sandbox of a test module's own (skipped where the sandbox cannot run): for tests that
    leave what others do not expect, such as a rebuilt base."""
    require_sandbox()
    with sandbox_fleet_sync(factory.mktemp(label) / "state", backend, hosts, base) as info:
        yield info


def host_ssh(
    info: SandboxInfo, host: str, command: Sequence[str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` (an argv, quoted here for the remote shell) on a host over real SSH."""
    address = next(h.address for h in info.hosts if h.name == host)
    argv = ssh_argv(StatePaths(info.state_dir), address, [shlex.join(command)])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if check and done.returncode != 0:
        raise AssertionError(
            f"{shlex.join(command)} on {host}: rc={done.returncode}\n{done.stderr}"
        )
    return done


def host_script(info: SandboxInfo, host: str, commands: Sequence[Sequence[str]]) -> str:
    """Several commands in one SSH round trip, stopping at the first failure; their stdout."""
    script = " && ".join(shlex.join(c) for c in commands)
    return host_ssh(info, host, ["sh", "-c", script]).stdout
