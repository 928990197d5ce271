"""Whether a host can honour a limit, decided from what the host reads back, before any job."""

from __future__ import annotations

import pytest

from provisioning.limits.files import cpu_seconds, memory_used, same, shown
from provisioning.limits.judge import Refused, judge
from provisioning.limits.keys import parse_assignments
from provisioning.limits.probe import CONFIG_MARK, Reading, parse
from provisioning.lxc.cgroups import CgroupLayout

V1, V2 = CgroupLayout.V1, CgroupLayout.V2
CONFIG = "lxc.uts.name = bob001\nlxc.cgroup.memory.limit_in_bytes = 268435456\n"
RUNNING_V1 = Reading(
    state="RUNNING",
    config=CONFIG,
    host_cpus=frozenset({0, 1}),
    live={
        "memory.limit_in_bytes": "268435456",
        "cpu.shares": "1024",
        "cpuset.cpus": "0-1",
        "memory.usage_in_bytes": "3145728",
        "cpuacct.usage": "1500000000",
    },
)


def decide(words: list[str], reading: Reading = RUNNING_V1, layout: CgroupLayout = V1):
    limits = parse_assignments(words)
    return judge(
        name="bob001", host="host-a", disk="disk1", layout=layout, reading=reading, limits=limits
    )


def refusal(words: list[str], reading: Reading = RUNNING_V1) -> list[str]:
    with pytest.raises(Refused) as refused:
        decide(words, reading)
    return refused.value.reasons


def test_a_change_carries_what_it_writes_and_what_it_found_live_and_in_the_config():
    change = decide(["memory=2G", "cpuset=1"])
    assert {"memory.limit_in_bytes": "2147483648", "cpuset.cpus": "1"} == change.target
    assert {"memory.limit_in_bytes": "268435456", "cpuset.cpus": None} == change.before_config
    assert {"memory.limit_in_bytes": "268435456", "cpuset.cpus": "0-1"} == change.before_live
    assert change.running


def test_memory_below_what_the_bob_uses_now_is_refused_with_both_sizes():
    assert [
        "bob001: memory=2M is below the 3M it uses now (the kernel would have to reclaim or "
        "kill to get there)"
    ] == refusal(["memory=2M"])


def test_a_cpu_the_host_does_not_have_is_refused_naming_the_cpus_it_has():
    assert [
        "bob001: cpuset=1-3,8 names CPUs 2-3,8, which host-a does not have (it has 0-1)"
    ] == refusal(["cpuset=1-3,8"])


def test_every_reason_is_told_at_once():
    assert 2 == len(refusal(["memory=1K", "cpuset=5"]))


def test_a_stopped_bob_changes_in_its_config_alone_and_its_usage_is_not_asked():
    stopped = Reading(state="STOPPED", config=CONFIG, host_cpus=frozenset({0, 1}))
    change = decide(["memory=1K"], stopped)
    assert (False, {}) == (change.running, change.before_live)


def test_a_running_bob_whose_file_cannot_be_read_is_refused_since_undo_would_need_it():
    blind = Reading(
        state="RUNNING",
        config=CONFIG,
        host_cpus=frozenset({0, 1}),
        live={"memory.usage_in_bytes": "1"},
    )
    assert ["bob001: cannot read cpu.shares on host-a"] == refusal(["cpu_shares=5"], blind)


def test_a_bob_without_its_container_is_refused():
    gone = Reading(state=None, config=None, host_cpus=frozenset({0}))
    assert ["bob001: no container disk1/bob001 on host-a (or no config)"] == refusal(
        ["cpuset=0"], gone
    )


def test_the_probe_output_is_read_back_into_state_files_cpus_and_config():
    out = (
        "state RUNNING\ncpus 0-1\nfile memory.max max\n"
        "file cpu.stat usage_usec 2500000 user_usec 1 system_usec 2\n"
        f"{CONFIG_MARK}\n{CONFIG}"
    )
    reading = parse(out)
    assert ("RUNNING", frozenset({0, 1}), CONFIG) == (
        reading.state,
        reading.host_cpus,
        reading.config,
    )
    assert 2.5 == cpu_seconds(V2, reading.live)
    assert "no limit" == shown("memory.max", reading.live["memory.max"])


def test_a_missing_container_reads_as_no_state_and_no_config():
    assert Reading(state=None, config=None, host_cpus=frozenset({0})) == parse("state \ncpus 0\n")


@pytest.mark.parametrize(
    ("file", "wanted", "live", "expected"),
    [
        ("memory.limit_in_bytes", "100000000", "99999744", True),  # kept in whole pages
        ("memory.limit_in_bytes", "9223372036854771712", "9223372036854771712", True),
        ("memory.max", "max", "max", True),
        ("memory.max", "2147483648", "max", False),
        ("cpuset.cpus", "0,1", "0-1", True),
        ("cpuset.cpus", "0", "0-1", False),
        ("cpu.shares", "512", "512\n", True),
        ("cpu.weight", "20", None, False),
    ],
)
def test_a_value_is_compared_as_the_kernel_stores_it(file, wanted, live, expected):
    assert expected == same(file, wanted, live)


@pytest.mark.parametrize(
    ("layout", "live", "memory", "seconds"),
    [
        (V1, {"memory.usage_in_bytes": "4096", "cpuacct.usage": "2000000000"}, 4096, 2.0),
        (V2, {"memory.current": "8192", "cpu.stat": "usage_usec 1500000 user_usec 1"}, 8192, 1.5),
        (V1, {}, None, None),
    ],
)
def test_usage_is_read_from_the_layouts_files(layout, live, memory, seconds):
    assert (memory, seconds) == (memory_used(layout, live), cpu_seconds(layout, live))
