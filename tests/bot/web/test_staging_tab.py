"""The board's Staging tab lists each pull request's environment as `bob stage list` does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from provisioning.config.models import StagingGateway, StagingSettings
from provisioning.staging.records import StageEnv, StageState
from provisioning.store import SqlStore
from tests.bot.web.site import board_site, settings_for
from tests.fleets import make_fleet


async def test_the_staging_tab_shows_each_environment(tmp_path: Path) -> None:
    gateway = StagingGateway(
        conf_dir=tmp_path / "conf.d", log_dir=tmp_path / "logs", pid_file=tmp_path / "pid",
        wake="http://127.0.0.1:8080",
    )  # fmt: skip
    staging = StagingSettings(domain="staging.test", gateway=gateway, deploy=("sh", "start.sh"))
    fleet = make_fleet(((2,),)).model_copy(update={"staging": staging})
    store = await SqlStore.open(settings_for(fleet, tmp_path).database_url)
    try:
        await store.put_stage_env(
            StageEnv(
                pr=7, repo="acme/shop", branch="feature", git_url="git://g/shop", bob="pr-7",
                state=StageState.OFF, commit="0123456789abcdef", url="http://pr-7.staging.test/",
                updated_at=datetime.now(UTC),
            )
        )  # fmt: skip
        async with board_site(tmp_path, fleet, store=store) as site:
            status, text = await site.get("/staging")
            _, board = await site.get("/")
    finally:
        await store.close()

    assert 200 == status
    assert '<a href="/staging">Staging</a>' in board
    row = (
        "<tr><td>acme/shop#7</td><td>feature</td><td>0123456789ab</td>"
        '<td><a href="http://pr-7.staging.test/">http://pr-7.staging.test/</a></td>'
        '<td class="state-off">off</td><td>-</td><td>-</td></tr>'
    )
    assert row in text
