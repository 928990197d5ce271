"""bob serve's front ends plug in with one entry each: a route factory in ``plugins.ROUTES`` is
served on the one HTTP server beside the board, and a duty in ``plugins.DUTIES`` runs from
start-up until bob stops, which cancels it."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from bot.serving import RouteAdder, ServeOptions, Serving, plugins, running_bot
from bot.settings import Settings
from provisioning.store import SqlStore
from tests.fleets import make_fleet


async def test_a_route_and_a_duty_plug_in_with_one_entry_each(tmp_path, monkeypatch):
    duty_ran, duty_stopped = asyncio.Event(), asyncio.Event()

    def hello(serving: Serving) -> RouteAdder:
        async def answer(request: web.Request) -> web.Response:
            jobs = await serving.runtime.store.list_jobs()
            return web.Response(text=f"hello: {len(jobs)} jobs")

        return lambda app: app.router.add_get("/hello", answer)

    async def ticker() -> None:
        duty_ran.set()
        try:
            await asyncio.Event().wait()
        finally:
            duty_stopped.set()

    monkeypatch.setattr(plugins, "ROUTES", [*plugins.ROUTES, hello])
    monkeypatch.setattr(plugins, "DUTIES", [*plugins.DUTIES, lambda serving: ticker])
    settings = Settings(make_fleet(), "test", f"sqlite+aiosqlite:///{tmp_path}/bob.db", tmp_path)
    store = await SqlStore.open(settings.database_url)
    timeout = aiohttp.ClientTimeout(total=30, connect=3)
    try:
        async with (
            running_bot(settings, store, None, ServeOptions(port=0, sweep_s=0)) as bot,
            aiohttp.ClientSession(timeout=timeout) as session,
        ):
            base = f"http://127.0.0.1:{bot.port}"
            async with session.get(f"{base}/hello") as hello_page:
                said = (hello_page.status, await hello_page.text())
            async with session.get(f"{base}/") as board:
                board_status = board.status
            await asyncio.wait_for(duty_ran.wait(), 10)
            stopped_while_serving = duty_stopped.is_set()
    finally:
        await store.close()

    assert (200, "hello: 0 jobs") == said
    assert 200 == board_status
    assert (False, True) == (stopped_while_serving, duty_stopped.is_set())
