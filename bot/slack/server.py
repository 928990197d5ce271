"""How Slack reaches the app: Socket Mode (a websocket bob opens) or HTTP (Slack posts to bob).

In HTTP mode every request Bolt rejects for its signature or timestamp (401) is audited with
what it claimed to be, so a forged command shows up in the audit log, not just in a log file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger("bob.slack")

EVENTS_PATH = "/slack/events"

# (claimed user, claimed channel, claimed command text, why it was rejected)
RejectionAudit = Callable[[str, str, str, str], Awaitable[None]]


class FrontDoor(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...


class SocketModeDoor:
    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self._handler = AsyncSocketModeHandler(app, app_token)

    async def open(self) -> None:
        # slack_bolt leaves these two untyped; they take and return nothing.
        await self._handler.connect_async()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        await self._handler.close_async()  # type: ignore[no-untyped-call]


class HttpDoor:
    """One aiohttp server: Slack's events, slash commands and interactivity on one endpoint
    (when ``slack`` is given), and whatever ``mount`` adds (the web board)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        slack: tuple[AsyncApp, RejectionAudit] | None = None,
        mount: Callable[[web.Application], None] | None = None,
        path: str = EVENTS_PATH,
    ) -> None:
        self._slack = slack
        self._host = host
        self.port = port
        web_app = web.Application()
        if slack is not None:
            web_app.router.add_post(path, self._handle)
        if mount is not None:
            mount(web_app)
        self._runner = web.AppRunner(web_app, access_log=None)

    async def open(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("serve.http_listening host=%s port=%s", self._host, self.port)

    async def close(self) -> None:
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        assert self._slack is not None
        app, audit = self._slack
        bolt_request = await to_bolt_request(request)
        bolt_response = await app.async_dispatch(bolt_request)
        if bolt_response.status == 401:
            user, channel, text = _claims(bolt_request.raw_body)
            await audit(user, channel, text, "bad signature or stale timestamp")
        return await to_aiohttp_response(bolt_response)


def _claims(raw_body: str) -> tuple[str, str, str]:
    """Who an unverified request says it is from; only ever written to the audit log."""
    form = {k: v[0] for k, v in parse_qs(raw_body).items()}
    if "payload" in form:
        try:
            payload = json.loads(form["payload"])
        except ValueError:
            payload = {}
        user = str((payload.get("user") or {}).get("id", "?"))
        channel = str((payload.get("channel") or {}).get("id", "?"))
        return user, channel, f"{payload.get('type', 'payload')}"
    text = f"{form.get('command', '')} {form.get('text', '')}".strip()
    return form.get("user_id", "?"), form.get("channel_id", "?"), text[:500]
