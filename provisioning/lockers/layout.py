"""Where lockers and wormholes live on a host, and the LXC lines that give a Bob its wormhole.

A locker is a volume at ``{storage.root}/lockers/NAME``. Each Bob has a wormhole
``{storage.root}/wormholes/BOB``: a shared mount on the host, bind-mounted (recursively) at
``/lockers`` inside the Bob when it starts. A locker bind-mounted under the wormhole on the host
later propagates into the running Bob; unmounted there, it leaves the Bob. Why it is built this
way, and what was measured on LXC 5: docs/lockers.md.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from provisioning.config.models import Host

# Inside a Bob, relative to its rootfs (as lxc.mount.entry wants it).
INSIDE = "lockers"
HOOK_NAME = ".bob-wormhole-hook"


def lockers_root(host: Host) -> PurePosixPath:
    return PurePosixPath(host.storage.root) / "lockers"


def locker_path(host: Host, name: str) -> PurePosixPath:
    return lockers_root(host) / name


def locker_mark(host: Host, name: str) -> PurePosixPath:
    """Beside the locker (never in it: the Bobs see its contents), the job that made it."""
    return lockers_root(host) / f".{name}.bob-locker"


def staging(host: Host, bob: str, name: str) -> PurePosixPath:
    """Where a mount is made ready (read-only, say) before it is moved into a wormhole."""
    return lockers_root(host) / ".staging" / f"{bob}.{name}"


def wormholes_root(host: Host) -> PurePosixPath:
    return PurePosixPath(host.storage.root) / "wormholes"


def wormhole(host: Host, bob: str) -> PurePosixPath:
    return wormholes_root(host) / bob


def mounted_at(host: Host, bob: str, name: str) -> PurePosixPath:
    """The host's side of ``/lockers/NAME`` inside ``bob``."""
    return wormhole(host, bob) / name


def hook_path(host: Host) -> PurePosixPath:
    return wormholes_root(host) / HOOK_NAME


def wormhole_lines(host: Host, bob: str) -> list[str]:
    """The Bob's LXC lines: the hook that makes its wormhole a shared mount before every start
    (a host reboot forgets it), and the wormhole itself, ``rbind`` so lockers already mounted
    on the host come along when the Bob (re)starts."""
    return [
        f"lxc.hook.pre-start = {hook_path(host)}",
        f"lxc.mount.entry = {wormhole(host, bob)} {INSIDE} none rbind,create=dir 0 0",
    ]


def host_path_line(path: str) -> str:
    """A configured host path, read-only at the same path inside every Bob."""
    return f"lxc.mount.entry = {path} {path.lstrip('/')} none ro,bind,create=dir 0 0"


def has_wormhole(config: str, host: Host, bob: str) -> bool:
    lines = {line.strip() for line in config.splitlines()}
    return all(line in lines for line in wormhole_lines(host, bob))
