"""Fleet configuration: models and loader.

Importing any module here runs this file, so it must stay free of PyYAML: the models are pure
and the pure core imports them. The loader is named here but loaded on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisioning.config.models import (
    BobDefaults,
    Disk,
    Fleet,
    Host,
    JenkinsController,
    Naming,
    Subnet,
)

if TYPE_CHECKING:
    from provisioning.config.loader import load_fleet, parse_fleet

__all__ = [
    "BobDefaults",
    "Disk",
    "Fleet",
    "Host",
    "JenkinsController",
    "Naming",
    "Subnet",
    "load_fleet",
    "parse_fleet",
]


def __getattr__(name: str) -> object:
    if name in ("load_fleet", "parse_fleet"):
        from provisioning.config import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
