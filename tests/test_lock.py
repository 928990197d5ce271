"""requirements.lock pins every dependency pyproject.toml declares, within its bounds.

scripts/install.sh installs within the lock's pins; a dependency added or re-bounded without
re-running scripts/lock.sh would install unpinned, or fail to install at all.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    return [Requirement(r) for r in [*project["dependencies"], *extras]]


def pinned() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_every_declared_dependency_is_pinned_within_its_bounds() -> None:
    pins = pinned()
    wrong = [
        f"{req} (locked: {pins.get(canonicalize_name(req.name), 'not at all')})"
        for req in declared()
        if not req.specifier.contains(pins.get(canonicalize_name(req.name), "0.0.0a0"), True)
    ]
    assert not wrong, "run scripts/lock.sh; the lock does not satisfy: " + ", ".join(wrong)


def test_the_lock_pins_exact_versions_only() -> None:
    assert all(v and "," not in v for v in pinned().values())
