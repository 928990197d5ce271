"""The embedded sandbox fleet when the sandbox is not up: commands say so, and how to start it."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest

from bot import settings as bot_settings
from bot.cli import main
from bot.common import sandbox_down
from bot.settings import load_settings
from provisioning.core.plan import plan_create
from provisioning.records import BobState, JournalEntry, NewJob, StepEvent
from provisioning.store import SqlStore, sqlite_url
from sandbox import StatePaths

REAL_LOAD = load_settings


def embedded_sandbox_in(state_dir):
    """The embedded defaults, as `bob` loads them, for a sandbox recorded in ``state_dir``."""
    settings = REAL_LOAD(None, {})
    fleet = settings.fleet.model_copy(update={"state_dir": state_dir})
    return dataclasses.replace(
        settings, fleet=fleet, state_dir=state_dir, database_url=sqlite_url(state_dir)
    )


@pytest.fixture
def sandbox_dir(tmp_path, monkeypatch):
    """No sandbox in it (the machine's own, if any, is left out of this)."""
    monkeypatch.delenv("BOB_CONFIG", raising=False)
    monkeypatch.setattr(
        bot_settings, "load_settings", lambda config, environ=None: embedded_sandbox_in(tmp_path)
    )
    return tmp_path


async def in_store(state_dir, work):
    store = await SqlStore.open(sqlite_url(state_dir))
    try:
        return await work(store)
    finally:
        await store.close()


def test_create_says_the_sandbox_is_down_and_how_to_start_it(capsys, sandbox_dir):
    code = main(["create", "1"])

    out, err = capsys.readouterr()
    assert (2, "") == (code, out)
    assert (
        f"bob: the sandbox is down (nothing in {sandbox_dir}): start it with `bob sandbox up`, "
        "or pass --config for a real fleet\n"
    ) == err
    assert [] == asyncio.run(in_store(sandbox_dir, lambda s: s.list_jobs()))


def test_destroy_is_refused_before_any_job_is_submitted(capsys, sandbox_dir):
    async def one_bob(store):
        fleet = embedded_sandbox_in(sandbox_dir).fleet
        job, plan = await store.reserve(
            NewJob(kind="create"), lambda held: plan_create(fleet, held, 1)
        )
        await store.append_journal(
            JournalEntry(
                job_id=job.id,
                step_index=0,
                step="reserve",
                lane=plan.bobs[0].name,
                host=plan.bobs[0].host,
                event=StepEvent.SUCCEEDED,
                at=datetime.now(UTC),
            )
        )
        await store.promote_reservation(plan.bobs[0].name, BobState.READY)
        return await store.list_jobs()

    before = asyncio.run(in_store(sandbox_dir, one_bob))

    code = main(["destroy", "bob001", "--yes"])

    assert (2, "bob: the sandbox is down") == (code, capsys.readouterr().err[:24])
    assert before == asyncio.run(in_store(sandbox_dir, lambda s: s.list_jobs()))


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["jobs"],
        ["job", "1"],
        ["create", "1", "--dry-run"],
        ["plan", "create", "1"],
        ["serve"],
    ],
)
def test_a_command_says_the_sandbox_is_down_and_makes_no_store_there(capsys, tmp_path, argv):
    # Exit 2 for reads too: an empty fleet from a store made on the spot is not the sandbox's.
    state_dir = tmp_path / "sandbox"
    settings = embedded_sandbox_in(state_dir)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("BOB_CONFIG", raising=False)
        patch.setattr(bot_settings, "load_settings", lambda config, environ=None: settings)
        code = main(argv)

    out, err = capsys.readouterr()
    assert (2, "", "bob: the sandbox is down") == (code, out, err[:24])
    assert "start it with `bob sandbox up`" in err
    assert not state_dir.exists()


def test_a_dry_run_on_records_kept_elsewhere_shows_the_plan_and_why_dns_was_not_read(
    capsys, sandbox_dir, tmp_path_factory, monkeypatch
):
    elsewhere = sqlite_url(tmp_path_factory.mktemp("records"))
    settings = dataclasses.replace(embedded_sandbox_in(sandbox_dir), database_url=elsewhere)
    monkeypatch.setattr(bot_settings, "load_settings", lambda config, environ=None: settings)

    code = main(["plan", "create", "1"])

    out = capsys.readouterr().out
    assert 0 == code
    assert f"  note: DNS not read (the sandbox is down (nothing in {sandbox_dir})" in out
    assert [] == list(sandbox_dir.iterdir())


def test_a_recorded_sandbox_is_not_down(tmp_path):
    StatePaths(tmp_path).state_file.write_text("{}", encoding="utf-8")

    assert sandbox_down(embedded_sandbox_in(tmp_path)) is None


def test_a_fleet_from_a_config_file_is_not_the_sandbox(tmp_path):
    settings = dataclasses.replace(embedded_sandbox_in(tmp_path), config_source="fleet.yaml")

    assert sandbox_down(settings) is None
