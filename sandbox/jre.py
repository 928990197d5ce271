"""The machine's Java runtime, bind-mounted read-only into every sandbox Bob.

A Bob must run ``agent.jar`` to become a Jenkins agent. Installing a JRE into the base would
need a Debian mirror and a minute per ``sandbox up``; the machine already has the JRE the
controller runs on (the same version, so agent and controller always match), and LXC can lend
it to each Bob read-only. The base's config carries the mount lines, so every clone inherits
them; ``optional`` keeps a Bob starting on a machine where the JRE has since gone.

Debian's JRE keeps its configuration outside its home (``lib/jvm.cfg``, ``conf/security/…``
are symlinks into ``/etc/java-N-openjdk``), so that directory is lent too. The libraries it
links against come with the busybox template's own read-only ``/lib`` and ``/usr/lib`` mounts.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

JAVA_LINK = PurePosixPath("/usr/bin/java")  # so a launcher command can say plain `java`


@dataclass(frozen=True)
class HostJre:
    home: PurePosixPath  # e.g. /usr/lib/jvm/java-17-openjdk-amd64
    lent: tuple[PurePosixPath, ...]  # every directory a Bob gets read-only, the home first

    @property
    def java(self) -> PurePosixPath:
        return self.home / "bin" / "java"

    def mount_lines(self) -> list[str]:
        # The target is relative to the rootfs; create=dir makes the mount point in the clone.
        return [
            f"lxc.mount.entry = {d} {str(d).lstrip('/')} none ro,bind,optional,create=dir 0 0"
            for d in self.lent
        ]


def find_host_jre(java: str | None = None) -> HostJre | None:
    """The JRE that ``java`` on this machine's PATH belongs to, or None without one."""
    found = java or shutil.which("java")
    if found is None:
        return None
    binary = Path(found).resolve()
    home = binary.parent.parent
    if binary.parent.name != "bin" or not (home / "lib").is_dir():
        return None
    outside = sorted(
        {
            PurePosixPath(target.parent)
            for link in _links(home)
            if not (target := link.resolve()).is_relative_to(home) and target.exists()
        }
    )
    return HostJre(PurePosixPath(home), (PurePosixPath(home), *_topmost(outside)))


def _links(home: Path) -> list[Path]:
    # conf/ and lib/ only: docs, man and legal link to /usr/share, which a JVM never reads.
    return [
        Path(root) / name
        for top in ("conf", "lib")
        for root, dirs, files in os.walk(home / top)
        for name in (*dirs, *files)
        if (Path(root) / name).is_symlink()
    ]


def _topmost(directories: list[PurePosixPath]) -> list[PurePosixPath]:
    """Drop directories inside another one of the list: one mount covers them."""
    return [d for d in directories if not any(d != o and d.is_relative_to(o) for o in directories)]


def lend_to_base(jre: HostJre, config: Path, rootfs: Path) -> None:
    """Add the mounts to the base's config and ``/usr/bin/java`` to its rootfs."""
    lines = [line for line in jre.mount_lines() if line not in config.read_text().splitlines()]
    if lines:
        config.write_text(config.read_text().rstrip("\n") + "\n" + "\n".join(lines) + "\n")
    link = rootfs / JAVA_LINK.relative_to("/")
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(str(jre.java))
