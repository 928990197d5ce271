"""The `bob` command line: what it prints and how it exits."""

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from provisioning.core.plan import plan_create
from provisioning.records import BobState, JournalEntry, NewJob, StepEvent
from provisioning.store import SqlStore
from tests.fleets import make_fleet

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "config" / "example.yaml")
BOB = Path(sys.executable).parent / "bob"


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("BOB_CONFIG", raising=False)
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)
    # the example's DNS server is not ours to ask: without its secret bob does not try
    monkeypatch.delenv("BOB_DNS_TSIG_SECRET", raising=False)
    return tmp_path / "state"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_create_prints_names_with_host_and_disk(capsys):
    code, out, _ = run(capsys, "plan", "create", "5", "--config", EXAMPLE)
    assert 0 == code
    assert [
        "would create 5 Bobs:",
        "  bob001  host-a/disk1  10.250.1.10/24 via 10.250.1.1",
        "  bob002  host-a/disk1  10.250.1.11/24 via 10.250.1.1",
        "  bob003  host-a/disk1  10.250.1.12/24 via 10.250.1.1",
        "  bob004  host-a/disk1  10.250.1.13/24 via 10.250.1.1",
        "  bob005  host-a/disk2  10.250.1.14/24 via 10.250.1.1",
        "  note: DNS not read (the TSIG secret for key bob-update is not set: export it in "
        "$BOB_DNS_TSIG_SECRET): this plan ignores the zones' records, and create refuses until "
        "DNS can be read",
    ] == out.splitlines()


def test_config_may_come_before_the_command(capsys):
    code, out, _ = run(capsys, "--config", EXAMPLE, "plan", "create", "1", "--host", "host-c")
    assert (0, "  bob001  host-c/disk1  10.250.2.2/24 via 10.250.2.1") == (
        code,
        out.splitlines()[1],
    )


def test_config_from_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("BOB_CONFIG", EXAMPLE)
    _, out, _ = run(capsys, "plan", "create", "1", "--host", "host-c")
    assert "host-c/disk1" in out


def test_plan_create_beyond_capacity_prints_the_shortfall_and_exits_2(capsys):
    code, out, err = run(capsys, "plan", "create", "999")
    assert (2, "") == (code, out)
    assert err.startswith("bob: need room for 999 Bobs, the fleet has room for 28: host-a 14")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plan", "create", "0"], "bob: N: must be a whole number from 1 to 10000 (got 0)"),
        (["plan", "create", "-2"], "bob: N: must be a whole number from 1 to 10000 (got -2)"),
        (["plan", "create", "2", "--host", "host-z"], "bob: unknown host 'host-z'; known hosts"),
        (["plan", "create", "2", "--host", "Bad_Name"], "bob: --host: must be a host name"),
        (["list", "host-q"], "bob: unknown host 'host-q'"),
        (["job", "not-an-id"], "bob: ID: must be a job id as shown by `bob jobs`"),
        (["job", "abcdef12"], "bob: no job with id 'abcdef12'"),
        (["--config", "/nonexistent.yaml", "list"], "bob: /nonexistent.yaml: cannot read config"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(capsys, isolated_state, argv, message):
    code, out, err = run(capsys, *argv)
    assert (2, "", 1) == (code, out, len(err.splitlines()))
    assert err.startswith(message)
    assert ([], []) == asyncio.run(_store_contents(isolated_state))


def test_a_malformed_config_names_file_and_field(capsys, tmp_path):
    bad = tmp_path / "fleet.yaml"
    bad.write_text(Path(EXAMPLE).read_text().replace("max_bobs: 4", "max_bobs: four", 1))
    code, _, err = run(capsys, "--config", str(bad), "list")
    assert 2 == code
    assert f"bob: {bad}: host-a/disk1.max_bobs: must be a whole number (got 'four')\n" == err


def test_list_shows_disks_with_bobs_reservations_and_free_slots(capsys, isolated_state):
    fleet = make_fleet([(4, 5, 5), (4, 5, 5)])
    asyncio.run(_reserve(isolated_state, fleet, 5))
    _, out, _ = run(capsys, "list", "host-a")
    lines = out.splitlines()
    assert "host-a (sbx-a, overlay): 5/14 used, 9 free" == lines[0]
    assert "  disk1  4/4  full" == lines[1]
    assert lines[2].startswith("    bob001      reserved    10.250.1.2       job ")
    assert "  disk2  1/5  4 free" == lines[6]
    assert "  disk3  0/5  5 free" == lines[8]


def test_jobs_and_job_show_the_journal(capsys, isolated_state):
    job_id = asyncio.run(_reserve(isolated_state, make_fleet(), 1))
    _, out, _ = run(capsys, "jobs")
    assert job_id in out
    _, out, _ = run(capsys, "job", job_id)
    assert out.startswith(f"job {job_id}: create, pending")


def test_the_installed_command_prints_its_help():
    result = subprocess.run([BOB, "--help"], capture_output=True, text=True, check=False)
    assert 0 == result.returncode
    for command in ("plan", "list", "jobs", "job"):
        assert f"\n  {command} " in result.stdout


def test_the_installed_command_exits_2_on_a_shortfall(isolated_state):
    result = subprocess.run(
        [BOB, "plan", "create", "999", "--config", EXAMPLE],
        capture_output=True,
        text=True,
        check=False,
        env={"BOB_STATE_DIR": str(isolated_state), "PATH": "/usr/bin:/bin"},
    )
    assert 2 == result.returncode
    assert "the fleet has room for 42" in result.stderr


async def _store_contents(state_dir):
    db = state_dir / "bob.db"
    if not db.exists():
        return [], []
    store = await SqlStore.open(f"sqlite+aiosqlite:///{db}")
    try:
        return await store.list_jobs(), await store.occupants()
    finally:
        await store.close()


async def _reserve(state_dir, fleet, count):
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir / 'bob.db'}")
    try:
        job, _ = await store.reserve(
            NewJob(kind="create"), lambda held: plan_create(fleet, held, count)
        )
        return job.id
    finally:
        await store.close()


