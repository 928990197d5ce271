"""A Debian bookworm base (``--base debian``): debootstrap once, copy into each host.

debootstrap (systemd and sshd included) took 180 s here and needs a Debian mirror, so its result
is cached in ``cache_dir``, which ``sandbox down`` keeps (like a package cache). Each host's base
gets a copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.inside import HostView
from sandbox.layout import BASE_LXCPATH, BASE_NAME, STORAGE_ROOT
from sandbox.options import SandboxOptions
from sandbox.runner import run

SUITE = "bookworm"
DEBOOTSTRAP_TIMEOUT = 900
COPY_TIMEOUT = 300
# minbase has no init, and a container needs one to start: systemd, as on real hosts, so bob's
# readiness probe meets a real boot; sshd so each Bob's host keys can be seen to be its own;
# iproute2 lets tests look at eth0.
EXTRA_PACKAGES = "systemd-sysv,openssh-server,iproute2"
# what each host mounts over (see mounts.init_spec): a cache under these would be invisible there
HIDDEN_IN_HOSTS = tuple(
    Path(p) for p in ("/var/lib/lxc", "/run/lxc", "/var/cache/lxc", str(STORAGE_ROOT))
)
READY = ".bob-complete"  # written last: a half-finished debootstrap is never mistaken for a cache


def cached_rootfs(options: SandboxOptions) -> Path:
    # The package set is in the name: a cache made with other packages is never taken for this.
    return options.cache_dir / f"debian-{SUITE}-minbase-systemd-sshd"


async def ensure_rootfs(options: SandboxOptions) -> Path:
    rootfs = cached_rootfs(options)
    if (rootfs / READY).exists():
        return rootfs
    partial = rootfs.with_name(rootfs.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    # In a private mount namespace: the /proc and /sys debootstrap mounts in the target vanish
    # with it even when debootstrap dies halfway.
    try:
        await run(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "debootstrap",
                "--variant=minbase",
                f"--include={EXTRA_PACKAGES}",
                SUITE,
                str(partial),
                options.debian_mirror,
            ],
            timeout=DEBOOTSTRAP_TIMEOUT,
        )
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    (partial / READY).write_text("debootstrap finished\n")
    shutil.rmtree(rootfs, ignore_errors=True)
    partial.rename(rootfs)
    return rootfs


async def create_base(view: HostView, storage: str, source: Path) -> None:
    """Container ``base`` in the base lxcpath, its rootfs a copy of ``source`` (the cache)."""
    hidden = [p for p in HIDDEN_IN_HOSTS if source.is_relative_to(p)]
    if hidden:
        raise SandboxError(f"cache_dir {source.parent} is covered by {hidden[0]} inside the hosts")
    container = BASE_LXCPATH / BASE_NAME
    rootfs = container / "rootfs"
    view.path(container).mkdir(parents=True, exist_ok=True)
    if storage == "btrfs":
        await view.run(["btrfs", "subvolume", "create", str(rootfs)])
    else:
        view.path(rootfs).mkdir()
    # rsync runs inside the host: rsync 3.5 refuses a destination reached through another
    # mount namespace's /proc/PID/root ("change_dir#1 ... No such file or directory").
    await view.run(
        ["rsync", "-aHAX", "--numeric-ids", "--exclude", READY, f"{source}/", f"{rootfs}/"],
        timeout=COPY_TIMEOUT,
    )
    view.path(container / "config").write_text(
        "\n".join(
            [
                "# bob sandbox base: Debian bookworm (debootstrap minbase)",
                # common.conf comes with lxc itself; debian.common.conf only with lxc-templates
                "lxc.include = /usr/share/lxc/config/common.conf",
                "lxc.arch = linux64",
                f"lxc.rootfs.path = {storage}:{rootfs}",
                f"lxc.uts.name = {BASE_NAME}",
                "lxc.tty.max = 4",
                "lxc.pty.max = 16",
                "",
            ]
        )
    )
