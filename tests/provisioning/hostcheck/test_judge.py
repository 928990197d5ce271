"""Each check's verdict from what the probe printed: the rules, without a host.

The sandbox tests run the real probe on real hosts; these cover the storage backends and
faults the sandbox cannot show (LVM, an old LXC, a read-only disk, a skewed clock).
"""

from __future__ import annotations

from typing import Any

import pytest

from provisioning.config.models import Host
from provisioning.hostcheck.judge import judge
from provisioning.hostcheck.model import Limits, Outcome
from provisioning.hostcheck.probe import parse_facts
from tests.provisioning.hostcheck.probes import GIB_KB, NOW, probe_output


def host(storage: dict[str, Any] | None = None) -> Host:
    return Host.model_validate(
        {
            "name": "host-a",
            "ssh": {"address": "10.250.0.2"},
            "datacenter": "dc1",
            "storage": storage or {"backend": "overlay"},
            "disks": [{"name": "disk1", "max_bobs": 4}, {"name": "disk2", "max_bobs": 4}],
        }
    )


def failures(output: str, on: Host | None = None) -> dict[str, str]:
    results = judge(on or host(), parse_facts(output), NOW, Limits())
    return {r.check: r.detail for r in results if r.outcome is not Outcome.OK}


def test_a_ready_host_passes_every_check_and_says_its_base_version() -> None:
    results = judge(host(), parse_facts(probe_output()), NOW, Limits())

    assert [] == [r for r in results if not r.ok]
    assert "version 2 (base-v2) in /var/lib/bob/base" == next(
        r.detail for r in results if r.check == "base"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"lxc": "lxc "}, {"lxc": "LXC not found (lxc-start)"}),
        ({"lxc": "lxc 2.0.11"}, {"lxc": "LXC 2.0.11, bob needs 3.0 or later"}),
        ({"cgroup": "cgroup sysfs"}, {"cgroup": "/sys/fs/cgroup is sysfs, not cgroup v1 or v2"}),
        ({"bridge": "bridge other"}, {"bridge": "br0 exists but is not a bridge"}),
        ({"overlay": "overlay no"}, {"storage": "overlay: the kernel has no overlayfs"}),
        (
            {"dir disk2": "dir disk2 readonly ext2/ext3 100"},
            {
                "disk disk2": "/var/lib/bob/disk2 is not writable",
                "free disk2": "100 KiB free, below 1.0 GiB",
            },
        ),
        ({"base": ""}, {"base": "no base in /var/lib/bob/base"}),
        ({"now": f"now {NOW + 30}.0"}, {"clock": "+30.0 s against this machine, more than 5 s"}),
        ({"now": f"now {NOW - 4}.9"}, {}),
        # busybox date has no %N: its whole second is read as the middle of that second
        ({"now": f"now {NOW + 9}.%N"}, {"clock": "+9.5 s against this machine, more than 5 s"}),
    ],
)
def test_what_each_check_says_when_it_fails(
    changes: dict[str, str], expected: dict[str, str]
) -> None:
    assert expected == failures(probe_output(**changes))


def test_btrfs_storage_needs_every_directory_on_btrfs() -> None:
    on_btrfs = {f"dir {d}": f"dir {d} writable btrfs {8 * GIB_KB}" for d in ("base", "disk1")}
    output = probe_output(**on_btrfs, root="root btrfs")

    assert {"storage": "btrfs: not a btrfs filesystem (disk2 is ext2/ext3)"} == failures(
        output, host({"backend": "btrfs"})
    )


def test_lvm_storage_needs_its_tools_and_a_volume_group_per_disk() -> None:
    lvm = host({"backend": "lvm", "volume_group_prefix": "vg"})
    groups = "vg vg-disk1 yes\nvg vg-disk2 no"

    assert {"storage": "lvm: no LVM tools (lvcreate)"} == failures(probe_output(), lvm)
    assert {"storage": "lvm: no volume group vg-disk2"} == failures(
        probe_output(lvm="lvm yes", vg=groups), lvm
    )
    assert {} == failures(probe_output(lvm="lvm yes", vg="vg vg-disk1 yes\nvg vg-disk2 yes"), lvm)


def test_a_missing_disk_directory_is_for_prepare_and_its_free_space_is_not_measured() -> None:
    results = judge(
        host(), parse_facts(probe_output(**{"dir disk1": "dir disk1 missing - -"})), NOW, Limits()
    )
    wrong = {r.check: (r.outcome, r.fix) for r in results if not r.ok}

    assert {
        "disk disk1": (Outcome.FAIL, "`bob host prepare host-a` makes it"),
        "free disk1": (Outcome.SKIP, None),
    } == wrong
