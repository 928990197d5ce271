"""`bob drain` / `bob undrain`: placement skips a drained host and every dry run says why."""

from __future__ import annotations

import asyncio
import getpass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from provisioning.store import SqlStore

EXAMPLE = str(Path(__file__).resolve().parents[2] / "config" / "example.yaml")


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)


def bob(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--config", EXAMPLE])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_drained_host_is_skipped_and_the_dry_run_says_why(capsys):
    assert (0, "host-a drained: no new Bobs go there (disk swap)\n", "") == bob(
        capsys, "drain", "host-a", "--reason", "disk swap"
    )

    code, out, _ = bob(capsys, "plan", "create", "1")

    assert 0 == code
    assert "  bob001  host-b/disk1" in out
    assert f"  skipped host-a: drained by {getpass.getuser()}: disk swap" in out.splitlines()


def test_list_marks_the_drained_host(capsys):
    bob(capsys, "drain", "host-b")

    _, out, _ = bob(capsys, "list", "--no-jenkins")

    assert [line for line in out.splitlines() if line.startswith("host-b")] == [
        f"host-b (dc1, btrfs)  (drained by {getpass.getuser()}): 0/14 used, 14 free"
    ]


def test_undrain_puts_the_host_back(capsys):
    bob(capsys, "drain", "host-a")
    assert (0, "host-a is back in placement\n", "") == bob(capsys, "undrain", "host-a")

    _, out, _ = bob(capsys, "plan", "create", "1")

    assert "  bob001  host-a/disk1" in out


def test_naming_a_drained_host_is_refused_with_the_reason(capsys):
    bob(capsys, "drain", "host-a", "--reason", "disk swap")

    code, _, err = bob(capsys, "plan", "create", "1", "--host", "host-a")

    assert (2, f"bob: host host-a cannot take Bobs: drained by {getpass.getuser()}: disk swap") == (
        code,
        err.strip(),
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["drain", "host-z"], "bob: unknown host 'host-z'; known hosts: host-a, host-b, host-c"),
        (["drain", "Host_A"], "bob: HOST: must be a host name"),
        (["drain", "host-a", "--reason", "a\nb"], "bob: --reason:"),
    ],
)
def test_bad_drain_input_is_refused(capsys, argv, message):
    code, _, err = bob(capsys, *argv)

    assert (2, message) == (code, err.strip()[: len(message)])


def test_undrain_of_a_host_that_is_not_drained_says_so(capsys):
    assert (0, "host-b is not drained: nothing to undo\n", "") == bob(capsys, "undrain", "host-b")


def test_undrain_of_a_host_cooling_down_after_failures_says_that_is_what_ended(capsys, tmp_path):
    async def cooling() -> None:
        store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'state' / 'bob.db'}")
        try:
            until = datetime.now(UTC) + timedelta(minutes=5)
            await store.update_host_state(
                "host-a", lambda s: s.model_copy(update={"failures": 3, "cooling_until": until})
            )
        finally:
            await store.close()

    asyncio.run(cooling())

    assert (0, "host-a was not drained; its cool-down after failures is over\n", "") == bob(
        capsys, "undrain", "host-a"
    )
    _, out, _ = bob(capsys, "plan", "create", "1")
    assert "  bob001  host-a/disk1" in out


def test_undrain_cannot_undo_a_drain_the_config_makes_and_says_so(capsys, tmp_path):
    config = tmp_path / "fleet.yaml"
    config.write_text(
        Path(EXAMPLE).read_text().replace("drained: false", "drained: true", 1), encoding="utf-8"
    )

    code = main(["undrain", "host-c", "--config", str(config)])

    assert (
        0,
        "host-c is drained in the config (drained: true); only the config puts it back "
        "into placement\n",
    ) == (code, capsys.readouterr().out)
