"""What ``bob limit`` writes where, on each cgroup layout: argv, cgroup files, config lines."""

from __future__ import annotations

import pytest

from provisioning.config.models import CgroupLimits, Host
from provisioning.errors import UsageError
from provisioning.limits.keys import cpu_list, cpus, parse_assignments, read_assignments
from provisioning.limits.lxcconf import configured, with_values
from provisioning.limits.probe import probe_argv
from provisioning.lxc import commands
from provisioning.lxc.cgroups import CgroupLayout, limit_lines, settings

V1, V2 = CgroupLayout.V1, CgroupLayout.V2
LIMIT_IN_BYTES = ["memory.limit_in_bytes", "2147483648"]
HOST = Host.model_validate(
    {
        "name": "host-a",
        "ssh": {"address": "10.250.0.2"},
        "datacenter": "dc1",
        "storage": {"backend": "overlay", "root": "/srv/bob"},
        "disks": [{"name": "disk1", "max_bobs": 4}],
    }
)


@pytest.mark.parametrize(
    ("words", "layout", "expected"),
    [
        (["memory=2G"], V1, [("memory.limit_in_bytes", "2147483648")]),
        (["memory=2G"], V2, [("memory.max", "2147483648")]),
        (["memory=512m"], V1, [("memory.limit_in_bytes", "536870912")]),
        (["memory=2GB"], V2, [("memory.max", "2147483648")]),
        (["memory=1000"], V1, [("memory.limit_in_bytes", "1000")]),
        (["cpu_shares=512"], V1, [("cpu.shares", "512")]),
        # v2 has no shares: cpu.weight = 1 + (shares - 2) * 9999 / 262142, as runc maps it
        (["cpu_shares=512"], V2, [("cpu.weight", "20")]),
        (["cpu_shares=1024"], V2, [("cpu.weight", "39")]),
        (["cpu_shares=2"], V2, [("cpu.weight", "1")]),
        (["cpu_shares=262144"], V2, [("cpu.weight", "10000")]),
        (["cpu-shares=100"], V1, [("cpu.shares", "100")]),
        (["cpuset=0-1"], V1, [("cpuset.cpus", "0-1")]),
        (["cpuset=0,2-3"], V2, [("cpuset.cpus", "0,2-3")]),
        (
            ["cpuset=1", "memory=256M", "cpu_shares=300"],
            V1,
            [("memory.limit_in_bytes", "268435456"), ("cpu.shares", "300"), ("cpuset.cpus", "1")],
        ),
    ],
)
def test_each_limit_becomes_the_cgroup_file_of_the_hosts_layout(words, layout, expected):
    assert expected == [(s.file, s.value) for s in settings(parse_assignments(words), layout)]


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["mem=2G"], "unknown limit 'mem'; did you mean memory? (keys: memory, cpu_shares,"),
        (["cpushares=5"], "unknown limit 'cpushares'; did you mean cpu_shares?"),
        (["cpus=0"], "unknown limit 'cpus'; did you mean cpuset?"),
        (["swap=1G"], "unknown limit 'swap' (keys: memory, cpu_shares, cpuset)"),
        (["memory=2T"], "memory=2T: must be a size in bytes with an optional K, M or G"),
        (["memory=lots"], "memory=lots: must be a size in bytes"),
        (["memory=0"], "memory=0: must be more than 0"),
        (["memory="], "memory needs a value"),
        (["cpu_shares=1"], "cpu_shares=1: must be a whole number from 2 to 262144"),
        (["cpu_shares=x"], "cpu_shares=x: must be a whole number from 2 to 262144"),
        (["cpuset=a-b"], "cpuset=a-b: must be CPU numbers and ranges, e.g. 0-1 or 0,2-3"),
        (["cpuset=0--1"], "cpuset=0--1: must be CPU numbers and ranges"),
        (["cpuset=3-1"], "cpuset=3-1: the range 3-1 runs backwards"),
        (["memory=1G", "memory=2G"], "memory is given twice"),
        (["=1"], "'=1' is not KEY=VALUE"),
    ],
)
def test_a_bad_limit_is_refused_saying_what_is_allowed(words, message):
    with pytest.raises(UsageError) as refused:
        parse_assignments(words)
    assert message in str(refused.value)


def test_every_bad_word_is_told_at_once():
    with pytest.raises(UsageError) as refused:
        parse_assignments(["mem=1G", "cpu_shares=1"])
    assert str(refused.value).startswith("unknown limit 'mem'; did you mean memory?")
    assert "cpu_shares=1: must be a whole number" in str(refused.value)


def test_the_good_words_are_kept_for_the_host_to_judge_beside_the_bad_ones():
    limits, problems = read_assignments(["memroy=1G", "memory=abc", "cpuset=0-99", "cpu_shares=9"])

    assert (None, "0-99", 9) == (limits.memory, limits.cpuset, limits.cpu_shares)
    assert problems[0].startswith("unknown limit 'memroy'; did you mean memory?")
    assert problems[1].startswith("memory=abc: must be a size")
    assert 2 == len(problems)


