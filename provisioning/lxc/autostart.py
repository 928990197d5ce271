"""What brings a host's Bobs back after it boots: one ``lxc-autostart -P DISK`` per disk.

Every Bob's config carries ``lxc.start.auto = 1``, its slot as ``lxc.start.order`` and its
disk's ``start_delay`` (see :class:`provisioning.lxc.config.Autostart`). But ``lxc-autostart``
reads one lxcpath per run, and LXC's own ``lxc.service`` reads only the default one
(``/var/lib/lxc``); bob's disks are lxcpaths of their own. So each disk gets an instance of the
template unit below, ``bob-autostart@<escaped lxcpath>.service``: the disks of a host start in
parallel, the Bobs of one disk one after another. Pure: text and argv, no I/O; whoever prepares
a host writes :data:`UNIT_PATH` and runs :func:`enable_argv` (docs/autostart.md).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from provisioning.config.models import Host
from provisioning.lxc.layout import disk_path

Argv = list[str]

UNIT_TEMPLATE = "bob-autostart@.service"
UNIT_PATH = PurePosixPath("/etc/systemd/system") / UNIT_TEMPLATE
# A Bob given no clean shutdown within this many seconds is killed when its host goes down.
SHUTDOWN_TIMEOUT_S = 30

# %f: the instance name unescaped as a path, i.e. the disk's lxcpath. Delegate=yes as LXC's own
# lxc.service: on a cgroup v2 host the containers' cgroups are made below the unit's.
UNIT_TEXT = f"""\
# Written by bob: starts the Bobs of the disk (LXC lxcpath) %f when the host boots.
[Unit]
Description=bob: autostart the Bobs in %f
Documentation=man:lxc-autostart(1)
After=network-online.target remote-fs.target lxc-net.service lxc.service
Wants=network-online.target
RequiresMountsFor=%f
ConditionPathIsDirectory=%f

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/lxc-autostart --all --lxcpath=%f
ExecStop=/usr/bin/lxc-autostart --all --shutdown --timeout={SHUTDOWN_TIMEOUT_S} --lxcpath=%f
# One disk's Bobs start one after another with their delays: this can take minutes.
TimeoutStartSec=infinity
Delegate=yes

[Install]
WantedBy=multi-user.target
"""

_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.")


def autostart_argv(host: Host, disk: str, *, list_only: bool = False) -> Argv:
    """What the unit runs for ``disk`` (``--all``: a base's ``lxc.group`` line must not keep a
    Bob down). ``list_only``: print the Bobs and delays in start order, start nothing."""
    return [
        "lxc-autostart",
        "--all",
        *(["--list"] if list_only else []),
        f"--lxcpath={disk_path(host, disk)}",
    ]


def escape_path(path: PurePosixPath | str) -> str:
    """``systemd-escape --path``: the instance name systemd unescapes back to ``path`` as %f."""
    parts = [p for p in str(path).split("/") if p and p != "."]
    if not parts:
        return "-"
    text = "/".join(parts)
    out = []
    for i, char in enumerate(text):
        if char == "/":
            out.append("-")
        elif char in _PLAIN and not (i == 0 and char == "."):
            out.append(char)
        else:
            out.extend(f"\\x{byte:02x}" for byte in char.encode())
    return "".join(out)


def unit_name(host: Host, disk: str) -> str:
    return f"bob-autostart@{escape_path(disk_path(host, disk))}.service"


def enable_argv(host: Host) -> list[Argv]:
    """After :data:`UNIT_TEXT` is at :data:`UNIT_PATH`: enabled for every disk of ``host``."""
    units = [unit_name(host, disk.name) for disk in host.disks]
    return [["systemctl", "daemon-reload"], ["systemctl", "enable", *units]]
