"""What the installed ``bob`` writes where: what the user reads on stdout, log records on
stderr (warnings only unless ``-v``), and nothing but quiet when the reader of a pipe is gone.

Real processes and real pipes: a pipe whose read end is closed before bob starts is ``| true``
or ``| head`` at its most abrupt, every write fails with EPIPE.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BOB = Path(sys.executable).parent / "bob"
ROOT = Path(__file__).resolve().parents[2]
EMBEDDED = ROOT / "bot" / "defaults" / "sandbox.yaml"
EXAMPLE = ROOT / "config" / "example.yaml"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if k not in ("BOB_CONFIG", "BOB_DATABASE_URL")}
    return {**variables, "BOB_STATE_DIR": str(tmp_path / "state")}


def _into_closed_pipe(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [str(BOB), *argv],
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--no-jenkins", "--config", str(EXAMPLE)],
        ["jobs", "--config", str(EXAMPLE)],
        ["plan", "create", "5", "--config", str(EXAMPLE)],
    ],
)
def test_a_reader_that_is_gone_ends_the_output_quietly(env, argv) -> None:
    done = _into_closed_pipe(env, *argv)

    assert (0, "") == (done.returncode, done.stderr)


def test_a_closed_stderr_is_as_quiet(env) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [str(BOB), "list", "host-q", "--config", str(EXAMPLE)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=write_end,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)

    assert (2, "") == (done.returncode, done.stdout)


@pytest.fixture
def unreachable_fleet(tmp_path: Path) -> Path:
    """The sandbox fleet with every host's sshd nowhere: a create fails at its first SSH step."""
    document = yaml.safe_load(EMBEDDED.read_text())
    document.pop("dns")
    document.pop("state_dir", None)
    for host in document["hosts"]:
        host["ssh"].update(known_hosts=str(tmp_path / "known_hosts"), port=1)
    config = tmp_path / "bob.yaml"
    config.write_text(yaml.safe_dump(document))
    return config


def _failing_create(env, config: Path, *flags: str, merged: bool = False):
    return subprocess.run(
        [str(BOB), *flags, "create", "1", "--config", str(config)],
        env=env,
        capture_output=not merged,
        stdout=subprocess.PIPE if merged else None,
        stderr=subprocess.STDOUT if merged else None,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_failed_step_is_told_by_the_progress_alone(env, unreachable_fleet) -> None:
    done = _failing_create(env, unreachable_fleet)

    assert 1 == done.returncode
    assert any(" clone " in line and " FAILED " in line for line in done.stdout.splitlines())
    assert "step.finished" not in done.stdout + done.stderr
    assert all(line.startswith("bob: ") for line in done.stderr.splitlines())


def test_with_v_the_log_tells_it_too_on_stderr_in_whole_lines(env, unreachable_fleet) -> None:
    separate = _failing_create(env, unreachable_fleet, "-v")
    merged = _failing_create(env, unreachable_fleet, "-v", merged=True)

    assert "step.finished" not in separate.stdout
    assert "outcome=failed" in separate.stderr
    assert all(line.startswith("bob: ") for line in separate.stderr.splitlines())
    records = [line for line in merged.stdout.splitlines() if "step.finished" in line]
    assert records
    assert all(line.startswith("bob: INFO bob.jobs: step.finished ") for line in records)
