"""`bob destroy`: by name or every Bob of a host, asked first; a dry run that changes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from handlers.documents import ListDocument
from provisioning.core.plan import plan_create
from provisioning.records import BobState, JournalEntry, NewJob, StepEvent
from provisioning.store import SqlStore
from tests.fleets import make_fleet
from tests.sandbox.fixtures import host_script, require_sandbox, sandbox_fleet_sync

EXAMPLE = str(Path(__file__).resolve().parents[2] / "config" / "example.yaml")


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("BOB_CONFIG", raising=False)
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)
    return tmp_path / "state"


def bob(capsys, *argv):
    code = main([*argv, "--config", EXAMPLE])
    out, err = capsys.readouterr()
    return code, out, err


async def _with_store(state_dir, work):
    state_dir.mkdir(parents=True, exist_ok=True)
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir / 'bob.db'}")
    try:
        return await work(store)
    finally:
        await store.close()


def made(state_dir, **per_host):
    """Ready Bobs a create job made: ``host_a=2, host_b=1``."""
    fleet = make_fleet([(4, 5, 5), (4, 5, 5)])

    async def work(store):
        for host, count in per_host.items():
            job, plan = await store.reserve(
                NewJob(kind="create"),
                lambda held, h=host, n=count: plan_create(fleet, held, n, host=h.replace("_", "-")),
            )
            for index, b in enumerate(plan.bobs):
                await store.append_journal(
                    JournalEntry(
                        job_id=job.id,
                        step_index=index,
                        step="reserve",
                        lane=b.name,
                        host=b.host,
                        event=StepEvent.SUCCEEDED,
                        at=datetime.now(UTC),
                    )
                )
                await store.promote_reservation(b.name, BobState.READY)

    asyncio.run(_with_store(state_dir, work))


def jobs_and_bobs(state_dir):
    async def work(store):
        return [j.id for j in await store.list_jobs()], [b.name for b in await store.list_bobs()]

    return asyncio.run(_with_store(state_dir, work))


def test_dry_run_lists_what_would_be_removed_and_changes_nothing(capsys, state_dir):
    made(state_dir, host_a=2)
    before = jobs_and_bobs(state_dir)

    code, out, _ = bob(capsys, "destroy", "bob002", "--dry-run")

    assert (0, ["would destroy 1 Bob:", "  bob002  host-a/disk1  10.250.1.3  ready"]) == (
        code,
        out.splitlines(),
    )
    assert before == jobs_and_bobs(state_dir)


def test_all_on_a_host_takes_only_that_hosts_bobs(capsys, state_dir):
    made(state_dir, host_a=2, host_b=1)
    before = jobs_and_bobs(state_dir)

    code, out, _ = bob(capsys, "destroy", "--all", "--host", "host-a", "--dry-run")

    assert 0 == code
    assert ["would destroy 2 Bobs:", "bob001", "bob002"] == [
        out.splitlines()[0],
        *(line.split()[0] for line in out.splitlines()[1:]),
    ]
    assert before == jobs_and_bobs(state_dir)


def test_without_yes_it_lists_them_and_asks_and_no_means_nothing_changes(
    capsys, state_dir, monkeypatch
):
    made(state_dir, host_a=1, host_b=2)
    before = jobs_and_bobs(state_dir)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")

    code, out, _ = bob(capsys, "destroy", "--host", "host-b", "--all")

    assert (0, ["go ahead? [y/N] "]) == (code, asked)
    assert out.splitlines()[0] == "will destroy 2 Bobs:"
    assert out.splitlines()[-1] == "nothing destroyed"
    assert before == jobs_and_bobs(state_dir)


def test_all_on_a_host_without_bobs_has_nothing_to_do(capsys, state_dir):
    made(state_dir, host_a=1)

    assert (0, "no Bobs on host-b: nothing to destroy\n", "") == bob(
        capsys, "destroy", "--all", "--host", "host-b", "--yes"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "bob: destroy: name the Bobs, or pass --all (with --host HOST: that host's)"),
        (["bob001", "--all"], "bob: destroy: name the Bobs, or pass --all"),
        (["bob001", "--host", "host-a"], "bob: destroy: --host goes with --all"),
        (["--all", "--host", "host-z"], "bob: unknown host 'host-z'; known hosts: host-a,"),
    ],
)
def test_a_destroy_that_does_not_say_what_to_remove_is_refused(capsys, state_dir, argv, message):
    code, out, err = bob(capsys, "destroy", *argv, "--yes")

    assert (2, "") == (code, out)
    assert err.startswith(message)


def test_all_on_a_host_destroys_its_bobs_and_leaves_the_others_running(
    capsys, tmp_path, monkeypatch
):
    require_sandbox()
    monkeypatch.delenv("BOB_STATE_DIR", raising=False)  # bob's records: in the sandbox's dir
    with sandbox_fleet_sync(tmp_path / "sbx", hosts=2) as info:
        config = str(info.config_path)
        assert 0 == main(["create", "1", "--host", "host-a", "--config", config])
        assert 0 == main(["create", "2", "--host", "host-b", "--config", config])
        capsys.readouterr()

        code = main(["destroy", "--host", "host-b", "--all", "--yes", "--config", config])

        assert 0 == code, capsys.readouterr()
        capsys.readouterr()
        assert 0 == main(["list", "--json", "--no-jenkins", "--config", config])
        listing = ListDocument.model_validate_json(capsys.readouterr().out, strict=True)
        bobs = {h.name: [(b.name, b.state) for d in h.disks for b in d.bobs] for h in listing.hosts}
        assert {"host-a": [("bob001", "ready")], "host-b": []} == bobs
        lxc_ls = ["lxc-ls", "-P", "/var/lib/bob/disk1", "-1"]
        assert ("", "bob001") == (
            host_script(info, "host-b", [lxc_ls]).strip(),
            host_script(info, "host-a", [lxc_ls]).strip(),
        )
        assert 0 == main(["destroy", "--all", "--yes", "--config", config])
