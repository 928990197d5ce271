"""One place reads bob's environment: bot/settings.py.

A module that reads ``os.environ`` (or ``os.getenv``) and names a ``BOB_*`` variable has
grown its own setting: it escapes the validation, the defaults and the README table. Secrets
whose variable the fleet config names (``token_env``, ``tsig_secret_env``, ``password_env``)
are read where they are used, by the name the config gives, and so name no variable here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "provisioning")
SETTINGS = ROOT / "bot" / "settings.py"
BOB_NAME = re.compile(r"^BOB_[A-Z0-9_]+$")


def _reads_environment(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in ("environ", "getenv", "environb") for alias in node.names)
        ):
            return True
    return False


def _bob_names(tree: ast.Module) -> set[str]:
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and BOB_NAME.match(node.value)
    }


def readers_of_bob_variables(root: Path) -> dict[str, list[str]]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if path == root / SETTINGS.relative_to(ROOT):
                continue
            tree = ast.parse(path.read_text("utf-8"), str(path))
            if _reads_environment(tree) and (names := _bob_names(tree)):
                found[str(path.relative_to(root))] = sorted(names)
    return found


def test_only_the_settings_module_reads_bob_variables_from_the_environment() -> None:
    assert {} == readers_of_bob_variables(ROOT)


def test_the_check_sees_a_module_that_reads_its_own_variable(tmp_path: Path) -> None:
    module = tmp_path / "bot" / "rogue.py"
    module.parent.mkdir()
    module.write_text('import os\nLIMIT = os.environ.get("BOB_LIMIT")\n')
    (tmp_path / "bot" / "settings.py").write_text('import os\nos.environ.get("BOB_X")\n')
    assert {"bot/rogue.py": ["BOB_LIMIT"]} == readers_of_bob_variables(tmp_path)
