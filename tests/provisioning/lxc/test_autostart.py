"""What brings a rebooted host's Bobs back: a systemd unit per disk running lxc-autostart on it."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from provisioning.lxc.autostart import (
    UNIT_PATH,
    UNIT_TEMPLATE,
    UNIT_TEXT,
    autostart_argv,
    enable_argv,
    escape_path,
    unit_name,
)
from tests.fleets import make_fleet

HOST = make_fleet([(4, 5)]).hosts[0]  # storage root /var/lib/bob, disks disk1 and disk2


def test_every_disk_gets_an_instance_of_the_template_unit():
    assert UNIT_PATH == Path("/etc/systemd/system") / UNIT_TEMPLATE
    assert [
        ["systemctl", "daemon-reload"],
        [
            "systemctl",
            "enable",
            "bob-autostart@var-lib-bob-disk1.service",
            "bob-autostart@var-lib-bob-disk2.service",
        ],
    ] == enable_argv(HOST)


def test_the_unit_runs_lxc_autostart_on_the_disk_of_its_instance():
    """The unit's ExecStart, with %f filled in as systemd does, is the drills' very argv."""
    start = next(line for line in UNIT_TEXT.splitlines() if line.startswith("ExecStart="))
    executable, *args = shlex.split(start.removeprefix("ExecStart="))

    assert "/usr/bin/lxc-autostart" == executable
    assert autostart_argv(HOST, "disk1") == [
        "lxc-autostart",
        *(a.replace("%f", "/var/lib/bob/disk1") for a in args),
    ]


def test_listing_starts_nothing():
    assert "--list" in autostart_argv(HOST, "disk1", list_only=True)
    assert "--list" not in autostart_argv(HOST, "disk1")


@pytest.mark.parametrize(
    "path",
    ["/var/lib/bob/disk1", "/srv/bob-store/disk-1", "/srv/ö b/.hidden/x:y_z", "/", "/srv//a/"],
)
def test_instance_names_are_what_systemd_escape_makes(path):
    if shutil.which("systemd-escape") is None:
        pytest.skip("systemd-escape is not installed")
    systemd = subprocess.run(
        ["systemd-escape", "--path", path], capture_output=True, text=True, check=True
    )
    assert systemd.stdout.strip() == escape_path(path)


def test_a_disk_under_a_dashed_root_keeps_its_dashes_apart_from_the_slashes():
    host = HOST.model_copy(
        update={"storage": HOST.storage.model_copy(update={"root": Path("/srv/bob-a")})}
    )
    assert "bob-autostart@srv-bob\\x2da-disk1.service" == unit_name(host, "disk1")


def test_systemd_accepts_the_unit(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / unit_name(HOST, "disk1")
    unit.write_text(UNIT_TEXT)

    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )

    assert (0, "") == (verified.returncode, verified.stderr.strip())
