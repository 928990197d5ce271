"""Which base versions a host has, which is current, and which may be collected.

Inside the lxcpath ``{storage.root}/base`` every version is a container of its own:
``base-v2``, ``base-v3`` … The sandbox's (and any older) un-versioned base, the container
``base``, is version 1. The symlink ``current`` names the version new clones start from; it is
replaced with a rename, so a reader sees the old or the new target, never neither. Without the
link, ``base`` is current. A rebuild holds the lock file ``.bob-rebuild`` (its job and the
version it builds) from choosing the version number until the new base is current.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

LEGACY_NAME = "base"
CURRENT_LINK = "current"
LOCK_FILE = ".bob-rebuild"
VERSION_MARKER = "# bob: base"
_VERSIONED = re.compile(r"^base-v([1-9][0-9]{0,5})$")

# One line per fact, from a fixed script run in the base lxcpath (see ``STATE_SCRIPT``).
STATE_SCRIPT = """
cd "$1" 2>/dev/null || exit 0
if [ -L current ]; then printf 'current %s\\n' "$(readlink current)"; fi
for entry in base base-v*; do
  if [ -d "$entry" ] && [ ! -L "$entry" ]; then printf 'version %s\\n' "$entry"; fi
done
if [ -f .bob-rebuild ]; then printf 'lock %s\\n' "$(cat .bob-rebuild)"; fi
"""


def version_name(version: int) -> str:
    return f"base-v{version}"


def version_of(name: str) -> int | None:
    """1 for the legacy ``base``, N for ``base-vN``, None for anything else."""
    if name == LEGACY_NAME:
        return 1
    match = _VERSIONED.match(name)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Lock:
    job_id: str
    version: int

    def render(self) -> str:
        return f"job={self.job_id} version={self.version}"

    @classmethod
    def parse(cls, text: str) -> Lock | None:
        fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
        version = fields.get("version", "")
        if "job" not in fields or not version.isdigit():
            return None
        return cls(fields["job"], int(version))


@dataclass(frozen=True)
class BaseState:
    """A host's bases as its base lxcpath shows them."""

    versions: dict[int, str] = field(default_factory=dict)  # version → container name
    current: str | None = None
    lock: Lock | None = None
    lock_text: str | None = None  # what the lock file says when it cannot be parsed

    @property
    def current_version(self) -> int | None:
        return version_of(self.current) if self.current else None

    def next_version(self) -> int:
        """One above every version there is (or was current): numbers are never reused."""
        known = [*self.versions, self.current_version or 0]
        return max(known, default=0) + 1

    def old_versions(self) -> dict[int, str]:
        """Every version but the current one and the one a rebuild is building."""
        building = self.lock.version if self.lock else None
        return {
            v: name for v, name in self.versions.items() if name != self.current and v != building
        }


def parse_state(output: str) -> BaseState:
    versions: dict[int, str] = {}
    link: str | None = None
    lock: Lock | None = None
    lock_text: str | None = None
    for line in output.splitlines():
        what, _, value = line.partition(" ")
        if what == "current":
            link = value.strip() or None
        elif what == "version":
            version = version_of(value.strip())
            if version is not None:
                versions[version] = value.strip()
        elif what == "lock":
            lock_text = value.strip()
            lock = Lock.parse(lock_text)
    current = link if link is not None else (LEGACY_NAME if 1 in versions else None)
    if current is not None and version_of(current) not in versions:
        current = None  # a dangling link: no base at all
    return BaseState(versions, current, lock, lock_text if lock is None else None)


def referenced_bases(config_lines: Iterable[str], base_lxcpath: str) -> set[str]:
    """Base names that clones' ``lxc.rootfs.path`` lines use as a lower dir.

    ``config_lines``: ``FILE:lxc.rootfs.path = …`` lines (``grep -H``) of every container
    config outside the base lxcpath; an overlay clone's path is
    ``overlay:{base lxcpath}/{base}/rootfs:{delta}``. Dir copies and btrfs snapshots name no base.
    """
    prefix = base_lxcpath.rstrip("/") + "/"
    found: set[str] = set()
    for line in config_lines:
        config, _, setting = line.partition(":")
        if config.startswith(prefix):
            continue  # the bases' own configs
        _, _, value = setting.partition("=")
        for part in value.strip().split(":"):
            if part.startswith(prefix):
                found.add(part[len(prefix) :].split("/", 1)[0])
    return found


def base_marker(name: str) -> str:
    """The line Clone writes into a clone's config: which base version it came from."""
    return f"{VERSION_MARKER} {name} version={version_of(name)}"


def version_in_config(config: str) -> int | None:
    for line in config.splitlines():
        if line.startswith(VERSION_MARKER + " "):
            _, _, value = line.rpartition("version=")
            return int(value) if value.isdigit() else None
    return None
