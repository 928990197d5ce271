"""`bob sandbox status` and `bob sandbox down` act on the sandbox the user points at.

Two sandboxes run side by side (their own prefix, addresses and state directory); the one a
command takes is named by --state-dir, by $BOB_STATE_DIR or by the fleet config `up` told the
user to use ($BOB_CONFIG, --config), never silently the default one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import sandbox_cli
from bot.cli import main
from sandbox import SandboxInfo, sandbox_down, sandbox_up
from sandbox.network import netns_exists
from sandbox.paths import StatePaths
from tests.sandbox.fixtures import release, require_sandbox, sandbox_options


@pytest.fixture
def two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SandboxInfo, ...]]:
    require_sandbox()
    # The machine's default sandbox is not this test's: a command that fell back to it finds
    # an empty directory instead of taking a developer's sandbox down.
    monkeypatch.setattr(sandbox_cli, "DEFAULT_STATE_DIR", tmp_path / "default")
    for variable in ("BOB_STATE_DIR", "BOB_CONFIG", "BOB_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    options = [sandbox_options(tmp_path / name, hosts=1) for name in ("one", "two")]
    try:
        yield tuple(asyncio.run(sandbox_up(o)) for o in options)
    finally:
        for o in options:
            try:
                asyncio.run(sandbox_down(o.state_dir))
            finally:
                release(o)


def namespaces_of(info: SandboxInfo) -> list[bool]:
    return [netns_exists(h.namespace) for h in info.hosts]


def status(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["sandbox", "status", *argv])
    return code, capsys.readouterr().out


def test_down_by_the_config_up_printed_takes_that_sandbox_and_leaves_the_other(
    two, capsys, monkeypatch
) -> None:
    one, other = two
    monkeypatch.setenv("BOB_CONFIG", str(one.config_path))

    code, out = status(capsys)
    assert (0, f"state directory: {one.state_dir}") == (code, out.splitlines()[0])
    assert f"({one.hosts[0].address})" in out

    assert 0 == main(["sandbox", "down"])
    assert ([False], False) == (namespaces_of(one), StatePaths(one.state_dir).state_file.exists())
    assert [True] == namespaces_of(other)
    code, out = status(capsys, "--state-dir", str(other.state_dir))
    assert (0, True) == (code, f"({other.hosts[0].address})" in out)


def test_bob_state_dir_names_the_sandbox_too(two, capsys, monkeypatch) -> None:
    one, other = two
    monkeypatch.setenv("BOB_STATE_DIR", str(other.state_dir))

    code, out = status(capsys)
    assert (0, f"state directory: {other.state_dir}") == (code, out.splitlines()[0])

    assert 0 == main(["sandbox", "down"])
    assert ([True], [False]) == (namespaces_of(one), namespaces_of(other))
    assert 0 == status(capsys, "--config", str(one.config_path))[0]


def test_without_any_of_them_the_default_directory_is_asked(two, capsys) -> None:
    code, out = status(capsys)

    assert (1, f"no sandbox in {sandbox_cli.DEFAULT_STATE_DIR}") == (code, out.strip())
    assert [[True], [True]] == [namespaces_of(i) for i in two]
