"""Where bob's configuration and state come from: flags, then environment, then defaults.

Every environment variable bob reads by a fixed name is a field of :class:`Environment`, read
by :func:`read_environment` and nowhere else (tests/test_settings_source.py keeps it so); the
README's "Environment variables" table lists them. Secrets are not here: the fleet config names
the variable that holds each one (``token_env``, ``tsig_secret_env``, ``password_env``), and
the adapter that needs it reads it at the moment of use, so a secret is never kept in a model
that could be printed.

A plain pydantic model rather than pydantic-settings: bob reads six variables once, from one
mapping a test can pass; pydantic-settings would add a dependency, and dotenv files, secret
directories and JSON-in-variables bob does not want, for no fewer lines of validation.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from provisioning.config import Fleet, load_fleet, parse_fleet
from provisioning.errors import ConfigError
from provisioning.store import sqlite_url

EMBEDDED = "embedded sandbox defaults"
LEASE_ENV = "BOB_JOB_LEASE_S"
DEFAULT_LEASE = timedelta(seconds=30)
# A lease is renewed every third of it: a day-long one would leave a killed job stuck for a day.
MAX_LEASE_S = 86400


def _refused(message: str) -> PydanticCustomError:
    return PydanticCustomError("bob_setting", message)


class Environment(BaseModel):
    """The environment variables bob reads (an empty one counts as unset)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    config: Path | None = Field(None, alias="BOB_CONFIG")
    state_dir: Path | None = Field(None, alias="BOB_STATE_DIR")
    database_url: str | None = Field(None, alias="BOB_DATABASE_URL")
    job_lease: timedelta = Field(DEFAULT_LEASE, alias=LEASE_ENV)
    slack_api_url: str | None = Field(None, alias="BOB_SLACK_API_URL")
    state_home: Path | None = Field(None, alias="XDG_STATE_HOME")

    @field_validator("database_url", mode="before")
    @classmethod
    def _a_database_url(cls, text: str) -> str:
        scheme, separator, _ = text.partition("://")
        if not (separator and scheme.replace("+", "").isalnum()):
            raise _refused(
                "must be a database URL such as postgresql+asyncpg://user@host/db"
                " or sqlite+aiosqlite:///path"
            )
        return text

    @field_validator("job_lease", mode="before")
    @classmethod
    def _seconds(cls, text: str) -> timedelta:
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds):
            raise _refused("must be a number of seconds")
        if not 0 < seconds < MAX_LEASE_S:
            raise _refused(f"must be more than 0 and less than {MAX_LEASE_S} seconds")
        return timedelta(seconds=seconds)

    @field_validator("slack_api_url", mode="before")
    @classmethod
    def _an_http_url(cls, text: str) -> str:
        if not text.startswith(("http://", "https://")):
            raise _refused("must be an http:// or https:// URL")
        return text


VARIABLES: tuple[str, ...] = tuple(
    field.alias for field in Environment.model_fields.values() if field.alias
)


def read_environment(environ: Mapping[str, str] | None = None) -> Environment:
    """The variables of ``environ`` (the process's by default), every bad one told at once."""
    source = os.environ if environ is None else environ
    given: dict[str, Any] = {name: source[name] for name in VARIABLES if source.get(name)}
    try:
        return Environment.model_validate(given)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0])
            lines.append(f"{name}: {error['msg']} (got {given.get(name)!r})")
        raise ConfigError("\n".join(lines)) from None


@dataclass(frozen=True)
class Settings:
    fleet: Fleet
    config_source: str
    database_url: str
    state_dir: Path
    # How long a job stays claimed by a process that stopped renewing it (killed, frozen)
    # before another may resume it; renewed every third of it while the job runs.
    job_lease: timedelta = DEFAULT_LEASE
    # Slack's Web API address when not Slack's own (an egress proxy; the tests' fake Slack).
    slack_api_url: str | None = None


def load_settings(config: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """``--config``, else ``BOB_CONFIG``, else the embedded sandbox fleet.

    State: ``BOB_DATABASE_URL``, else ``BOB_STATE_DIR``, else the fleet's ``state_dir`` (the
    sandbox's directory for a sandbox fleet), else ``$XDG_STATE_HOME/bob`` or
    ``~/.local/state/bob``.
    """
    env = read_environment(environ)
    path = config or env.config
    if path is not None:
        fleet, source = load_fleet(path), str(path)
    else:
        text = resources.files("bot").joinpath("defaults/sandbox.yaml").read_text("utf-8")
        fleet, source = parse_fleet(text, source=EMBEDDED), EMBEDDED
    state_dir = env.state_dir or fleet.state_dir or user_state_dir(env)
    return Settings(
        fleet,
        source,
        env.database_url or sqlite_url(state_dir),
        state_dir,
        env.job_lease,
        env.slack_api_url,
    )


def user_state_dir(env: Environment) -> Path:
    return (env.state_home or Path.home() / ".local" / "state") / "bob"
