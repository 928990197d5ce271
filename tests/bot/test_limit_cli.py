"""`bob limit`: what is refused before any host is asked (the rest runs on the real sandbox:
tests/provisioning/limits/test_live_limits.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "config" / "example.yaml")


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)
    return tmp_path / "state"


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["bob404", "memory=2G", "--dry-run"], "bob: no Bob named bob404; there are no Bobs\n"),
        (["bob404"], "bob: no Bob named bob404; there are no Bobs\n"),
        (
            ["bob001", "memory=2G", "cpu-share=5", "--dry-run"],
            "bob: unknown limit 'cpu_share'; did you mean cpu_shares? "
            "(keys: memory, cpu_shares, cpuset)\nbob: no Bob named bob001; there are no Bobs\n",
        ),
        (
            ["bob001", "memory=2T"],
            "bob: memory=2T: must be a size in bytes with an optional K, M or G, e.g. 512M or 2G\n",
        ),
        (["memory=2G"], "bob: name at least one Bob\n"),
    ],
)
def test_a_limit_nobody_could_honour_is_refused_with_usage_exit(
    capsys: pytest.CaptureFixture[str], argv: list[str], error: str
) -> None:
    code = main(["limit", *argv, "--config", EXAMPLE])
    assert (2, error) == (code, capsys.readouterr().err)
