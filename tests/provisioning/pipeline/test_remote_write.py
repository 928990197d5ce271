"""remote.write_file's fixed script, run by a real sh: all of the content lands, or none of it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from provisioning.pipeline.remote import write_argv

OLD = "lxc.uts.name = bob001\n# bob: managed by bob: name=bob001 job=cafe01\n"
NEW = "lxc.uts.name = bob001\nlxc.net.0.ipv4.address = 10.250.1.2/24\n" + OLD.splitlines()[1] + "\n"


def write(path: Path, content: str, *, arrives: str) -> subprocess.CompletedProcess[str]:
    """Run the script for ``content`` while only ``arrives`` reaches its stdin."""
    return subprocess.run(
        write_argv(str(path), content), input=arrives, capture_output=True, text=True, check=False
    )


def test_the_whole_content_replaces_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(OLD)

    done = write(config, NEW, arrives=NEW)

    assert (0, NEW) == (done.returncode, config.read_text())
    assert [config] == list(tmp_path.iterdir())


def test_content_cut_off_on_the_way_leaves_the_old_file_and_fails(tmp_path: Path) -> None:
    """A dropped SSH connection ends stdin early and `cat` exits 0: the size check is all that
    keeps a config without bob's tag (and so, to bob, no longer its own) from replacing it."""
    config = tmp_path / "config"
    config.write_text(OLD)

    done = write(config, NEW, arrives=NEW[:30])

    assert 1 == done.returncode
    assert "input cut off" in done.stderr
    assert OLD == config.read_text()
    assert [config] == list(tmp_path.iterdir())


def test_sizes_count_bytes_not_characters(tmp_path: Path) -> None:
    target = tmp_path / "motd"
    text = "Bob the Builder — can we fix it?\n"

    done = write(target, text, arrives=text)

    assert (0, text) == (done.returncode, target.read_text())
