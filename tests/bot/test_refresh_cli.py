"""`bob refresh`: how it is asked for, what its dry run shows, when it asks first.

(The job itself runs on the real sandbox: tests/provisioning/pipeline/test_refresh.py.)"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from provisioning.config import load_fleet
from provisioning.core.plan import plan_create
from provisioning.records import BobState, NewJob
from provisioning.store import SqlStore

EXAMPLE = str(Path(__file__).resolve().parents[2] / "config" / "example.yaml")


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)
    return tmp_path / "state"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--config", EXAMPLE])
    out, err = capsys.readouterr()
    return code, out, err


async def _bobs(state: Path, versions: list[int], current: int) -> list[str]:
    """Ready Bobs on the first host, cloned from base ``versions`` (their names); the host's
    base is ``current``."""
    state.mkdir(parents=True, exist_ok=True)
    fleet = load_fleet(Path(EXAMPLE))
    host = fleet.hosts[0].name
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state / 'bob.db'}")
    try:
        _, plan = await store.reserve(
            NewJob(kind="create"),
            lambda held: plan_create(fleet, held, len(versions), host=host),
        )
        for name, version in zip(plan.names, versions, strict=True):
            await store.promote_reservation(name, BobState.READY, base_version=version)
        await store.record_base(host, current)
        return list(plan.names)
    finally:
        await store.close()


async def _job_kinds(state: Path) -> list[str]:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state / 'bob.db'}")
    try:
        return [j.kind for j in await store.list_jobs()]
    finally:
        await store.close()


def test_refresh_needs_names_or_stale(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "refresh", "--dry-run")
    assert (2, "bob: name the Bobs to refresh, or pass --stale (not both)\n") == (code, err)


def test_refresh_without_a_terminal_needs_yes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, "refresh", "--stale")
    assert (2, "bob: refresh asks for confirmation: pass --yes when not at a terminal\n") == (
        code,
        err,
    )


def test_refresh_stale_dry_run_lists_the_stale_bobs_and_submits_nothing(
    capsys: pytest.CaptureFixture[str], state: Path
) -> None:
    names = asyncio.run(_bobs(state, [1, 2, 1], current=2))

    code, out, _ = run(capsys, "refresh", "--stale", "--dry-run", "--parallel", "2")

    lines = out.splitlines()
    assert 0 == code
    assert "would refresh 2 Bobs (2 at a time), same name and address:" == lines[0]
    assert [names[0], names[2]] == [line.split()[0] for line in lines[1:]]
    assert all(": v1 → v2" in line for line in lines[1:])
    assert ["create"] == asyncio.run(_job_kinds(state))


def test_refresh_stale_with_nothing_stale_starts_no_job(
    capsys: pytest.CaptureFixture[str], state: Path
) -> None:
    asyncio.run(_bobs(state, [2], current=2))

    code, out, _ = run(capsys, "refresh", "--stale", "--yes")

    assert (0, "nothing to refresh: every Bob is on its host's current base\n") == (code, out)
    assert ["create"] == asyncio.run(_job_kinds(state))


def test_refreshing_a_bob_bob_does_not_know_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "refresh", "bob404", "--yes")
    assert (2, "bob: no Bob named bob404 (`bob list` shows them all)\n") == (code, err)
