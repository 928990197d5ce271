"""Where bob's configuration and state come from: flags, then environment, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from provisioning.config import Fleet, load_fleet, parse_fleet
from provisioning.store import database_url, default_state_dir

EMBEDDED = "embedded sandbox defaults"


@dataclass(frozen=True)
class Settings:
    fleet: Fleet
    config_source: str
    database_url: str
    state_dir: Path


def load_settings(config: Path | None) -> Settings:
    """``--config``, else ``BOB_CONFIG``, else the embedded sandbox fleet."""
    path = config or (Path(env) if (env := os.environ.get("BOB_CONFIG")) else None)
    if path is not None:
        fleet, source = load_fleet(path), str(path)
    else:
        text = resources.files("bot").joinpath("defaults/sandbox.yaml").read_text("utf-8")
        fleet, source = parse_fleet(text, source=EMBEDDED), EMBEDDED
    state_dir = default_state_dir()
    return Settings(fleet, source, database_url(state_dir), state_dir)
