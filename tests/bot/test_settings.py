"""Settings from the environment: the job lease, where the records live."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import LEASE_ENV, job_lease, load_settings
from provisioning.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"


def test_the_job_lease_is_30_s_unless_the_environment_says_otherwise(monkeypatch) -> None:
    monkeypatch.delenv(LEASE_ENV, raising=False)
    assert timedelta(seconds=30) == job_lease()
    monkeypatch.setenv(LEASE_ENV, "2.5")
    assert timedelta(seconds=2.5) == job_lease()


@pytest.mark.parametrize("text", ["0", "-1", "soon", "nan", "inf"])
def test_a_lease_that_is_not_a_positive_number_of_seconds_is_refused(monkeypatch, text) -> None:
    monkeypatch.setenv(LEASE_ENV, text)
    with pytest.raises(ConfigError, match=f"{LEASE_ENV} must be a number of seconds above 0"):
        job_lease()


def test_a_sandbox_fleet_keeps_its_records_in_the_sandbox_unless_told_otherwise(
    monkeypatch, tmp_path
) -> None:
    for variable in ("BOB_CONFIG", "BOB_STATE_DIR", "BOB_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    embedded = load_settings(None)
    assert (Path("/var/lib/bob-sandbox"), "sqlite+aiosqlite:////var/lib/bob-sandbox/bob.db") == (
        embedded.state_dir,
        embedded.database_url,
    )
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "mine"))
    assert tmp_path / "mine" == load_settings(None).state_dir


def test_a_fleet_that_names_no_state_dir_keeps_records_in_the_users_state_home(
    monkeypatch, tmp_path
) -> None:
    for variable in ("BOB_CONFIG", "BOB_STATE_DIR", "BOB_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert tmp_path / "xdg" / "bob" == load_settings(EXAMPLE).state_dir
