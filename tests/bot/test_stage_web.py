"""bob serve's staging endpoints: mounted beside the board when the fleet has a staging
section, signed by HMAC rather than the board's login, and absent otherwise."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.runtime import runtime
from bot.stage_web import with_staging
from provisioning.config.models import StagingGateway, StagingSettings
from provisioning.store import SqlStore
from tests.bot.web.site import settings_for
from tests.fleets import make_fleet


def staged_fleet(tmp_path: Path):  # type: ignore[no-untyped-def]
    gateway = StagingGateway(
        conf_dir=tmp_path / "conf.d", log_dir=tmp_path / "logs", pid_file=tmp_path / "pid",
        wake="http://127.0.0.1:8080",
    )  # fmt: skip
    staging = StagingSettings(domain="staging.test", gateway=gateway, deploy=("true",))
    return make_fleet(((2,),)).model_copy(update={"staging": staging})


async def the_board(request: web.Request) -> web.Response:
    return web.Response(text="the board")


def board(app: web.Application) -> None:
    app.router.add_get("/", the_board)


async def test_without_a_staging_section_serve_mounts_what_it_did(tmp_path: Path) -> None:
    settings = settings_for(make_fleet(((2,),)), tmp_path)
    store = await SqlStore.open(settings.database_url)
    try:
        async with runtime(settings, store) as rt:
            assert board is with_staging(rt, board)
    finally:
        await store.close()


async def test_the_webhook_answers_beside_the_board_and_only_a_signed_event_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOB_STAGING_WEBHOOK_SECRET", "s3cret")
    settings = settings_for(staged_fleet(tmp_path), tmp_path)
    store = await SqlStore.open(settings.database_url)
    try:
        async with runtime(settings, store) as rt:
            mount = with_staging(rt, board)
            assert mount is not None
            app = web.Application()
            mount(app)
            async with TestClient(TestServer(app)) as client:
                assert "the board" == await (await client.get("/")).text()
                body = b'{"action": "labeled", "number": 7}'
                forged = await client.post(
                    "/hooks/pull-request", data=body, headers={"X-Hub-Signature-256": "sha256=00"}
                )
                signature = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
                signed = await client.post(
                    "/hooks/pull-request", data=body, headers={"X-Hub-Signature-256": signature}
                )
                assert (401, 400) == (forged.status, signed.status)  # signed, but not a PR event
                assert [] == await store.list_jobs()
                assert [] == await store.stage_envs()
    finally:
        await store.close()
