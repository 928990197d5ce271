"""Words that agree with their numbers, for every message bob writes."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``1 Bob``, ``0 Bobs``, ``3 Bobs``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
