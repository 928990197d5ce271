"""The one HTTP server of ``bob serve``: every front end's routes on one address."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web

from bot.serving.parts import RouteAdder

log = logging.getLogger("bob.serve")


class HttpServer:
    def __init__(self, host: str, port: int, routes: Sequence[RouteAdder]) -> None:
        self._host = host
        self.port = port
        app = web.Application()
        for add in routes:
            add(app)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self.port).start()
        # Port 0 asks the kernel for one: report the one it gave.
        self.port = int(self._runner.addresses[0][1])
        log.info("serve.http_listening host=%s port=%s", self._host, self.port)

    async def stop(self) -> None:
        await self._runner.cleanup()