@pytest.mark.parametrize(
    ("file", "value", "expected"),
    [
        ("memory.max", None, ["lxc-cgroup", "-P", "/srv/bob/disk1", "-n", "bob007", "memory.max"]),
        (
            "memory.limit_in_bytes",
            "2147483648",
            ["lxc-cgroup", "-P", "/srv/bob/disk1", "-n", "bob007", *LIMIT_IN_BYTES],
        ),
        (
            "cpuset.cpus",
            "0-1",
            ["lxc-cgroup", "-P", "/srv/bob/disk1", "-n", "bob007", "cpuset.cpus", "0-1"],
        ),
    ],
)
def test_lxc_cgroup_reads_or_writes_one_file_of_the_named_container(file, value, expected):
    assert expected == commands.cgroup(HOST, "disk1", "bob007", file, value)


@pytest.mark.parametrize(
    ("layout", "files"),
    [
        (V1, ["memory.limit_in_bytes", "cpu.shares", "cpuset.cpus", "memory.usage_in_bytes",
              "cpuacct.usage"]),
        (V2, ["memory.max", "cpu.weight", "cpuset.cpus", "memory.current", "cpu.stat"]),
    ],
)  # fmt: skip
def test_the_probe_reads_the_limits_and_usage_files_of_the_layout(layout, files):
    argv = probe_argv(HOST, "disk1", "bob007", layout)
    assert ["/srv/bob/disk1", "bob007", "/srv/bob/disk1/bob007/config", *files] == argv[4:]


CONFIG = """\
lxc.include = /usr/share/lxc/config/common.conf
lxc.cgroup.dir = bob
lxc.cgroup.memory.limit_in_bytes = 268435456
lxc.cgroup2.memory.max = 1
lxc.start.auto = 1
"""


@pytest.mark.parametrize(
    ("layout", "values", "expected"),
    [
        (
            V1,
            {"memory.limit_in_bytes": "2147483648", "cpu.shares": "512"},
            [
                "lxc.include = /usr/share/lxc/config/common.conf",
                "lxc.cgroup.dir = bob",
                "lxc.cgroup.memory.limit_in_bytes = 2147483648",
                "lxc.cgroup2.memory.max = 1",
                "lxc.start.auto = 1",
                "lxc.cgroup.cpu.shares = 512",
            ],
        ),
        (
            V1,
            {"memory.limit_in_bytes": None},
            [
                "lxc.include = /usr/share/lxc/config/common.conf",
                "lxc.cgroup.dir = bob",
                "lxc.cgroup2.memory.max = 1",
                "lxc.start.auto = 1",
            ],
        ),
        (
            V2,
            {"memory.max": "2147483648", "cpu.weight": "20"},
            [
                "lxc.include = /usr/share/lxc/config/common.conf",
                "lxc.cgroup.dir = bob",
                "lxc.cgroup.memory.limit_in_bytes = 268435456",
                "lxc.cgroup2.memory.max = 2147483648",
                "lxc.start.auto = 1",
                "lxc.cgroup2.cpu.weight = 20",
            ],
        ),
    ],
)
def test_the_config_keeps_every_line_but_the_limits_of_its_layout(layout, values, expected):
    assert expected == with_values(CONFIG, layout, values).splitlines()


def test_a_limit_repeated_in_the_config_is_written_once_and_the_last_line_counted():
    config = CONFIG + "lxc.cgroup.memory.limit_in_bytes = 5\n"
    assert {"memory.limit_in_bytes": "5"} == configured(config, V1)
    rewritten = with_values(config, V1, {"memory.limit_in_bytes": "7"})
    assert {"memory.limit_in_bytes": "7"} == configured(rewritten, V1)
    assert 1 == rewritten.count("memory.limit_in_bytes")


def test_a_new_bob_and_a_live_limit_use_the_same_lines():
    limits = CgroupLimits(memory="2G", cpu_shares=512, cpuset="0-1")
    for layout in (V1, V2):
        assert limit_lines(limits, layout) == [s.line(layout) for s in settings(limits, layout)]
        assert configured("\n".join(limit_lines(limits, layout)), layout) == {
            s.file: s.value for s in settings(limits, layout)
        }


@pytest.mark.parametrize(
    ("text", "numbers", "shortest"),
    [("0-3,6", {0, 1, 2, 3, 6}, "0-3,6"), ("0,1", {0, 1}, "0-1"), ("", set(), ""), ("5", {5}, "5")],
)
def test_cpu_lists_read_and_written(text, numbers, shortest):
    assert frozenset(numbers) == cpus(text)
    assert shortest == cpu_list(frozenset(numbers))
