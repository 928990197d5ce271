"""The sandbox owns bob's records of it: every command finds them with no state variable, and
``sandbox down`` ends them with the fleet, so the demo run again makes real Bobs again.

Everything runs through the installed ``bob``, as ``scripts/demo.sh`` and the README run it,
with no BOB_STATE_DIR, BOB_DATABASE_URL or BOB_CONFIG in the environment. The sandbox sits in a
test slot (``--prefix``/``--net-index``), so the commands name its config; the embedded defaults
name the default sandbox's directory the same way (tests/sandbox/test_config.py).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

from sandbox import SandboxOptions, sandbox_down
from tests.provisioning.pipeline.cli_world import BOB, BobCli
from tests.sandbox.fixtures import release, require_sandbox, sandbox_options

STATE_VARIABLES = ("BOB_STATE_DIR", "BOB_DATABASE_URL", "BOB_CONFIG")


def _bare_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in STATE_VARIABLES}
    # where records would land if the sandbox did not keep them: not this machine's home
    env["XDG_STATE_HOME"] = str(tmp_path / "xdg")
    return env


def _sandbox(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(BOB), "sandbox", *argv], env=env, capture_output=True, text=True, timeout=300
    )
    assert 0 == done.returncode, done.stderr
    return done


def _up_argv(options: SandboxOptions) -> list[str]:
    return [
        "up",
        "--state-dir", str(options.state_dir),
        "--prefix", options.prefix,
        "--net-index", str(options.net_index),
        "--dns-port", str(options.dns_port),
    ]  # fmt: skip


def _ready(cli: BobCli) -> int:
    listing = cli("list", "--no-jenkins")
    assert 0 == listing.returncode, listing.stderr
    return sum(" ready " in line for line in listing.stdout.splitlines())


def test_down_ends_the_records_and_the_demo_makes_real_bobs_again(tmp_path: Path) -> None:
    require_sandbox()
    options = sandbox_options(tmp_path / "sbx")
    env = _bare_env(tmp_path)
    state = options.state_dir
    cli = BobCli(config=state / "bob.yaml", database=state / "bob.db", env=env)
    try:
        up = _sandbox(env, *_up_argv(options))
        assert f"bob's records: {state / 'bob.db'}" in up.stdout

        first = cli("create", "3", "--ensure")
        assert 0 == first.returncode, first.stdout + first.stderr
        assert 3 == _ready(cli)
        cli.assert_reconciled()

        down = _sandbox(env, "down", "--state-dir", str(state))
        assert f"file {state / 'bob.db'}" in down.stdout
        assert not cli.database.exists()

        _sandbox(env, *_up_argv(options))
        again = cli("create", "3", "--ensure")
        assert 0 == again.returncode, again.stdout + again.stderr
        assert "exist already" not in again.stdout
        assert again.stdout.startswith("job ")
        assert ": reserved bob001 on " in again.stdout
        assert ["bob001", "bob002", "bob003"] == cli.bob_names()
        assert 3 == _ready(cli)
        cli.assert_reconciled()  # the records describe real containers and DNS records
        assert not (tmp_path / "xdg").exists()
    finally:
        try:
            asyncio.run(sandbox_down(state))
        finally:
            release(options)
