"""``--log-format json`` on a real sandbox, for ``bob create`` and for ``bob serve``: stderr is
one JSON object a line, and the records logged while a job's steps run name the job, the host
and the Bob they were working on, without any log call passing them.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import SandboxInfo
from tests.ports import free_port
from tests.provisioning.pipeline.cli_world import BobCli, bob_cli, cleaned_up
from tests.provisioning.pipeline.test_replicas import make_it

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(overlay: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    yield from cleaned_up(bob_cli(overlay, tmp_path))


def assert_step_records_name(records: list[dict[str, Any]], cli: BobCli, job_id: str) -> None:
    [(bob, host)] = cli.query("SELECT name, host FROM bobs")
    in_steps = [r for r in records if "step" in r]
    assert in_steps
    assert {(job_id, host, bob)} == {(r["job"], r["host"], r["bob"]) for r in in_steps}


def test_json_log_lines_of_a_create_carry_its_job_host_and_bob(cli: BobCli) -> None:
    done = cli("create", "1", "--log-format", "json", "-v")

    assert 0 == done.returncode, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]
    [(job_id,)] = cli.query("SELECT id FROM jobs")
    assert_step_records_name(records, cli, job_id)
    [(bob,)] = cli.query("SELECT name FROM bobs")
    assert {"time", "level", "logger", "message"} <= records[0].keys()
    # a record from below the runner (the SSH connection a step opened) carries them too
    assert any(
        r["logger"] != "bob.jobs" and (r.get("job"), r.get("bob")) == (job_id, bob) for r in records
    ), done.stderr
    assert not any(line.startswith("{") for line in done.stdout.splitlines())


async def test_json_log_lines_of_serve_carry_the_job_host_and_bob_it_works_on(
    cli: BobCli,
) -> None:
    port = free_port()
    argv = cli.argv("serve", "--port", str(port), "--log-format", "json", "--sweep", "0")
    serving = await asyncio.create_subprocess_exec(
        *argv, env=cli.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert serving.stdout is not None
    assert serving.stderr is not None
    records: list[dict[str, Any]] = []
    try:
        banner = (await asyncio.wait_for(serving.stdout.readline(), 30)).decode()
        assert banner.startswith("bob serve: board only"), banner
        job_id = await make_it(port, 1)  # on the board, as a person would
        while not any(r["message"].startswith(f"job.finished job={job_id}") for r in records):
            line = await asyncio.wait_for(serving.stderr.readline(), 120)
            assert line, records  # stderr closed before the job finished
            records.append(json.loads(line))
    finally:
        serving.send_signal(signal.SIGTERM)
        await asyncio.wait_for(serving.communicate(), 30)

    assert_step_records_name(records, cli, job_id)
