"""`bob stage`: what it prints and how it exits, without a sandbox."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import yaml

from provisioning.staging.records import StageEnv, StageState
from provisioning.store import SqlStore
from tests.bot.test_cli import EXAMPLE as EXAMPLE_CONFIG
from tests.bot.test_cli import isolated_state, run  # noqa: F401 (isolated_state: autouse)

EXAMPLE = Path(EXAMPLE_CONFIG)


def staged_config(tmp_path: Path) -> str:
    document = yaml.safe_load(EXAMPLE.read_text())
    document["staging"] = {
        "domain": "staging.example.com",
        "deploy": ["sh", "start.sh"],
        "gateway": {
            "conf_dir": str(tmp_path / "conf.d"),
            "log_dir": str(tmp_path / "logs"),
            "pid_file": str(tmp_path / "nginx.pid"),
            "wake": "http://127.0.0.1:8080",
        },
    }
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


async def _stage(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir}/bob.db")
    try:
        await store.put_stage_env(
            StageEnv(
                pr=7, repo="acme/shop", branch="feature", git_url="git://g/shop", bob="pr-7",
                state=StageState.FAILED, commit="0123456789abcdef",
                url="http://pr-7.staging.example.com/", updated_at=datetime.now(UTC),
            )
        )  # fmt: skip
    finally:
        await store.close()


def test_stage_list_shows_each_environment(capsys, tmp_path):
    config = staged_config(tmp_path)
    assert (0, "no staging environments\n") == run(capsys, "stage", "list", "--config", config)[:2]
    asyncio.run(_stage(tmp_path / "state"))  # BOB_STATE_DIR, as isolated_state sets it

    code, out, _ = run(capsys, "stage", "list", "--config", config)

    assert 0 == code
    assert [
        "PR           BRANCH   COMMIT        URL                               STATE   "
        "LAST REQUEST  EXPIRY",
        "acme/shop#7  feature  0123456789ab  http://pr-7.staging.example.com/  failed  -"
        "             -",
    ] == out.splitlines()


def test_stage_without_a_staging_section_or_with_a_bad_reference_is_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "stage", "list", "--config", str(EXAMPLE))
    assert (2, "bob: staging is not configured: the fleet config has no staging section\n") == (
        code, err,
    )  # fmt: skip
    code, _, err = run(capsys, "stage", "shop#7", "--config", staged_config(tmp_path))
    assert (2, "bob: not a pull request: 'shop#7' (expected OWNER/NAME#NUMBER)\n") == (code, err)
