"""``bob create 1 --log-format json -v`` on a real sandbox: stderr is one JSON object a line,
and the records logged while the job's steps run name the job, the host and the Bob they were
working on, without any log call passing them.
"""

from __future__ import annotations

import json
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


def test_json_log_lines_of_a_create_carry_its_job_host_and_bob(cli: BobCli) -> None:
    done = cli("create", "1", "--log-format", "json", "-v")

    assert 0 == done.returncode, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]
    [(job_id,)] = cli.query("SELECT id FROM jobs")
    [(bob, host)] = cli.query("SELECT name, host FROM bobs")
    in_steps = [r for r in records if "step" in r]
    assert in_steps, done.stderr
    assert {(job_id, host, bob)} == {(r["job"], r["host"], r["bob"]) for r in in_steps}
    assert {"time", "level", "logger", "message"} <= records[0].keys()
    # a record from below the runner (the SSH connection a step opened) carries them too
    assert any(
        r["logger"] != "bob.jobs" and (r.get("job"), r.get("bob")) == (job_id, bob) for r in records
    ), done.stderr
    assert not any(line.startswith("{") for line in done.stdout.splitlines())
