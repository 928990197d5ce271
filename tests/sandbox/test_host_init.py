"""What a sandbox host mounts and how its sshd is configured (pure)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sandbox import SandboxOptions, host_init
from sandbox.layout import host_layouts
from sandbox.mounts import Mount, cgroup_mounts, init_spec, parse_mounts, replay_argvs
from sandbox.paths import StatePaths
from sandbox.sshd import sshd_config
from tests.sandbox.fixtures import require_sandbox

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
tmpfs /sys/fs/cgroup tmpfs ro,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
/dev/vdb /mnt/with\\040space ext4 rw 0 0
"""
OPTIONS = SandboxOptions(state_dir=Path("/srv/sbx"))
HOST = host_layouts(OPTIONS)[0]


def test_mount_fields_are_unescaped():
    assert Mount("/dev/vdb", "/mnt/with space", "ext4", "rw") == parse_mounts(MOUNTS)[-1]


def test_only_the_cgroup_mounts_are_replayed_and_a_read_only_parent_is_made_writable_first():
    argvs = replay_argvs(cgroup_mounts(parse_mounts(MOUNTS)))
    assert [
        ["mkdir", "-p", "/sys/fs/cgroup"],
        ["mount", "-t", "tmpfs", "-o", "rw,relatime,mode=755", "tmpfs", "/sys/fs/cgroup"],
        ["mkdir", "-p", "/sys/fs/cgroup/memory"],
        ["mount", "-t", "cgroup", "-o", "rw,relatime,memory", "cgroup", "/sys/fs/cgroup/memory"],
        ["mkdir", "-p", "/sys/fs/cgroup/unified"],
        ["mount", "-t", "cgroup2", "-o", "rw,relatime", "cgroup2", "/sys/fs/cgroup/unified"],
        ["mount", "-o", "remount,ro", "/sys/fs/cgroup"],
    ] == argvs


def test_a_host_gets_its_own_lxc_state_storage_and_bashrc_then_becomes_sshd():
    spec = init_spec(HOST, OPTIONS, [], Path("/root/.bashrc"))
    mounts = [s for s in spec["steps"] if s[0] == "mount"]
    assert [
        ["mount", "--bind", "/srv/sbx/hosts/a/lxc", "/var/lib/lxc"],
        ["mount", "--bind", "/srv/sbx/hosts/a/run-lxc", "/run/lxc"],
        ["mount", "--bind", "/srv/sbx/hosts/a/cache-lxc", "/var/cache/lxc"],
        ["mount", "--bind", "/srv/sbx/hosts/a/storage", "/var/lib/bob"],
        ["mount", "--bind", "/srv/sbx/hosts/a/bashrc", "/root/.bashrc"],
    ] == mounts
    assert "host-a" == spec["hostname"]
    assert [
        "/usr/sbin/sshd",
        "-D",
        "-f",
        "/srv/sbx/hosts/a/sshd_config",
        "-E",
        "/srv/sbx/hosts/a/sshd.log",
    ] == spec["exec"]


def test_btrfs_storage_is_a_loop_file_and_no_bashrc_means_no_bind():
    options = SandboxOptions(state_dir=Path("/srv/sbx"), backend="btrfs")
    spec = init_spec(host_layouts(options)[0], options, [], None)
    mounts = [s for s in spec["steps"] if s[0] == "mount"]
    assert ["mount", "-o", "loop", "/srv/sbx/hosts/a/storage.btrfs", "/var/lib/bob"] == mounts[-1]


def test_sshd_listens_on_the_uplink_only_and_takes_keys_only():
    lines = set(sshd_config(HOST, StatePaths(Path("/srv/sbx"))).splitlines())
    assert {
        "ListenAddress 10.250.0.2:22",
        "HostKey /srv/sbx/hosts/a/ssh_host_ed25519_key",
        "PidFile /srv/sbx/hosts/a/sshd.pid",
        "AuthorizedKeysFile /srv/sbx/authorized_keys",
        "StrictModes no",
        "UsePAM no",
        "PasswordAuthentication no",
        "PermitRootLogin prohibit-password",
        "MaxSessions 10",
        "MaxStartups 10:30:60",
    } <= lines


def run_host_init(tmp_path, steps, *, isolated=True):
    spec = tmp_path / "init.json"
    document = {
        "outer_mount_namespace": os.readlink("/proc/self/ns/mnt"),
        "hostname": "host-x",
        "steps": steps,
        "exec": ["/bin/hostname"],
    }
    spec.write_text(json.dumps(document))
    wrapper = ["unshare", "--mount", "--uts", "--propagation", "private"] if isolated else []
    argv = [*wrapper, sys.executable, "-I", "-S", host_init.__file__, str(spec)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)


def test_host_init_runs_its_steps_then_becomes_the_final_command(tmp_path):
    require_sandbox()
    done = run_host_init(tmp_path, [["touch", str(tmp_path / "stepped")]])
    assert (0, "host-x\n") == (done.returncode, done.stdout)
    assert (tmp_path / "stepped").exists()


def test_host_init_reports_a_failed_step_in_a_line_sandbox_up_watches_for(tmp_path):
    require_sandbox()
    done = run_host_init(tmp_path, [["false"]])
    assert 1 == done.returncode
    assert done.stderr.startswith(f"{host_init.FAILED}: CalledProcessError(")


def test_host_init_refuses_to_run_in_the_mount_namespace_it_was_started_from(tmp_path):
    done = run_host_init(tmp_path, [], isolated=False)
    assert 1 == done.returncode
    assert "refusing to run in the mount namespace of `sandbox up` itself" in done.stderr
