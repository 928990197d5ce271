"""The interrupt drill: Ctrl-C (or SIGKILL) in the middle of the installed `bob create 3` on a
real sandbox.

Ctrl-C ends bob with exit 130, after it said the job's id and both ways on. A job whose runner
is gone reads `interrupted` (not `running`) once its lease has run out — at once after Ctrl-C,
which gives the lease up — and `bob cancel ID` takes the job over and rolls it back there and
then, leaving nothing that reconcile could find. The bob processes take their jobs with a 2 s
lease (``BOB_JOB_LEASE_S``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import SandboxInfo
from tests.provisioning.pipeline.cli_world import (
    BOB,
    BobCli,
    bob_cli,
    cleaned_up,
    processes_of,
)
from tests.provisioning.pipeline.observe import containers, strays_on_hosts

pytestmark = pytest.mark.slow

MID_CREATE = "SELECT 1 FROM journal WHERE step = 'bootstrap' AND event = 'started'"


@pytest.fixture
def cli(overlay: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    yield from cleaned_up(bob_cli(overlay, tmp_path, bootstrap=["sleep", "2"]))


def start_create(cli: BobCli) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli.argv("create", "3"),
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def as_printed(cli: BobCli) -> str:
    """bob's name in commands it prints: plain ``bob`` only when that is what PATH finds."""
    found = shutil.which("bob", path=cli.env.get("PATH"))
    same = found is not None and os.path.realpath(found) == os.path.realpath(BOB)
    return "bob" if same else str(BOB)


def status_of(cli: BobCli, job_id: str) -> str:
    listed = cli("jobs")
    assert 0 == listed.returncode, listed.stderr
    [row] = [line.split() for line in listed.stdout.splitlines() if line.startswith(job_id)]
    return row[2]


def assert_cancel_rolls_it_back(cli: BobCli, overlay: SandboxInfo, job_id: str) -> None:
    cancelled = cli("cancel", job_id)

    said = cancelled.stdout.splitlines()
    assert (0, f"job {job_id}: cancel requested; no runner holds it (interrupted while "
            "running), so it is undone here now") == (cancelled.returncode, said[0]), (
        cancelled.stdout + cancelled.stderr
    )  # fmt: skip
    assert any(line.endswith("undone") for line in said)  # progress as it goes
    assert said[-1].startswith(f"job {job_id} cancelled in ")
    [(state,)] = cli.query("SELECT state FROM jobs WHERE id = ?", job_id)
    assert "cancelled" == state
    assert ([], [], [], {}) == (
        cli.bob_names(),
        containers(overlay),
        processes_of(cli),
        strays_on_hosts(overlay),
    )
    cli.assert_reconciled()


def test_ctrl_c_mid_create_says_both_ways_on_and_cancel_rolls_the_job_back(
    cli: BobCli, overlay: SandboxInfo
) -> None:
    creating = start_create(cli)
    try:
        cli.wait_for(MID_CREATE)
        creating.send_signal(signal.SIGINT)
        _, err = creating.communicate(timeout=30)
    finally:
        if creating.poll() is None:
            creating.kill()
            creating.communicate()

    [(job_id, state)] = cli.query("SELECT id, state FROM jobs")
    assert (130, "running") == (creating.returncode, state)
    bob = as_printed(cli)
    assert [
        f"job {job_id} interrupted; nothing works on it until you choose:",
        f"  {bob} resume {job_id}   finishes it",
        f"  {bob} cancel {job_id}   rolls it back",
        "bob: interrupted",
    ] == err.splitlines()[-4:]
    assert "interrupted" == status_of(cli, job_id)  # Ctrl-C gave the lease up

    assert_cancel_rolls_it_back(cli, overlay, job_id)


def test_a_killed_create_reads_interrupted_once_its_lease_runs_out_and_cancel_rolls_it_back(
    cli: BobCli, overlay: SandboxInfo
) -> None:
    creating = start_create(cli)
    try:
        cli.wait_for(MID_CREATE)
        os.kill(creating.pid, signal.SIGKILL)
        creating.communicate(timeout=10)
    finally:
        if creating.poll() is None:
            creating.kill()
            creating.communicate()
    [(job_id, state)] = cli.query("SELECT id, state FROM jobs")

    cli.wait_lease_out(job_id)  # the dead process's lease

    assert ("running", "interrupted") == (state, status_of(cli, job_id))
    assert_cancel_rolls_it_back(cli, overlay, job_id)
