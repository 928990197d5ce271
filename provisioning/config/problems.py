"""Checks that span several fields, each problem reported at its own place.

A model validator can raise only one error, at the model's own place; raising
:class:`Problems` instead lets it report every problem it found, each under the field (or list
item) it concerns, and the loader gives each its own line.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Loc = tuple[str | int, ...]


class Problems(ValueError):
    """Every problem one model's checks found, at places relative to that model."""

    def __init__(self, problems: Sequence[tuple[Loc, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = tuple(problems)


def report(problems: Sequence[tuple[Loc, str]]) -> None:
    if problems:
        raise Problems(problems)


def reverse_zone_gap(network: ipaddress.IPv4Network, zone: str) -> str | None:
    """Why reverse ``zone`` cannot hold the PTR records of every address in ``network``, or
    None when it can (both edges' PTR names lie in it, so every address between does)."""
    origin = zone.lower().rstrip(".")
    for edge in (network.network_address, network.broadcast_address):
        name = edge.reverse_pointer
        if name != origin and not name.endswith("." + origin):
            return f"{zone} does not cover {network}: the PTR name of {edge} is {name}"
    return None


def reverse_zone_derivable(network: ipaddress.IPv4Network) -> bool:
    """Whether bob can name the reverse zone itself (see provisioning.dns.zone.reverse_zone):
    a /24 or longer lives in its /24's zone, a /16 or /8 in its own; any other prefix spans
    several zones or part of one, so the operator must say which."""
    return network.prefixlen >= 24 or network.prefixlen in (16, 8)
