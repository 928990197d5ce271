"""`bob host check` against hosts it cannot reach: every check still has its line, exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.yaml"


@pytest.fixture
def nowhere(tmp_path: Path) -> str:
    """The example fleet with every host's sshd on a port where nothing listens."""
    document = yaml.safe_load(EXAMPLE.read_text())
    (tmp_path / "known_hosts").write_text("")
    for host in document["hosts"]:
        host["ssh"].update(address="127.0.0.1", port=1, known_hosts=str(tmp_path / "known_hosts"))
    path = tmp_path / "bob.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


def test_an_unreachable_host_fails_ssh_and_skips_the_rest(nowhere, capsys) -> None:
    code = main(["host", "check", "host-a", "host-c", "--config", nowhere])
    lines = capsys.readouterr().out.splitlines()

    assert 1 == code
    ssh = [line for line in lines if line.split()[1] == "ssh"]
    assert 2 == len(ssh)
    assert all(" FAIL  " in line and "cannot reach 127.0.0.1:1" in line for line in ssh)
    rest = [line for line in lines if line.split()[1] != "ssh"]
    assert rest
    assert all(" skip  not checked: no SSH session" in line for line in rest)
    assert {"host-a", "host-c"} == {line.split()[0] for line in lines}


def test_an_unknown_host_is_a_usage_error(nowhere, capsys) -> None:
    assert 2 == main(["host", "check", "host-q", "--config", nowhere])
    assert "unknown host host-q; known hosts: host-a, host-b, host-c" in capsys.readouterr().err
