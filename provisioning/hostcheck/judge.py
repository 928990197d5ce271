"""From the probe's facts to one verdict per check. Pure: table-tested without a host."""

from __future__ import annotations

import re

from provisioning.config.models import Host, LvmStorage
from provisioning.hostcheck.model import CheckResult, Limits, Outcome
from provisioning.hostcheck.probe import Directory, Facts
from provisioning.lxc.autostart import autostart_argv, unit_name
from provisioning.lxc.commands import volume_group
from provisioning.lxc.layout import BASE_NAME, base_path, disk_path

# bob writes lxc.net.0.* and lxc.rootfs.path keys, which LXC reads from 3.0 on.
MIN_LXC = (3, 0)
CGROUP_LAYOUTS = {"cgroup2fs": "v2 (unified)", "tmpfs": "v1 (or hybrid)"}


def judge(host: Host, facts: Facts, local_mid: float, limits: Limits) -> list[CheckResult]:
    """``local_mid``: this machine's clock halfway through the probe's round trip."""
    prepare = f"`bob host prepare {host.name}` makes it"
    results = [
        _lxc(host, facts),
        _cgroup(host, facts),
        _bridge(host, facts),
        storage_check(host, facts),
    ]
    for disk in host.disks:
        results.append(_directory(host, f"disk {disk.name}", disk.name, facts, prepare))
    results.append(_base(host, facts, prepare))
    for disk in host.disks:
        results.append(_free(host, disk.name, facts.directories.get(disk.name), limits))
    for disk in host.disks:
        results.append(_autostart(host, disk.name, facts))
    results.append(_clock(host, facts, local_mid, limits))
    return results


def _result(
    host: Host, check: str, ok: bool, detail: str, fix: str | None = None, *, gates: bool = True
) -> CheckResult:
    outcome = Outcome.OK if ok else Outcome.FAIL
    return CheckResult(host.name, check, outcome, detail, fix, gates)


def _lxc(host: Host, facts: Facts) -> CheckResult:
    version = facts.lxc_version
    if version is None:
        return _result(host, "lxc", False, "LXC not found (lxc-start)", "the operator installs lxc")
    numbers = tuple(int(n) for n in re.findall(r"[0-9]+", version)[:2])
    if numbers < MIN_LXC:
        need = ".".join(map(str, MIN_LXC))
        return _result(host, "lxc", False, f"LXC {version}, bob needs {need} or later", "upgrade")
    return _result(host, "lxc", True, f"LXC {version}")


def _cgroup(host: Host, facts: Facts) -> CheckResult:
    layout = CGROUP_LAYOUTS.get(facts.cgroup_fstype or "")
    if layout is None:
        seen = facts.cgroup_fstype or "nothing"
        return _result(host, "cgroup", False, f"/sys/fs/cgroup is {seen}, not cgroup v1 or v2")
    return _result(host, "cgroup", True, f"cgroup {layout}")


def _bridge(host: Host, facts: Facts) -> CheckResult:
    name = host.bridge
    operator = "the operator's to make: bob does not change a host's network"
    if facts.bridge == "bridge":
        return _result(host, "bridge", True, f"{name} is a bridge")
    if facts.bridge == "other":
        return _result(host, "bridge", False, f"{name} exists but is not a bridge", operator)
    return _result(host, "bridge", False, f"{name} does not exist", operator)


