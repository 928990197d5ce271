"""Settings from the environment: the job lease."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.settings import LEASE_ENV, job_lease
from provisioning.errors import ConfigError


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
