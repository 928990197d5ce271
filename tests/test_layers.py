"""The layering rules of docs/design.md ("Layers"), at run time.

``lint-imports`` (scripts/test.sh, contracts in .importlinter) checks the static import graph.
It cannot see that importing ``a.b.c`` first runs ``a/__init__.py``, which is how PyYAML once
reached the create planner through provisioning.config's __init__. So the modules each
"forbidden" contract names are imported here in a fresh interpreter, and none of the
libraries it forbids may be loaded.
"""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = configparser.ConfigParser()
CONTRACTS.read(ROOT / ".importlinter")

# Imports each module (and every module below a package) in turn and says which of them first
# brought in each forbidden library.
PROBE = """
import importlib, json, pkgutil, sys
modules, forbidden = json.loads(sys.argv[1]), json.loads(sys.argv[2])
culprits = {}
def load(name):
    importlib.import_module(name)
    for library in forbidden:
        if library in sys.modules:
            culprits.setdefault(library, name)
for name in modules:
    load(name)
    for info in pkgutil.walk_packages(getattr(sys.modules[name], "__path__", []), name + "."):
        load(info.name)
print(json.dumps(culprits))
"""


def loaded_by(modules: list[str], libraries: list[str]) -> dict[str, str]:
    """Which of ``libraries`` importing ``modules`` loads, each with the module that did."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(modules), json.dumps(libraries)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert 0 == done.returncode, done.stderr
    return dict(json.loads(done.stdout))


def forbidden_contracts() -> list[str]:
    return [
        section.removeprefix("importlinter:contract:")
        for section in CONTRACTS.sections()
        if CONTRACTS[section].get("type") == "forbidden"
    ]


def test_the_create_planner_does_not_load_pyyaml():
    assert {} == loaded_by(["provisioning.core.plan"], ["yaml"])


@pytest.mark.parametrize("contract", forbidden_contracts())
def test_no_module_a_forbidden_contract_names_loads_what_it_forbids(contract):
    section = CONTRACTS[f"importlinter:contract:{contract}"]
    # The standard library's asyncio or socket may be loaded by pydantic itself; the static
    # contract holds bob's own modules to them, this test the third-party libraries.
    libraries = [
        name for name in section["forbidden_modules"].split() if name not in sys.stdlib_module_names
    ]
    assert {} == loaded_by(section["source_modules"].split(), libraries)


def test_every_forbidden_contract_is_checked_here():
    # guards against a renamed section or option silently emptying the test above
    assert {"pure-core", "through-ports"} <= set(forbidden_contracts())