def storage_check(host: Host, facts: Facts) -> CheckResult:
    storage = host.storage
    root = str(storage.root)
    if storage.backend == "overlay":
        if facts.overlay:
            return _result(host, "storage", True, "overlay: the kernel has overlayfs")
        return _result(
            host, "storage", False, "overlay: the kernel has no overlayfs", "load module overlay"
        )
    if storage.backend == "btrfs":
        # every directory bob uses must be on btrfs, or a snapshot clone fails
        seen = {d.name: d.fstype for d in facts.directories.values() if d.fstype is not None} or (
            {root: facts.root_fstype} if facts.root_fstype else {}
        )
        wrong = sorted(f"{n} is {t}" for n, t in seen.items() if t != "btrfs")
        if not seen:
            return _result(
                host, "storage", False, f"btrfs: {root} does not exist", "mount a btrfs there"
            )
        if wrong:
            return _result(
                host,
                "storage",
                False,
                f"btrfs: not a btrfs filesystem ({', '.join(wrong)})",
                f"the operator mounts btrfs at {root}",
            )
        return _result(host, "storage", True, f"btrfs: {root} is on btrfs")
    if isinstance(storage, LvmStorage):
        if not facts.lvm_tools:
            return _result(host, "storage", False, "lvm: no LVM tools (lvcreate)", "install lvm2")
        groups = [volume_group(storage, d.name) for d in host.disks]
        missing = [g for g in groups if not facts.volume_groups.get(g)]
        if missing:
            return _result(
                host,
                "storage",
                False,
                f"lvm: no volume group {', '.join(missing)}",
                "the operator's to make (vgcreate)",
            )
        return _result(host, "storage", True, f"lvm: volume groups {', '.join(groups)}")
    return _result(host, "storage", True, f"dir: plain directories under {root}")


def _directory(host: Host, check: str, name: str, facts: Facts, prepare: str) -> CheckResult:
    path = base_path(host) if name == BASE_NAME else disk_path(host, name)
    found = facts.directories.get(name)
    if found is None or found.state == "missing":
        return _result(host, check, False, f"{path} does not exist", prepare)
    if found.state != "writable":
        return _result(
            host, check, False, f"{path} is not writable", "the operator's: a read-only mount?"
        )
    return _result(host, check, True, f"{path} exists, writable")


def _base(host: Host, facts: Facts, prepare: str) -> CheckResult:
    lxcpath = facts.directories.get(BASE_NAME)
    if lxcpath is None or lxcpath.state != "writable":
        return _directory(host, "base", BASE_NAME, facts, prepare)
    current = facts.base.current
    if current is None:
        return _result(
            host,
            "base",
            False,
            f"no base in {base_path(host)}",
            f"`bob rebuild-base {host.name}` builds one",
        )
    version = facts.base.current_version
    return _result(host, "base", True, f"version {version} ({current}) in {base_path(host)}")


def _free(host: Host, disk: str, found: Directory | None, limits: Limits) -> CheckResult:
    check = f"free {disk}"
    if found is None or found.free_bytes is None:
        outcome = CheckResult(
            host.name, check, Outcome.SKIP, "no directory to measure", None, False
        )
        return outcome
    free, floor = _size(found.free_bytes), _size(limits.min_free_bytes)
    if found.free_bytes < limits.min_free_bytes:
        return _result(host, check, False, f"{free} free, below {floor}", "make room", gates=False)
    return _result(host, check, True, f"{free} free", gates=False)


def _clock(host: Host, facts: Facts, local_mid: float, limits: Limits) -> CheckResult:
    if facts.now is None:
        return _result(host, "clock", False, "the host did not say its time", gates=False)
    skew = facts.now - local_mid
    detail = f"{skew:+.1f} s against this machine"
    if abs(skew) > limits.max_skew_s:
        limit = f"{limits.max_skew_s:g} s"
        return _result(
            host,
            "clock",
            False,
            f"{detail}, more than {limit}",
            "the operator runs NTP",
            gates=False,
        )
    return _result(host, "clock", True, detail, gates=False)


def _size(n: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 1024:.0f} KiB"


def _autostart(host: Host, disk: str, facts: Facts) -> CheckResult:
    """Whether the disk's Bobs come back when the host boots (advice: a create works without)."""
    check = f"boot {disk}"
    if not facts.systemd:
        command = " ".join(autostart_argv(host, disk))
        detail = f"no systemd here: the host's init must run `{command}` at boot"
        return _result(host, check, True, detail, gates=False)
    unit = unit_name(host, disk)
    state = facts.units.get(unit) or "not installed"
    if state == "enabled":
        return _result(host, check, True, f"{unit} enabled", gates=False)
    fix = f"`bob host prepare {host.name}` installs and enables it"
    return _result(host, check, False, f"{unit}: {state}", fix, gates=False)
