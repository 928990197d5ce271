"""The board served for real: bob's Runtime (bot/runtime.py) on a fresh SQLite store, the
board's routes on an aiohttp server listening on 127.0.0.1, and an HTTP client with a cookie
jar, as a browser would hold them.

    async with board_site(tmp_path, fleet) as site:
        page = await site.get("/")
        response = await site.post("/make", {"count": "2"})     # carries the CSRF token
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.runtime import Runtime, runtime
from bot.settings import Settings
from bot.web import Access, BackgroundJobs, add_board, board_context
from provisioning.config import Fleet
from provisioning.store import SqlStore
from tests.ports import free_port

LOCAL = Access(login_required=False)
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@dataclass
class Site:
    url: str
    http: aiohttp.ClientSession
    rt: Runtime
    jobs: BackgroundJobs

    async def get(self, path: str, **kw: object) -> tuple[int, str]:
        async with self.http.get(self.url + path, **kw) as response:  # type: ignore[arg-type]
            return response.status, await response.text()

    async def csrf(self) -> str:
        """The token of this client's session, from the form on the board."""
        status, text = await self.get("/")
        assert 200 == status, text
        found = _CSRF.search(text)
        assert found is not None, "the board has no CSRF token in its form"
        return found.group(1)

    async def post(
        self, path: str, form: Mapping[str, str], *, token: str | None = "session"
    ) -> aiohttp.ClientResponse:
        """POST ``form``; ``token="session"`` adds this session's CSRF token, None sends none."""
        data = dict(form)
        if token == "session":
            data["csrf_token"] = await self.csrf()
        elif token is not None:
            data["csrf_token"] = token
        async with self.http.post(self.url + path, data=data, allow_redirects=False) as response:
            await response.read()
            return response


def settings_for(fleet: Fleet, directory: Path) -> Settings:
    return Settings(fleet, "test", f"sqlite+aiosqlite:///{directory}/bob.db", directory)


@asynccontextmanager
async def serve(rt: Runtime, access: Access = LOCAL) -> AsyncIterator[tuple[str, BackgroundJobs]]:
    """The board over ``rt`` on a free loopback port; jobs it started are stopped afterwards."""
    context, jobs = board_context(rt, access)
    app = web.Application()
    add_board(app, context)
    server = web.AppRunner(app, handle_signals=False)
    await server.setup()
    port = free_port()
    try:
        await web.TCPSite(server, "127.0.0.1", port).start()
        yield f"http://127.0.0.1:{port}", jobs
    finally:
        try:
            await jobs.aclose()
        finally:
            await server.cleanup()


@asynccontextmanager
async def board_site(
    directory: Path, fleet: Fleet, access: Access = LOCAL, store: SqlStore | None = None
) -> AsyncIterator[Site]:
    settings = settings_for(fleet, directory)
    opened = store or await SqlStore.open(settings.database_url)
    try:
        async with runtime(settings, opened) as rt, serve(rt, access) as (url, jobs):
            # A cookie jar that keeps cookies from an IP address, as a browser does.
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(cookie_jar=jar) as http:
                yield Site(url, http, rt, jobs)
    finally:
        if store is None:
            await opened.close()
