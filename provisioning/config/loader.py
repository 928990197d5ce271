"""Read the fleet config from YAML and turn every problem into one readable ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from provisioning.config.messages import describe, tell
from provisioning.config.models import Fleet, across_sections
from provisioning.config.problems import Loc
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
        text = describe(exc, Fleet, data, source)
        more = tell(_across_valid_sections(exc, data), Fleet, data, source)
        raise ConfigError("\n".join(dict.fromkeys([*text.splitlines(), *more]))) from exc


def _across_valid_sections(exc: ValidationError, data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """The checks across sections, over the sections that are valid on their own: a typo in one
    host does not hide two subnets with one network. Nothing when they ran already (a
    problem at the top level is theirs)."""
    locs = [tuple(e["loc"]) for e in exc.errors()]
    if () in locs:
        return []
    broken = {loc[0] for loc in locs}

    def section(name: str) -> Any:
        if name in broken:
            return None
        field = Fleet.model_fields[name]
        assert field.annotation is not None  # every Fleet field is annotated
        value = data[name] if name in data else field.get_default(call_default_factory=True)
        try:
            return TypeAdapter(field.annotation).validate_python(value)
        except ValidationError:
            return None

    return across_sections(
        section("hosts"), section("subnets"), section("jenkins"), dns=data.get("dns") is not None
    )


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__
