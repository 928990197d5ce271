"""A host's base versions as its base lxcpath shows them, and which of them may go."""

import pytest

from provisioning.bases.versions import (
    BaseState,
    Lock,
    base_marker,
    parse_state,
    referenced_bases,
    version_in_config,
    version_name,
    version_of,
)

LXCPATH = "/var/lib/bob/base"


@pytest.mark.parametrize(
    ("name", "version"),
    [("base", 1), ("base-v2", 2), ("base-v117", 117), ("base-v0", None), ("current", None)],
)
def test_the_legacy_base_is_version_1_and_base_vN_is_version_N(name, version):
    assert version == version_of(name)


def test_version_names_and_numbers_round_trip():
    assert [2, 3, 40] == [version_of(version_name(v)) for v in (2, 3, 40)]


@pytest.mark.parametrize(
    ("listing", "current", "versions"),
    [
        ("", None, {}),
        ("version base\n", "base", {1: "base"}),
        ("current base-v2\nversion base\nversion base-v2\n", "base-v2", {1: "base", 2: "base-v2"}),
        ("current base-v3\nversion base-v2\n", None, {2: "base-v2"}),  # a dangling link
    ],
)
def test_without_the_current_link_the_legacy_base_is_current(listing, current, versions):
    state = parse_state(listing)
    assert (current, versions) == (state.current, state.versions)


def test_a_rebuild_lock_names_its_job_and_the_version_it_builds():
    state = parse_state("version base\nlock job=beef01 version=2\n")
    assert (Lock("beef01", 2), None) == (state.lock, state.lock_text)


def test_an_unreadable_lock_is_kept_as_text_so_nobody_takes_the_host():
    state = parse_state("version base\nlock garbage\n")
    assert (None, "garbage") == (state.lock, state.lock_text)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (BaseState(), 1),
        (BaseState({1: "base"}, "base"), 2),
        (BaseState({1: "base", 4: "base-v4"}, "base"), 5),  # never reuses a number on disk
    ],
)
def test_the_next_version_is_one_above_every_version_there_is(state, expected):
    assert expected == state.next_version()


def test_old_versions_are_all_but_the_current_one_and_the_one_being_built():
    state = BaseState(
        {1: "base", 2: "base-v2", 3: "base-v3", 4: "base-v4"}, "base-v3", Lock("job", 4)
    )
    assert {1: "base", 2: "base-v2"} == state.old_versions()


def test_overlay_clones_reference_their_lower_dir_and_nothing_else_does():
    lines = [
        "/var/lib/bob/disk1/bob001/config:lxc.rootfs.path = "
        "overlay:/var/lib/bob/base/base-v2/rootfs:/var/lib/bob/disk1/bob001/overlay/delta",
        "/var/lib/bob/disk2/bob002/config:lxc.rootfs.path = dir:/var/lib/bob/disk2/bob002/rootfs",
        "/var/lib/bob/disk2/bob003/config:lxc.rootfs.path = btrfs:/var/lib/bob/disk2/bob003/rootfs",
        "/var/lib/bob/base/base-v3/config:lxc.rootfs.path = dir:/var/lib/bob/base/base-v3/rootfs",
    ]
    assert {"base-v2"} == referenced_bases(lines, LXCPATH)


def test_a_clone_config_says_which_base_version_it_came_from():
    config = f"lxc.uts.name = bob001\n{base_marker('base-v7')}\n"
    assert (7, None) == (version_in_config(config), version_in_config("lxc.uts.name = x\n"))
