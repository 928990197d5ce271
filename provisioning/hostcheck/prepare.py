"""``host prepare``: make what bob owns on a host, and say who owns the rest.

bob owns its storage layout: the disks' lxcpaths and the base lxcpath under ``storage.root``,
and, on a systemd host, the unit that starts each disk's Bobs at boot (docs/autostart.md). It
makes the missing ones (``mkdir -p``; the unit written and enabled) and nothing else: not the
bridge, not a filesystem, not a volume group, not a base (that is ``rebuild-base``, a job). Not
even its own directories when the storage check fails, because a directory made where a btrfs
should be mounted hides the missing mount from the next look.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.config.models import Host
from provisioning.hostcheck.judge import storage_check
from provisioning.hostcheck.model import HostReport, Limits
from provisioning.hostcheck.probe import Facts
from provisioning.hostcheck.run import check_host, probe_host
from provisioning.hosts.shell import HostShell
from provisioning.lxc.autostart import UNIT_PATH, UNIT_TEXT, enable_argv, unit_name
from provisioning.lxc.layout import BASE_NAME, base_path, disk_path
from provisioning.pipeline.remote import write_file

MKDIR_TIMEOUT_S = 20.0
SYSTEMCTL_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Preparation:
    host: str
    made: tuple[str, ...]  # the directories (and the autostart unit) bob made
    report: HostReport  # the check after preparing: what is still wrong is not bob's to make

    @property
    def ok(self) -> bool:
        return self.report.ok


async def prepare_host(host: Host, shell: HostShell, limits: Limits | None = None) -> Preparation:
    _, facts, _ = await probe_host(host, shell)
    made: list[str] = []
    if facts is not None and _storage_usable(host, facts):
        missing = _missing_directories(host, facts)
        if missing:
            await shell.run(["mkdir", "-p", *missing], timeout=MKDIR_TIMEOUT_S)
            made = missing
        if _autostart_missing(host, facts):
            await write_file(shell, str(UNIT_PATH), UNIT_TEXT)
            for argv in enable_argv(host):
                await shell.run(argv, timeout=SYSTEMCTL_TIMEOUT_S)
            made.append(f"{UNIT_PATH} (enabled for {len(host.disks)} disk(s))")
    return Preparation(host.name, tuple(made), await check_host(host, shell, limits))


def _autostart_missing(host: Host, facts: Facts) -> bool:
    """On a systemd host, whether a disk's autostart unit is not enabled (docs/autostart.md)."""
    enabled = [facts.units.get(unit_name(host, d.name)) == "enabled" for d in host.disks]
    return facts.systemd and not all(enabled)


def _missing_directories(host: Host, facts: Facts) -> list[str]:
    wanted = {BASE_NAME: base_path(host), **{d.name: disk_path(host, d.name) for d in host.disks}}
    return [
        str(path)
        for name, path in wanted.items()
        if (found := facts.directories.get(name)) is None or found.state == "missing"
    ]


def _storage_usable(host: Host, facts: Facts) -> bool:
    return storage_check(host, facts).ok
