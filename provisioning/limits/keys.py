"""What a user may ask for: ``KEY=VALUE`` words, checked and turned into limits (pure).

Every problem in a request is told at once, each with what is allowed; a key that is not one
of :data:`LIMITS` gets the closest one as a suggestion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from pydantic import ValidationError

from provisioning.config.models import CgroupLimits
from provisioning.errors import UsageError

LIMITS = ("memory", "cpu_shares", "cpuset")
_EXPLAIN = {
    "memory": "a size in bytes with an optional K, M or G, e.g. 512M or 2G",
    "cpu_shares": "a whole number from 2 to 262144 (1024 is the kernel's default weight)",
    "cpuset": "CPU numbers and ranges, e.g. 0-1 or 0,2-3",
}
_SIZE = re.compile(r"^([0-9]+)([kmg]?)b?$", re.IGNORECASE)
_CPU_LIST = re.compile(r"^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$")


def parse_assignments(words: Sequence[str]) -> CgroupLimits:
    """``memory=2G cpu_shares=512 …`` as limits (unset ones None), or one UsageError naming
    every bad word."""
    limits, problems = read_assignments(words)
    if problems:
        raise UsageError("; ".join(problems))
    return limits


def read_assignments(words: Sequence[str]) -> tuple[CgroupLimits, list[str]]:
    """The limits the good words set (a bad word's limit left unset) and one problem per bad
    word, so a host can still judge the good ones and every reason is told together."""
    given: dict[str, str] = {}
    problems: list[str] = []
    for word in words:
        key, eq, value = word.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not eq or not key:
            problems.append(f"{word!r} is not KEY=VALUE (keys: {', '.join(LIMITS)})")
        elif key not in LIMITS:
            problems.append(unknown_key(key))
        elif key in given:
            problems.append(f"{key} is given twice")
        elif not value.strip():
            problems.append(f"{key} needs a value: {_EXPLAIN[key]}")
        else:
            given[key] = value.strip()
    if not given and not problems:
        problems.append(f"no limit given (keys: {', '.join(LIMITS)})")
    bad = _value_problems(given)
    problems += [f"{key}={given[key]}: {why}" for key, why in bad.items()]
    good = {
        limit: given[limit] if limit in given and limit not in bad else None for limit in LIMITS
    }
    return CgroupLimits.model_validate(good), problems


def unknown_key(key: str) -> str:
    guess = difflib.get_close_matches(key, LIMITS, n=1, cutoff=0.4)
    hint = f"; did you mean {guess[0]}?" if guess else ""
    return f"unknown limit {key!r}{hint} (keys: {', '.join(LIMITS)})"


def _value_problems(given: dict[str, str]) -> dict[str, str]:
    """Key → what is wrong with its value; ``given``'s memory is put in bob's spelling."""
    if "memory" in given:  # 2g, 2GB and 2G are one size
        given["memory"] = _SIZE.sub(lambda m: m[1] + m[2].upper(), given["memory"])
    problems: dict[str, str] = {}
    try:
        CgroupLimits.model_validate({limit: given.get(limit) for limit in LIMITS})
    except ValidationError as exc:
        for error in exc.errors():
            key = str(error["loc"][0])
            problems[key] = f"must be {_EXPLAIN[key]}"
    if "cpuset" in given and "cpuset" not in problems:
        value = given["cpuset"]
        backwards = [p for p in value.split(",") if "-" in p and _ends(p)[1] < _ends(p)[0]]
        if not _CPU_LIST.fullmatch(value):
            problems["cpuset"] = f"must be {_EXPLAIN['cpuset']}"
        elif backwards:
            problems["cpuset"] = f"the range {backwards[0]} runs backwards"
    if "memory" in given and "memory" not in problems and not int(given["memory"].rstrip("KMG")):
        problems["memory"] = "must be more than 0"
    return problems


def _ends(cpu_range: str) -> tuple[int, int]:
    low, _, high = cpu_range.partition("-")
    return (int(low), int(high)) if low.isdigit() and high.isdigit() else (0, 0)


def cpus(cpu_list: str) -> frozenset[int]:
    """The CPU numbers a cgroup CPU list (``0-3,6``) names; empty for an empty list."""
    numbers: set[int] = set()
    for part in cpu_list.strip().split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        numbers.update(range(int(low), int(high or low) + 1))
    return frozenset(numbers)


def cpu_list(numbers: frozenset[int]) -> str:
    """The shortest CPU list for ``numbers`` (``{0, 1, 2, 5}`` → ``0-2,5``)."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