async def _made(state_dir, count, gone=()):
    """``count`` Bobs made by a create job (its journal names them), ``gone`` ones removed."""
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir / 'bob.db'}")
    try:
        job, plan = await store.reserve(
            NewJob(kind="create"), lambda held: plan_create(make_fleet(), held, count)
        )
        for index, bob in enumerate(plan.bobs):
            await store.append_journal(
                JournalEntry(
                    job_id=job.id,
                    step_index=index,
                    step="reserve",
                    lane=bob.name,
                    host=bob.host,
                    event=StepEvent.SUCCEEDED,
                    at=datetime.now(UTC),
                )
            )
            if bob.name in gone:
                await store.release_reservations(job.id, [bob.name])
            else:
                await store.promote_reservation(bob.name, BobState.READY)
    finally:
        await store.close()


def test_create_dry_run_shows_the_plan_and_reserves_nothing(capsys, isolated_state):
    code, out, _ = run(capsys, "create", "2", "--dry-run")
    assert (0, "would create 2 Bobs:") == (code, out.splitlines()[0])
    assert ([], []) == asyncio.run(_store_contents(isolated_state))


def test_destroy_without_a_terminal_needs_yes(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, "destroy", "bob001")
    assert (2, "bob: destroy asks for confirmation: pass --yes when not at a terminal\n") == (
        code,
        err,
    )


def test_destroying_a_name_bob_never_knew_is_refused(capsys, isolated_state):
    code, out, err = run(capsys, "destroy", "nosuch", "--yes")
    assert (2, "", "bob: no Bob named nosuch; there are no Bobs\n") == (code, out, err)
    assert [] == asyncio.run(_store_contents(isolated_state))[0]


def test_a_mistyped_name_among_real_ones_destroys_nothing_and_says_what_was_meant(
    capsys, isolated_state
):
    asyncio.run(_made(isolated_state, 3))
    jobs_before = asyncio.run(_store_contents(isolated_state))[0]

    code, out, err = run(capsys, "destroy", "bob01", "bob999", "--yes")

    assert (2, "", "bob: no Bob named bob01, bob999; did you mean bob001?\n") == (code, out, err)
    assert jobs_before == asyncio.run(_store_contents(isolated_state))[0]


def test_destroying_a_bob_that_bob_made_and_is_gone_is_a_no_op(capsys, isolated_state):
    asyncio.run(_made(isolated_state, 2, gone=("bob002",)))
    code, out, _ = run(capsys, "destroy", "bob002", "--yes")
    assert (0, "already gone: bob002\n") == (code, out)


def test_ensure_creates_nothing_when_enough_bobs_exist(capsys, isolated_state):
    asyncio.run(_reserve(isolated_state, make_fleet([(4, 5, 5), (4, 5, 5)]), 3))
    code, out, _ = run(capsys, "create", "3", "--ensure")
    assert (0, "3 Bobs exist already: nothing to create\n") == (code, out)


def test_rebuild_base_dry_run_shows_each_host_and_submits_nothing(capsys, isolated_state, tmp_path):
    config = _unreadable_sandbox(tmp_path)
    code, out, _ = run(capsys, "rebuild-base", "--dry-run", "--config", str(config))
    lines = out.splitlines()
    assert (0, 3) == (code, len(lines))
    assert lines[0].startswith("would rebuild the base on 2 host(s), one host at a time")
    # the plan is read from each host, as the job reads it; none can be read here
    assert lines[1].startswith("  host-a: cannot read its bases (")
    assert lines[1].endswith("); the job would stop here")
    assert ([], []) == asyncio.run(_store_contents(isolated_state))


def test_rebuild_base_all_with_parallel_dry_run(capsys, tmp_path):
    config = str(_unreadable_sandbox(tmp_path))
    code, out, _ = run(
        capsys, "rebuild-base", "all", "--parallel", "2", "--dry-run", "--config", config
    )
    assert (0, "2 hosts at a time") == (code, out.splitlines()[0].split(", ")[1])


def test_rebuild_base_of_all_and_a_host_is_refused(capsys):
    code, _, err = run(capsys, "rebuild-base", "all", "host-a", "--dry-run")
    assert (2, "bob: name hosts or 'all', not both\n") == (code, err)


def test_rebuild_base_of_an_unknown_host_is_refused(capsys):
    code, _, err = run(capsys, "rebuild-base", "host-z", "--dry-run")
    assert 2 == code
    assert err.startswith("bob: no host named host-z in the config")


def test_rebuild_base_without_a_terminal_needs_yes(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, "rebuild-base", "host-a")
    assert (2, "bob: rebuild-base asks for confirmation: pass --yes when not at a terminal\n") == (
        code,
        err,
    )


def _unreadable_sandbox(tmp_path):
    """The embedded sandbox fleet with no known_hosts file: no host can be read, whatever runs
    on this machine."""
    document = yaml.safe_load((ROOT / "bot" / "defaults" / "sandbox.yaml").read_text())
    for host in document["hosts"]:
        host["ssh"]["known_hosts"] = str(tmp_path / "known_hosts")
    config = tmp_path / "bob.yaml"
    config.write_text(yaml.safe_dump(document))
    return config
