"""Each Bob's own identity: a fresh machine-id and fresh SSH host keys, before its first boot.

A clone starts as a byte-for-byte copy of its base, so every Bob would present the base's SSH
host key and boot with the base's ``/etc/machine-id`` (which systemd, journald and DHCP clients
key on). Both must be in place before the clone boots: PID 1 reads the machine-id once, and
sshd loads its host keys when it starts. So they are written from the host into the clone's
rootfs while it is stopped, into the layer that takes its writes (the rootfs itself, or an
overlay clone's upper directory), never through a running container.

Nothing is interpolated into a script: the paths, the id and the name are positional parameters
of the fixed scripts below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from provisioning.bases.versions import VERSION_MARKER

MACHINE_ID = "etc/machine-id"
# Key types ssh-keygen can make; a base key of another type stops the step rather than being
# left as it was.
KEY_TYPES = ("rsa", "ecdsa", "ed25519", "dsa")


def new_machine_id() -> str:
    """32 lowercase hex digits, a random (v4) UUID as systemd itself makes them."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Layers:
    """Where a stopped clone's files are read and written from its host.

    ``base``: the base's rootfs, which says which key types the Bob needs and which identity
    it must not keep. ``write``: where a file written shows in the clone's ``/``.
    """

    base: PurePosixPath
    write: PurePosixPath


class UnsupportedRootfs(ValueError):
    """A clone whose rootfs bob cannot write into from the host while it is stopped."""


def base_name_in_config(config: str) -> str | None:
    """The base container a clone came from, as Clone's marker line names it."""
    for line in config.splitlines():
        if line.startswith(VERSION_MARKER + " "):
            fields = line[len(VERSION_MARKER) + 1 :].split()
            return fields[0] if fields else None
    return None


def rootfs_setting(config: str) -> str | None:
    value: str | None = None
    for line in config.splitlines():
        key, sep, rest = line.partition("=")
        if sep and key.strip() == "lxc.rootfs.path":
            value = rest.strip()  # the last one wins, as in LXC
    return value


def layers(config: str, base_rootfs: PurePosixPath) -> Layers:
    """The clone's write layer from its ``lxc.rootfs.path``: a directory (``dir:``, ``btrfs:``
    or a bare path) or an overlay's upper directory (``overlay:LOWER:UPPER``)."""
    setting = rootfs_setting(config)
    if not setting:
        raise UnsupportedRootfs("the container config has no lxc.rootfs.path")
    kind, sep, rest = setting.partition(":")
    if not sep and setting.startswith("/"):
        return Layers(base_rootfs, PurePosixPath(setting))
    if kind in ("dir", "btrfs") and rest.startswith("/"):
        return Layers(base_rootfs, PurePosixPath(rest))
    if kind in ("overlay", "overlayfs"):
        upper = rest.rpartition(":")[2]
        if upper.startswith("/") and ":" in rest:
            return Layers(base_rootfs, PurePosixPath(upper))
    raise UnsupportedRootfs(f"lxc.rootfs.path {setting!r} is not a directory or an overlay")


# $1 the base's rootfs, $2 the write layer, $3 the machine-id, $4 the Bob's name.
# A path in the rootfs is never followed through a symbolic link the base holds (an absolute
# link would lead out of the rootfs, onto the host's own files): linked directories are
# refused, and each file is replaced with a rename, which replaces a link instead of following
# it. Keys are made beside their place, so the rename stays on one filesystem. Owners follow
# the base's (a container with an id map sees them as root). Prints one fingerprint per key.
APPLY = r"""
set -eu
base=$1 write=$2 id=$3 name=$4
for d in etc etc/ssh var var/lib var/lib/dbus; do
  if [ -L "$base/$d" ] || [ -L "$write/$d" ]; then
    echo "bob: /$d is a symbolic link in the rootfs; not writing through it" >&2; exit 1
  fi
done
put_id() {
  mkdir -p "$write/$1"
  rm -f "$write/$1/.machine-id.bob-tmp"
  printf '%s\n' "$id" > "$write/$1/.machine-id.bob-tmp"
  chmod 0444 "$write/$1/.machine-id.bob-tmp"
  chown --reference="$base/etc" "$write/$1/.machine-id.bob-tmp"
  mv -f -T "$write/$1/.machine-id.bob-tmp" "$write/$1/machine-id"
}
put_id etc
if [ -f "$base/var/lib/dbus/machine-id" ] && [ ! -L "$base/var/lib/dbus/machine-id" ]; then
  put_id var/lib/dbus
fi
for key in "$base"/etc/ssh/ssh_host_*_key; do
  [ -f "$key" ] || continue
  type=${key##*/ssh_host_}; type=${type%_key}
  case $type in rsa|ecdsa|ed25519|dsa) ;; *)
    echo "bob: cannot make a host key of type $type ($key)" >&2; exit 1;;
  esac
  mkdir -p "$write/etc/ssh"
  new="$write/etc/ssh/.bob-keys"
  rm -rf "$new"; mkdir -m 0700 "$new"
  ssh-keygen -q -t "$type" -N '' -C "root@$name" -f "$new/key" </dev/null
  chown --reference="$key" "$new/key"
  [ ! -e "$key.pub" ] || chown --reference="$key.pub" "$new/key.pub"
  mv -f -T "$new/key" "$write/etc/ssh/ssh_host_${type}_key"
  mv -f -T "$new/key.pub" "$write/etc/ssh/ssh_host_${type}_key.pub"
  rmdir "$new"
  ssh-keygen -l -f "$write/etc/ssh/ssh_host_${type}_key.pub"
done
"""

# $1 the base's rootfs, $2 the write layer. Exit 0 when the clone's machine-id and every host
# key the base has are there and differ from the base's.
CHECK = r"""
base=$1 write=$2
[ -s "$write/etc/machine-id" ] || exit 1
! cmp -s "$base/etc/machine-id" "$write/etc/machine-id" || exit 1
for key in "$base"/etc/ssh/ssh_host_*_key; do
  [ -f "$key" ] || continue
  mine="$write/etc/ssh/${key##*/}"
  [ -f "$mine" ] || exit 1
  ! cmp -s "$key" "$mine" || exit 1
done
exit 0
"""


def apply_argv(where: Layers, machine_id: str, name: str) -> list[str]:
    return ["sh", "-c", APPLY, "sh", str(where.base), str(where.write), machine_id, name]


def check_argv(where: Layers) -> list[str]:
    return ["sh", "-c", CHECK, "sh", str(where.base), str(where.write)]


def key_summary(fingerprints: str) -> str:
    """``ssh-keygen -l`` lines (``BITS SHA256:… COMMENT (TYPE)``) as ``TYPE SHA256:…``."""
    found = []
    for line in fingerprints.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            found.append(f"{parts[-1].strip('()')} {parts[1]}")
    return ", ".join(found)
