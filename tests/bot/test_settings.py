"""Settings from the environment: every variable bob reads, what it accepts, where records live."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import VARIABLES, Environment, load_settings, read_environment
from provisioning.config.models import DnsSettings, SlackSettings, StagingSettings, WebSettings
from provisioning.errors import ConfigError
from sandbox.fleet_config import TSIG_SECRET_ENV as SANDBOX_TSIG_SECRET_ENV

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.yaml"

# Each variable with a value it accepts and the setting that value becomes.
ACCEPTED = [
    ("BOB_CONFIG", "fleet.yaml", "config", Path("fleet.yaml")),
    ("BOB_STATE_DIR", "/srv/bob", "state_dir", Path("/srv/bob")),
    (
        "BOB_DATABASE_URL",
        "postgresql+asyncpg://bob@db/bob",
        "database_url",
        "postgresql+asyncpg://bob@db/bob",
    ),
    (
        "BOB_DATABASE_URL",
        "sqlite+aiosqlite:////srv/bob.db",
        "database_url",
        "sqlite+aiosqlite:////srv/bob.db",
    ),
    ("BOB_JOB_LEASE_S", "2.5", "job_lease", timedelta(seconds=2.5)),
    ("BOB_JOB_LEASE_S", " 60 ", "job_lease", timedelta(seconds=60)),
    (
        "BOB_SLACK_API_URL",
        "http://127.0.0.1:8999/api/",
        "slack_api_url",
        "http://127.0.0.1:8999/api/",
    ),
    ("XDG_STATE_HOME", "/home/u/.state", "state_home", Path("/home/u/.state")),
]

OUT_OF_RANGE = "must be more than 0 and less than 86400 seconds"

# Each variable with a value it refuses and the whole line `bob` prints for it.
REFUSED = [
    ("BOB_JOB_LEASE_S", "abc", "BOB_JOB_LEASE_S: must be a number of seconds (got 'abc')"),
    ("BOB_JOB_LEASE_S", "0", f"BOB_JOB_LEASE_S: {OUT_OF_RANGE} (got '0')"),
    ("BOB_JOB_LEASE_S", "-1", f"BOB_JOB_LEASE_S: {OUT_OF_RANGE} (got '-1')"),
    ("BOB_JOB_LEASE_S", "86400", f"BOB_JOB_LEASE_S: {OUT_OF_RANGE} (got '86400')"),
    ("BOB_JOB_LEASE_S", "nan", "BOB_JOB_LEASE_S: must be a number of seconds (got 'nan')"),
    ("BOB_JOB_LEASE_S", "inf", "BOB_JOB_LEASE_S: must be a number of seconds (got 'inf')"),
    (
        "BOB_DATABASE_URL",
        "/srv/bob.db",
        "BOB_DATABASE_URL: must be a database URL such as postgresql+asyncpg://user@host/db"
        " or sqlite+aiosqlite:///path (got '/srv/bob.db')",
    ),
    (
        "BOB_SLACK_API_URL",
        "slack.example/api",
        "BOB_SLACK_API_URL: must be an http:// or https:// URL (got 'slack.example/api')",
    ),
]


def test_an_empty_environment_means_every_default() -> None:
    assert Environment() == read_environment({})
    assert timedelta(seconds=30) == read_environment({}).job_lease


@pytest.mark.parametrize(("variable", "text", "field", "value"), ACCEPTED)
def test_each_variable_sets_its_setting(variable, text, field, value) -> None:
    assert value == getattr(read_environment({variable: text}), field)


@pytest.mark.parametrize("variable", sorted(VARIABLES))
def test_an_empty_variable_counts_as_unset(variable) -> None:
    assert Environment() == read_environment({variable: ""})


@pytest.mark.parametrize(("variable", "text", "message"), REFUSED)
def test_a_value_a_variable_cannot_take_is_refused_naming_both(variable, text, message) -> None:
    with pytest.raises(ConfigError) as refused:
        read_environment({variable: text})
    assert message == str(refused.value)


def test_every_bad_variable_is_told_at_once_one_a_line() -> None:
    with pytest.raises(ConfigError) as refused:
        read_environment({"BOB_JOB_LEASE_S": "abc", "BOB_SLACK_API_URL": "x"})
    assert ["BOB_JOB_LEASE_S", "BOB_SLACK_API_URL"] == [
        line.split(":")[0] for line in str(refused.value).splitlines()
    ]


def test_the_command_line_says_which_variable_is_wrong_and_exits_2(
    monkeypatch, capsys, tmp_path
) -> None:
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("BOB_JOB_LEASE_S", "abc")
    assert 2 == main(["jobs"])
    told = capsys.readouterr().err
    assert "bob: BOB_JOB_LEASE_S: must be a number of seconds (got 'abc')\n" == told


def _secret_defaults() -> set[str]:
    """The default names of the variables the config says hold secrets (``*_env`` fields)."""
    models = (DnsSettings, SlackSettings, WebSettings, StagingSettings)
    names = {
        field.default
        for model in models
        for name, field in model.model_fields.items()
        if name.endswith("_env")
    }
    return names | {SANDBOX_TSIG_SECRET_ENV}


def test_the_readme_table_documents_exactly_the_variables_bob_reads() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme.split("### Environment variables", 1)[1].split("\n#", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", table, re.MULTILINE))
    assert set(VARIABLES) | _secret_defaults() == documented


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


def test_the_database_url_wins_over_every_state_directory(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("BOB_CONFIG", raising=False)
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("BOB_DATABASE_URL", "postgresql+asyncpg://bob@db/bob")
    assert "postgresql+asyncpg://bob@db/bob" == load_settings(None).database_url
