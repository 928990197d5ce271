"""``bob create 2 | head -3`` on a real sandbox: the reader going away is not a cancel.

The job runs to its end with the rest of its progress discarded, bob exits as the job ended,
and nothing is printed about the pipe (before, each progress line raised ``BrokenPipeError``
and its traceback went to stderr, 22 of them for two Bobs).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import SandboxInfo
from tests.provisioning.pipeline.cli_world import BobCli, bob_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(overlay: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    world = bob_cli(overlay, tmp_path)
    try:
        yield world
    finally:
        names = world.bob_names() if world.database.exists() else []
        if names:  # bob's own destroy removes their DNS records too
            world("destroy", *names, "--yes")


def test_a_create_piped_into_head_finishes_its_job_quietly(cli: BobCli, tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    with (tmp_path / "stderr").open("w") as stderr:
        bob = subprocess.Popen(
            cli.argv("create", "2"), env=cli.env, stdout=write_end, stderr=stderr
        )
    os.close(write_end)
    with os.fdopen(read_end) as reader:  # `head -3`: three lines, then the reader is gone
        head = [reader.readline() for _ in range(3)]

    exit_code = bob.wait(timeout=180)

    assert head[0].startswith("job ")
    assert (0, "") == (exit_code, (tmp_path / "stderr").read_text())
    assert [("succeeded",)] == cli.query("SELECT state FROM jobs")
    assert [("bob001", "ready"), ("bob002", "ready")] == cli.query(
        "SELECT name, state FROM bobs ORDER BY name"
    )
    cli.assert_reconciled()
