"""Whatever text the config file holds, loading it gives a Fleet or one ConfigError — never a
traceback. Hypothesis mutates the annotated example: values replaced by hostile or wrong-typed
ones, keys dropped, and plain garbage text."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioning.config.loader import parse_fleet
from provisioning.config.models import Fleet
from provisioning.errors import ConfigError

EXAMPLE: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parents[3] / "config" / "example.yaml").read_text()
)

HOSTILE = st.sampled_from(
    ["", " ", "'", '"', "${x}", "'''", "\\", "\n", "\x00", "../../etc", "-1", "1e309", "∞", "ß"]
)
VALUES = st.one_of(
    HOSTILE,
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


PATHS = paths(EXAMPLE)


def replaced(path: tuple[Any, ...], value: Any, drop: bool) -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


def load(text: str) -> Fleet | ConfigError:
    try:
        return parse_fleet(text, source="fuzz.yaml")
    except ConfigError as exc:
        return exc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), VALUES, st.booleans())
def test_a_changed_value_loads_or_is_one_config_error_naming_the_file(path, value, drop):
    text = yaml.safe_dump(replaced(path, value, drop), allow_unicode=True)

    outcome = load(text)

    assert isinstance(outcome, Fleet | ConfigError)
    if isinstance(outcome, ConfigError):
        assert str(outcome).startswith("fuzz.yaml")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_loads_or_is_one_config_error(text):
    assert isinstance(load(text), Fleet | ConfigError)
