"""Read the fleet config from YAML and turn every problem into one readable ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from provisioning.config.messages import describe
from provisioning.config.models import Fleet
from provisioning.errors import ConfigError


def load_fleet(path: Path) -> Fleet:
    """Load and validate the fleet config at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from exc
    return parse_fleet(text, source=str(path))


def parse_fleet(text: str, *, source: str) -> Fleet:
    """Validate YAML ``text``; ``source`` names it in error messages."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{source}{where}: not valid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level, got {_kind(data)}")
    try:
        return Fleet.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe(exc, Fleet, data, source)) from exc


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__
