"""Hostnames: ``<prefix><zero-padded number>``, handed out by filling the first gaps."""

from __future__ import annotations

import re
from collections.abc import Iterable

from provisioning.config.models import Naming
from provisioning.errors import ShortfallError


def format_name(number: int, naming: Naming) -> str:
    return f"{naming.prefix}{number:0{naming.width}d}"


def parse_number(name: str, naming: Naming) -> int | None:
    """The number in a Bob's name, or None when the name is not one of ours.

    Names with more digits than the width (``bob0001`` for width 3) still count, so a
    hand-made record is never reused whatever its padding.
    """
    match = re.fullmatch(re.escape(naming.prefix) + r"([0-9]+)", name.lower())
    return int(match.group(1)) if match else None


def next_names(known: Iterable[str], naming: Naming, count: int) -> list[str]:
    """The first ``count`` free names, filling gaps in the numbering from 1 upwards."""
    taken = {n for n in (parse_number(name, naming) for name in known) if n is not None}
    names: list[str] = []
    number = 1
    while len(names) < count:
        if number > naming.max_number:
            free = naming.max_number - len([t for t in taken if 1 <= t <= naming.max_number])
            raise ShortfallError(
                f"need {count} names but only {free} are free with prefix "
                f"{naming.prefix!r} and width {naming.width}",
                requested=count,
                available=free,
                where="naming",
            )
        if number not in taken:
            names.append(format_name(number, naming))
        number += 1
    return names
