"""The fix-ups a new base gets before it is verified, in order. Pure: scripts, argv, text.

Every script is fixed text; paths, device numbers and service names reach it as positional
parameters, never as part of the script.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime

from provisioning.config.models import DeviceNode
from provisioning.lxc.commands import Argv

# Creates the nodes that are missing and prints each one it made. $1 is the rootfs, then five
# parameters per node: path (under the rootfs), type, major, minor, mode.
MKNOD_SCRIPT = """
root=$1; shift
mkdir -p "$root/dev/pts" "$root/dev/shm"
while [ "$#" -ge 5 ]; do
  node="$root/$1"
  if [ ! -e "$node" ] && [ ! -L "$node" ]; then
    mkdir -p "${node%/*}" && mknod -m "$5" "$node" "$2" "$3" "$4" && echo "$1"
  fi
  shift 5
done
"""

# Run inside the base with chroot, one service name per parameter. A name that matches no
# service is an error: a typo would otherwise leave the service running in every clone.
DISABLE_SCRIPT = """
for s in "$@"; do
  found=no
  if [ -f "/etc/init.d/$s" ]; then chmod a-x "/etc/init.d/$s"; found=yes; fi
  for dir in /lib/systemd/system /usr/lib/systemd/system /etc/systemd/system; do
    if [ -e "$dir/$s.service" ]; then
      mkdir -p /etc/systemd/system && ln -sf /dev/null "/etc/systemd/system/$s.service"
      found=yes
    fi
  done
  if [ -f /etc/init.d/rcS ]; then
    line="^[[:space:]]*/[a-z/]*bin/$s\\([[:space:]].*\\)\\{0,1\\}$"
    if [ -n "$(sed -n "\\|$line|p" /etc/init.d/rcS)" ]; then
      sed -i "s|$line|# &|" /etc/init.d/rcS; found=yes
    elif [ -n "$(sed -n "\\|^# \\{0,1\\}${line#^}|p" /etc/init.d/rcS)" ]; then
      found=yes
    fi
  fi
  if [ "$found" = no ]; then echo "no service named $s in the base" >&2; exit 1; fi
  echo "disabled $s"
done
"""

# What the base's rootfs says about eth0: LXC configures it from each Bob's own config.
NETWORK_FILE = "etc/network/interfaces"
NETWORK_TEMPLATE = """\
# Written by bob's rebuild-base. LXC configures eth0 from each Bob's own config
# (lxc.net.0.ipv4.address and .gateway); DHCP here would wipe that address.
auto lo
iface lo inet loopback

iface eth0 inet manual
"""
_NET_LINE = re.compile(r"^\s*lxc\.net\..*\n?", re.MULTILINE)
EMPTY_NETWORK = "lxc.net.0.type = empty"

MANIFEST_FILE = "etc/bob-base.json"
# A base without dpkg is summed up by a checksum over its files' names and contents.
CHECKSUM_SCRIPT = """
cd "$1" && find . -xdev -type f ! -path ./etc/bob-base.json -print0 | LC_ALL=C sort -z |
  xargs -0 -r sha256sum | sha256sum | cut -d ' ' -f 1
"""
DPKG_QUERY = "usr/bin/dpkg-query"


def mknod_argv(rootfs: str, devices: Sequence[DeviceNode]) -> Argv:
    params = [str(p) for d in devices for p in (d.path, d.type, d.major, d.minor, d.mode)]
    return ["sh", "-c", MKNOD_SCRIPT, "mknod", rootfs, *params]


def disable_argv(rootfs: str, services: Sequence[str]) -> Argv:
    return ["chroot", rootfs, "/bin/sh", "-c", DISABLE_SCRIPT, "disable", *services]


def remove_identity_argv(rootfs: str, files: Sequence[str]) -> Argv:
    return ["rm", "-f", "--", *(rootfs.rstrip("/") + path for path in files)]


def without_network(config: str, extra: Sequence[str] = ()) -> str:
    """A base's LXC config with no network but ``type = empty``, and the configured ``extra``
    lines (each once).

    A clone copies these lines, and a second ``ipv4.address`` line later makes its start fail
    with "File exists".
    """
    lines = _NET_LINE.sub("", config).rstrip("\n").splitlines()
    lines += [EMPTY_NETWORK, *(line for line in dict.fromkeys(extra) if line not in lines)]
    return "\n".join(lines) + "\n"


def packages_argv(rootfs: str) -> Argv:
    return ["chroot", rootfs, "dpkg-query", "-W", "-f=${Package} ${Version}\\n"]


def checksum_argv(rootfs: str) -> Argv:
    return ["sh", "-c", CHECKSUM_SCRIPT, "checksum", rootfs]


def manifest(
    *,
    version: int,
    name: str,
    source: str,
    built_at: datetime,
    job_id: str,
    packages: Sequence[str] | None = None,
    checksum: str | None = None,
) -> str:
    document: dict[str, object] = {
        "version": version,
        "name": name,
        "source": source,
        "built_at": built_at.isoformat(timespec="seconds"),
        "job": job_id,
    }
    if packages is not None:
        document["packages"] = list(packages)
    if checksum is not None:
        document["checksum"] = f"sha256:{checksum}"
    return json.dumps(document, indent=2) + "\n"
