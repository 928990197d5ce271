"""Where the TSIG secret comes from: the environment first, then the configured file."""

import pytest

from provisioning.config.models import DnsSettings
from provisioning.dns.client import secret_from_env
from provisioning.errors import ConfigError


def settings(**extra):
    return DnsSettings(server="127.0.0.1", tsig_key_name="bob", tsig_secret_env="BOB_T", **extra)


def test_the_environment_wins(monkeypatch, tmp_path):
    (tmp_path / "key").write_text("ZmlsZQ==\n")
    monkeypatch.setenv("BOB_T", "ZW52")
    assert "ZW52" == secret_from_env(settings(tsig_secret_file=tmp_path / "key"))


def test_the_file_is_read_when_the_variable_is_unset(monkeypatch, tmp_path):
    (tmp_path / "key").write_text("ZmlsZQ==\n")
    monkeypatch.delenv("BOB_T", raising=False)
    assert "ZmlsZQ==" == secret_from_env(settings(tsig_secret_file=tmp_path / "key"))


def test_a_missing_file_is_named(monkeypatch, tmp_path):
    monkeypatch.delenv("BOB_T", raising=False)
    with pytest.raises(ConfigError, match=r"cannot read the TSIG secret file .*/nope"):
        secret_from_env(settings(tsig_secret_file=tmp_path / "nope"))
