"""The crash drill: the bob process is SIGKILLed in the middle of creating five Bobs.

Nothing of it lives on; once its job's lease has run out, `bob resume` finishes (or rolls back)
the job from its journal, and `bob reconcile --json` finds zero differences between the store,
the hosts and the sandbox's BIND. The kill comes as soon as the journal shows a Bob starting the
DNS registration, the clone or the bootstrap (which takes a second), so steps are under way: the
resumed job must check what the dead process left half done.

The bob processes take their jobs with a 2 s lease (``BOB_JOB_LEASE_S``) instead of 30 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import SandboxInfo
from tests.provisioning.pipeline.cli_world import (
    BobCli,
    bob_cli,
    cleaned_up,
    processes_of,
)
from tests.provisioning.pipeline.observe import containers, strays_on_hosts
from tests.provisioning.pipeline.reconciled import parse_cli_report

pytestmark = pytest.mark.slow

STEPS_PER_BOB = (
    10  # reserve, dns, clone, configure, identity, start, wait-ready, personalize, bootstrap, ready
)


@pytest.fixture
def cli(overlay: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    yield from cleaned_up(bob_cli(overlay, tmp_path, bootstrap=["sleep", "1"]))


@pytest.fixture
def failing_cli(overlay: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    """Every Bob's bootstrap fails after a second: the job is undone."""
    yield from cleaned_up(bob_cli(overlay, tmp_path, bootstrap=["sh", "-c", "sleep 1; exit 1"]))


def kill(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert -signal.SIGKILL == process.wait(timeout=10)


@pytest.mark.parametrize("step", ["dns", "clone", "bootstrap"])
def test_bob_killed_mid_create_of_five_is_resumed_and_leaves_a_fleet_that_reconciles(
    cli: BobCli, overlay: SandboxInfo, step: str
) -> None:
    creating = cli.start("create", "5")
    try:  # killed as soon as the journal shows a Bob starting ``step``
        cli.wait_for("SELECT 1 FROM journal WHERE step = ? AND event = 'started'", step)
        kill(creating)
    finally:
        if creating.poll() is None:
            creating.kill()
            creating.wait()

    assert [] == processes_of(cli)  # nothing of the killed bob lives on
    [(job_id, state, kind)] = cli.query("SELECT id, state, kind FROM jobs")
    assert ("running", "create") == (state, kind)
    [(done,)] = cli.query(
        "SELECT count(*) FROM journal WHERE job_id = ? AND event = 'succeeded'", job_id
    )
    assert 0 < done < 5 * STEPS_PER_BOB  # killed mid-job
    cli.wait_lease_out(job_id)  # the dead process's lease
    # Until it is resumed the job still owns its Bobs: left alone, not reported as orphans,
    # and not said to be worked on either: the job itself is reported, interrupted.
    done = cli("reconcile", "--json")
    before = parse_cli_report(done.stdout, done.stderr)
    assert (1, [], [("job-interrupted", job_id)]) == (
        done.returncode,
        before["in_progress"],
        [(f["kind"], f["subject"]) for f in before["findings"]],
    )
    assert "it holds bob001, bob002, bob003, bob004, bob005" in before["findings"][0]["detail"]

    resumed = cli("resume")

    [(final,)] = cli.query("SELECT state FROM jobs WHERE id = ?", job_id)
    assert (0, "succeeded") == (resumed.returncode, final), resumed.stdout + resumed.stderr
    assert 5 == len(containers(overlay))
    cli.assert_reconciled()

    names = cli.bob_names()
    assert ["bob001", "bob002", "bob003", "bob004", "bob005"] == names
    assert 0 == cli("destroy", *names, "--yes").returncode
    cli.assert_reconciled()
    assert ([], [], {}) == (containers(overlay), processes_of(cli), strays_on_hosts(overlay))


def test_bob_killed_while_undoing_a_failed_create_is_resumed_and_the_undo_finishes(
    failing_cli: BobCli, overlay: SandboxInfo
) -> None:
    cli = failing_cli
    creating = cli.start("create", "5")
    try:
        cli.wait_for("SELECT 1 FROM journal WHERE event = 'undone'")  # one undo done, many to go
        kill(creating)
    finally:
        if creating.poll() is None:
            creating.kill()
            creating.wait()

    assert [] == processes_of(cli)
    [(job_id, state)] = cli.query("SELECT id, state FROM jobs")
    assert "undoing" == state  # killed mid-undo
    assert [] != containers(overlay)  # some of the Bobs were still there

    cli.wait_lease_out(job_id)
    resumed = cli("resume")

    [(final, error)] = cli.query("SELECT state, error FROM jobs WHERE id = ?", job_id)
    assert (1, "failed") == (resumed.returncode, final), resumed.stdout + resumed.stderr
    assert "bootstrap" in error
    assert ([], []) == (cli.bob_names(), containers(overlay))
    cli.assert_reconciled()
    assert ([], {}) == (processes_of(cli), strays_on_hosts(overlay))
