"""What ``bob limit`` prints: the change (old → new, and how v2's weight was made), the limits."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

from handlers.limits import BobLimits, render_limits, render_plan
from provisioning.config.models import CgroupLimits
from provisioning.limits.judge import judge
from provisioning.limits.probe import Reading
from provisioning.lxc.cgroups import CgroupLayout
from provisioning.records import BobRecord, BobState

BOB = BobRecord(
    name="bob001",
    host="host-a",
    disk="disk1",
    slot=0,
    ip=ipaddress.IPv4Address("10.250.1.2"),
    state=BobState.READY,
    created_at=datetime.now(UTC),
)


def test_a_v2_plan_says_how_the_shares_became_a_weight():
    v2 = Reading(
        state="RUNNING",
        config="",
        host_cpus=frozenset({0, 1}),
        live={"cpu.weight": "100", "memory.current": "1"},
    )
    change = judge(
        name="bob001",
        host="host-a",
        disk="disk1",
        layout=CgroupLayout.V2,
        reading=v2,
        limits=CgroupLimits(memory=None, cpu_shares=512),
    )

    assert [
        "would set bob001 (cgroup v2) live and in its config: cpu.weight 100 → 20",
        "  (cgroup v2 has no cpu.shares: cpu.weight = 1 + (shares - 2) * 9999 / 262142, as runc "
        "maps it; 1024 shares are weight 39)",
    ] == render_plan([change]).splitlines()


def test_a_stopped_bob_shows_its_config_lines_and_no_live_values():
    stopped = Reading(
        state="STOPPED",
        config="lxc.cgroup2.memory.max = 268435456\n",
        host_cpus=frozenset({0}),
    )

    assert [
        "bob001 on host-a/disk1: stopped, cgroup v2",
        "  memory      memory.max             -         (lxc.cgroup2.memory.max = 268435456)",
        "  cpu_shares  cpu.weight             -         (not in its config)",
        "  cpuset      cpuset.cpus            -         (not in its config)",
    ] == render_limits([BobLimits(BOB, CgroupLayout.V2, stopped)]).splitlines()
