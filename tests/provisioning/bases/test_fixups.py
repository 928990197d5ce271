"""Fix-up argv and texts: values travel as parameters of fixed scripts, never as script text."""

import json
from datetime import UTC, datetime

from provisioning.bases import fixups
from provisioning.config.models import DeviceNode

ROOTFS = "/var/lib/bob/base/base-v3/rootfs"


def test_device_nodes_are_passed_five_parameters_each():
    argv = fixups.mknod_argv(ROOTFS, [DeviceNode(path="dev/null", major=1, minor=3)])
    assert [
        "sh",
        "-c",
        fixups.MKNOD_SCRIPT,
        "mknod",
        ROOTFS,
        "dev/null",
        "c",
        "1",
        "3",
        "0666",
    ] == argv


def test_services_are_disabled_by_a_script_run_in_the_base_with_chroot():
    argv = fixups.disable_argv(ROOTFS, ["udhcpc", "chef-client"])
    assert ["chroot", ROOTFS, "/bin/sh", "-c"] == argv[:4]
    assert ["disable", "udhcpc", "chef-client"] == argv[5:]


def test_identity_files_are_removed_inside_the_base_only():
    argv = fixups.remove_identity_argv(ROOTFS + "/", ["/etc/chef/client.pem"])
    assert ["rm", "-f", "--", f"{ROOTFS}/etc/chef/client.pem"] == argv


def test_the_base_config_keeps_everything_but_its_network_lines():
    config = (
        "lxc.uts.name = base\nlxc.net.0.type = veth\nlxc.net.0.link = lxcbr0\nlxc.autodev = 1\n"
    )
    assert "lxc.uts.name = base\nlxc.autodev = 1\nlxc.net.0.type = empty\n" == (
        fixups.without_network(config)
    )


def test_the_manifest_records_version_source_time_job_and_packages():
    text = fixups.manifest(
        version=3,
        name="base-v3",
        source="template busybox",
        built_at=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        job_id="beef",
        packages=["bash 5.2"],
    )
    assert {
        "version": 3,
        "name": "base-v3",
        "source": "template busybox",
        "built_at": "2026-11-22T08:00:00+00:00",
        "job": "beef",
        "packages": ["bash 5.2"],
    } == json.loads(text)


def test_the_base_config_gets_its_configured_lines_once_after_the_empty_network():
    mount = "lxc.mount.entry = /usr/lib/jvm usr/lib/jvm none ro,bind,optional,create=dir 0 0"
    config = f"lxc.rootfs.path = dir:/b/rootfs\n{mount}\nlxc.net.0.type = veth\n"

    assert (
        f"lxc.rootfs.path = dir:/b/rootfs\n{mount}\nlxc.net.0.type = empty\n"
    ) == fixups.without_network(config, [mount, mount])
