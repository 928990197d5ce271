"""Fleet configuration: models and loader."""

from provisioning.config.loader import load_fleet, parse_fleet
from provisioning.config.models import (
    BobDefaults,
    Disk,
    Fleet,
    Host,
    JenkinsController,
    Naming,
    Subnet,
)

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
