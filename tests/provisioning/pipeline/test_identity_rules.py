"""Where a stopped clone's own identity is written, read from its LXC config (pure)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest

from provisioning.pipeline.identity import (
    Layers,
    UnsupportedRootfs,
    base_name_in_config,
    key_summary,
    layers,
    new_machine_id,
)

BASE = PurePosixPath("/var/lib/bob/base/base-v2/rootfs")


@pytest.mark.parametrize(
    ("rootfs", "write"),
    [
        ("dir:/var/lib/bob/disk1/bob001/rootfs", "/var/lib/bob/disk1/bob001/rootfs"),
        ("btrfs:/var/lib/bob/disk1/bob001/rootfs", "/var/lib/bob/disk1/bob001/rootfs"),
        ("/var/lib/bob/disk1/bob001/rootfs", "/var/lib/bob/disk1/bob001/rootfs"),
        (
            "overlay:/var/lib/bob/base/base-v2/rootfs:/var/lib/bob/disk1/bob001/overlay/delta0",
            "/var/lib/bob/disk1/bob001/overlay/delta0",
        ),
        (
            "overlayfs:/var/lib/bob/base/base-v2/rootfs:/var/lib/bob/disk1/bob001/delta0",
            "/var/lib/bob/disk1/bob001/delta0",
        ),
    ],
)
def test_the_write_layer_is_the_rootfs_or_the_overlays_upper_dir(rootfs: str, write: str) -> None:
    config = f"lxc.rootfs.path = /old\nlxc.uts.name = bob001\nlxc.rootfs.path = {rootfs}\n"
    assert Layers(BASE, PurePosixPath(write)) == layers(config, BASE)


@pytest.mark.parametrize(
    "config",
    ["lxc.uts.name = bob001\n", "lxc.rootfs.path = lvm:/dev/vg/bob001\n", "lxc.rootfs.path = ="],
)
def test_a_rootfs_that_is_no_directory_cannot_be_written_from_the_host(config: str) -> None:
    with pytest.raises(UnsupportedRootfs):
        layers(config, BASE)


def test_the_base_is_the_one_clones_marker_names() -> None:
    config = "lxc.uts.name = bob001\n# bob: base base-v2 version=2\n"
    assert "base-v2" == base_name_in_config(config)
    assert base_name_in_config("lxc.uts.name = bob001\n") is None


def test_machine_ids_are_32_hex_digits_and_new_each_time() -> None:
    ids = {new_machine_id() for _ in range(100)}
    assert 100 == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", one) for one in ids)


def test_keys_are_summarised_by_type_and_fingerprint() -> None:
    said = "256 SHA256:abc root@bob001 (ECDSA)\n256 SHA256:def root@bob001 (ED25519)\n"
    assert "ECDSA SHA256:abc, ED25519 SHA256:def" == key_summary(said)
