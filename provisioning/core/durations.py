"""Durations as operators type them (``90s``, ``30m``, ``8h``, ``2d``, ``1h30m``) and read them."""

from __future__ import annotations

import re

from provisioning.errors import UsageError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+)([smhd])")
_WHOLE = re.compile(r"(?:\d+[smhd])+")


def parse_duration(text: str) -> float:
    """Seconds in ``text``; a bare number is seconds. UsageError names the accepted forms."""
    text = text.strip().lower()
    if text.isdigit():
        seconds = int(text)
    elif _WHOLE.fullmatch(text):
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    else:
        raise UsageError(f"{text!r} is not a duration: write e.g. 90s, 30m, 8h, 2d or 1h30m")
    if seconds <= 0:
        raise UsageError(f"{text!r} is not a duration: it must be longer than 0 s")
    return float(seconds)


def describe_duration(seconds: float) -> str:
    """The two largest units, rounded down: ``7h59m``, ``2d3h``, ``45s``; ``0s`` when past."""
    left = max(int(seconds), 0)
    parts: list[str] = []
    for unit, size in sorted(_UNITS.items(), key=lambda u: -u[1]):
        if left >= size or (unit == "s" and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
        if len(parts) == 2:
            break
    return "".join(parts)
