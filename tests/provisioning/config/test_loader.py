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


def test_a_bad_number_names_the_field_and_the_value():
    message = error_for(example_with(hosts__0__disks__1__max_bobs="lots"))
    assert (
        "fleet.yaml: hosts.0.disks.1.max_bobs: Input should be a valid integer, "
        "unable to parse string as an integer (got 'lots')"
    ) == message


def test_a_negative_capacity_is_refused():
    message = error_for(example_with(hosts__0__disks__0__max_bobs=-1))
    assert (
        "hosts.0.disks.0.max_bobs: Input should be greater than or equal to 0 (got -1)" in message
    )


def test_a_secret_in_the_file_is_refused_as_an_unknown_field():
    text = example_with(jenkins__0__token="s3cret")
    assert "fleet.yaml: jenkins.0.token: unknown field" in error_for(text)
    assert "s3cret" not in error_for(text)


def test_a_host_name_that_is_not_a_hostname_label_is_refused():
    assert "hosts.0.name: String should match pattern" in error_for(
        example_with(hosts__0__name="Host_A")
    )


def test_duplicate_host_names_are_refused():
    message = error_for(example_with(hosts__1__name="host-a"))
    assert "fleet.yaml: (top level): host names must be unique; repeated: ['host-a']" == message


def test_a_gateway_outside_its_subnet_is_refused():
    message = error_for(example_with(subnets__0__gateway="10.9.9.1"))
    assert "subnets.0: gateway 10.9.9.1 is not inside 10.250.1.0/24" in message


def test_a_host_whose_datacenter_has_no_subnet_is_refused():
    message = error_for(example_with(hosts__2__datacenter="dc9"))
    assert "host host-c is in datacenter 'dc9', which has no subnet" in message


def test_an_unknown_storage_backend_lists_the_choices():
    message = error_for(example_with(hosts__0__storage={"backend": "zfs"}))
    assert "hosts.0.storage: Input tag 'zfs' found using 'backend' does not match" in message
    assert "'dir', 'btrfs', 'overlay', 'lvm'" in message


def test_heavy_labels_must_be_configured_labels():
    message = error_for(example_with(jenkins__0__heavy_labels=["huge"]))
    assert "heavy labels ['huge'] are not in labels ['heavy', 'light']" in message


def test_access_rules_for_unknown_commands_are_refused():
    message = error_for(example_with(access={"rules": {"nuke": {"users": ["U1"]}}}))
    assert "unknown commands ['nuke']" in message


def test_every_problem_gets_its_own_line():
    text = example_with(hosts__0__disks__0__max_bobs="x", hosts__1__bridge="a bridge with spaces")
    assert 2 == len(error_for(text).splitlines())
