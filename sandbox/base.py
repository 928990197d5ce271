"""The base container every Bob is cloned from, and the empty disks the clones go to.

Layout inside a host (the create pipeline relies on it): each disk is an lxcpath
``/var/lib/bob/diskN``; the base is container ``base`` in lxcpath ``/var/lib/bob/base``. For the
btrfs backend the base is btrfs-typed (a snapshot needs a subvolume to start from); for overlay
and dir it is dir-typed (LXC refuses overlay or dir clones of a btrfs container).
"""

from __future__ import annotations

import re
from pathlib import Path

from sandbox import debian, jre
from sandbox.errors import SandboxError
from sandbox.inside import HostView
from sandbox.layout import BASE_LXCPATH, BASE_NAME, DISKS, STORAGE_ROOT
from sandbox.options import SandboxOptions
from sandbox.paths import StatePaths

LXC_CREATE_TIMEOUT = 120
# lxc-create -f: replaces /etc/lxc/default.conf, whose veth on "lxcbr0" (absent here) breaks
# every start. "empty" = no network: bob writes each clone's network config itself.
BASE_LXC_CONFIG = "lxc.net.0.type = empty\n"
IDENTITY_FILE = "etc/chef/client.pem"
IDENTITY_CONTENT = (
    "-----BEGIN DUMMY KEY-----\nbob sandbox: the base's identity\n-----END DUMMY KEY-----\n"
)
_UDHCPC = re.compile(r"^(\s*/bin/udhcpc\b.*)$", re.MULTILINE)
_NET_LINE = re.compile(r"^\s*lxc\.net\..*\n?", re.MULTILINE)


def write_base_lxc_config(paths: StatePaths) -> None:
    paths.base_lxc_config.write_text(BASE_LXC_CONFIG, encoding="utf-8")
    host_jre = jre.find_host_jre()
    lines = host_jre.mount_lines() if host_jre is not None else []
    paths.jre_lxc_config.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


async def prepare(
    view: HostView, options: SandboxOptions, paths: StatePaths, debian_rootfs: Path | None
) -> None:
    """Make the disks' lxcpaths and the base container on one running host, with the
    machine's JRE lent to it read-only (see :mod:`sandbox.jre`).

    ``debian_rootfs``: the debootstrap cache, made once beforehand (hosts are built in parallel).
    """
    for name, _ in DISKS:
        view.path(STORAGE_ROOT / name).mkdir(parents=True, exist_ok=True)
    view.path(BASE_LXCPATH).mkdir(parents=True, exist_ok=True)
    storage = "btrfs" if options.backend == "btrfs" else "dir"
    if debian_rootfs is None:
        await _create_busybox(view, storage, paths)
    else:
        await debian.create_base(view, storage, debian_rootfs)
    _fix_base(view)
    host_jre = jre.find_host_jre()
    if host_jre is not None:
        container = view.path(BASE_LXCPATH / BASE_NAME)
        jre.lend_to_base(host_jre, container / "config", container / "rootfs")


async def _create_busybox(view: HostView, storage: str, paths: StatePaths) -> None:
    argv = [
        "lxc-create",
        "-P",
        str(BASE_LXCPATH),
        "-n",
        BASE_NAME,
        "-t",
        "busybox",  # needs busybox-static: 2 MB, 0.3 s
        "-B",
        storage,
        "-f",
        str(paths.base_lxc_config),
    ]
    await view.run(argv, timeout=LXC_CREATE_TIMEOUT)


def _fix_base(view: HostView) -> None:
    container = view.path(BASE_LXCPATH / BASE_NAME)
    rootfs = container / "rootfs"
    if not rootfs.is_dir():
        raise SandboxError(f"{view.name}: the base has no rootfs at {rootfs}")
    # busybox init runs udhcpc, which wipes the static address LXC gives a Bob and stalls a
    # clean stop; clones inherit the fix.
    rcs = rootfs / "etc/init.d/rcS"
    if rcs.is_file():
        rcs.write_text(_UDHCPC.sub(r"# \1", rcs.read_text()))
    # A clone copies these lines, and a second ipv4.address line later makes its start fail
    # with "File exists": the base carries no network at all.
    config = container / "config"
    text = _NET_LINE.sub("", config.read_text())
    config.write_text(text.rstrip("\n") + "\n" + BASE_LXC_CONFIG)
    # an identity file, so tests can check that bob strips it from every clone
    identity = rootfs / IDENTITY_FILE
    identity.parent.mkdir(parents=True, exist_ok=True)
    identity.write_text(IDENTITY_CONTENT)
    identity.chmod(0o600)
