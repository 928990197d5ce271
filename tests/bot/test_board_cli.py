"""`bob board`: the board alone, as an operator starts and stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from tests.fleets import make_fleet
from tests.ports import free_port

BOB = Path(sys.executable).parent / "bob"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-host fleet without DNS or Jenkins, and a state directory of the test's own."""
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)
    monkeypatch.delenv("BOB_WEB_PASSWORD", raising=False)
    path = tmp_path / "bob.yaml"
    path.write_text(yaml.safe_dump(make_fleet().model_dump(mode="json", exclude_defaults=True)))
    return path


def test_board_will_not_listen_beyond_loopback_without_a_password(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["board", "--bind", "10.20.30.40", "--config", str(config)])
    _, err = capsys.readouterr()
    assert 2 == code
    assert "set the environment variable BOB_WEB_PASSWORD" in err


def test_bob_board_serves_the_board_until_terminated(config: Path) -> None:
    port = free_port()
    board = subprocess.Popen(
        [str(BOB), "board", "--port", str(port), "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert board.stdout is not None
        banner = board.stdout.readline()
        assert f"bob board on http://127.0.0.1:{port}/ (loopback, no login)" in banner
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            status, page = response.status, response.read().decode()
        board.send_signal(signal.SIGTERM)
        code = board.wait(timeout=15)
    finally:
        if board.poll() is None:
            board.kill()
            board.wait()
    assert 200 == status
    assert 'data-host="host-a"' in page
    assert 0 == code
