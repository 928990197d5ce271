"""Read the fleet config from YAML and turn every problem into one readable ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

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
        raise ConfigError(format_validation_error(exc, source)) from exc


def format_validation_error(exc: ValidationError, source: str) -> str:
    """One line per problem: ``file: field.path: what was expected (got …)``."""
    lines = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err["loc"]) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = (
                "unknown field (secrets are never set here: name their variable in a *_env field)"
            )
        elif (
            err["type"] not in ("missing",)
            and "input" in err
            and not isinstance(err["input"], dict | list)
        ):
            message = f"{message} (got {err['input']!r})"
        lines.append(f"{source}: {field}: {message}")
    return "\n".join(lines)


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__
