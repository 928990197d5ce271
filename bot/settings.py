"""Where bob's configuration and state come from: flags, then environment, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path

from provisioning.config import Fleet, load_fleet, parse_fleet
from provisioning.errors import ConfigError
from provisioning.store import database_url, default_state_dir

EMBEDDED = "embedded sandbox defaults"
LEASE_ENV = "BOB_JOB_LEASE_S"
DEFAULT_LEASE = timedelta(seconds=30)


@dataclass(frozen=True)
class Settings:
    fleet: Fleet
    config_source: str
    database_url: str
    state_dir: Path
    # How long a job stays claimed by a process that stopped renewing it (killed, frozen)
    # before another may resume it; renewed every third of it while the job runs.
    job_lease: timedelta = DEFAULT_LEASE


def load_settings(config: Path | None) -> Settings:
    """``--config``, else ``BOB_CONFIG``, else the embedded sandbox fleet.

    State: ``BOB_DATABASE_URL``, else ``BOB_STATE_DIR``, else the fleet's ``state_dir`` (the
    sandbox's directory for a sandbox fleet), else ``~/.local/state/bob``.
    """
    path = config or (Path(env) if (env := os.environ.get("BOB_CONFIG")) else None)
    if path is not None:
        fleet, source = load_fleet(path), str(path)
    else:
        text = resources.files("bot").joinpath("defaults/sandbox.yaml").read_text("utf-8")
        fleet, source = parse_fleet(text, source=EMBEDDED), EMBEDDED
    state_dir = (
        fleet.state_dir
        if fleet.state_dir is not None and not os.environ.get("BOB_STATE_DIR")
        else default_state_dir()
    )
    return Settings(fleet, source, database_url(state_dir), state_dir, job_lease())


def job_lease() -> timedelta:
    """``BOB_JOB_LEASE_S`` (seconds, more than 0), else 30 s."""
    text = os.environ.get(LEASE_ENV)
    if text is None:
        return DEFAULT_LEASE
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 86400:
        raise ConfigError(f"{LEASE_ENV} must be a number of seconds above 0, not {text!r}")
    return timedelta(seconds=seconds)
