"""Loading the fleet config: the example works, and every mistake is named precisely."""

from pathlib import Path

import pytest
import yaml

from provisioning.config import load_fleet, parse_fleet
from provisioning.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "example.yaml"


def example_with(**changes):
    data = yaml.safe_load(EXAMPLE.read_text())
    for dotted, value in changes.items():
        target = data
        *path, last = dotted.split("__")
        for part in path:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return yaml.safe_dump(data)


def error_for(text):
    with pytest.raises(ConfigError) as caught:
        parse_fleet(text, source="fleet.yaml")
    return str(caught.value)


def test_the_example_is_the_classic_layout():
    fleet = load_fleet(EXAMPLE)
    assert [(4, 5, 5)] * 3 == [tuple(d.max_bobs for d in h.disks) for h in fleet.hosts]
    assert [14, 14, 14] == [h.capacity for h in fleet.hosts]


def test_the_embedded_sandbox_defaults_load():
    fleet = load_fleet(ROOT / "bot" / "defaults" / "sandbox.yaml")
    assert ["host-a", "host-b"] == [h.name for h in fleet.hosts]


def test_a_missing_file_is_named():
    with pytest.raises(ConfigError, match=r"^/nonexistent/bob.yaml: cannot read config"):
        load_fleet(Path("/nonexistent/bob.yaml"))


def test_broken_yaml_names_line_and_column():
    assert error_for("hosts: [\n  {name: a\n").startswith(
        "fleet.yaml (line 3, column 1): not valid YAML"
    )


def test_a_list_at_the_top_level_is_refused():
    assert "fleet.yaml: expected a mapping at the top level, got list" == error_for("- a\n")


def test_heavy_labels_must_be_configured_labels():
    message = error_for(example_with(jenkins__0__heavy_labels=["huge"]))
    assert "heavy labels ['huge'] are not in labels ['heavy', 'light']" in message


def test_access_rules_for_unknown_commands_are_refused():
    message = error_for(example_with(access={"rules": {"nuke": {"users": ["U1"]}}}))
    assert "unknown commands ['nuke']" in message


def test_every_problem_gets_its_own_line():
    text = example_with(hosts__0__disks__0__max_bobs="x", hosts__1__bridge="a bridge with spaces")
    assert 2 == len(error_for(text).splitlines())
