"""How Slack reaches the app: Socket Mode (a websocket bob opens) or HTTP (Slack posts to bob).

In HTTP mode a request reaches Bolt only once its signature and timestamp verify; anything
else, a malformed header included, is refused with 401 and audited with what it claimed to
be (user, channel, command or event text), so a forged command shows up in the audit log,
not just in a log file.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

EVENTS_PATH = "/slack/events"

# (claimed user, claimed channel, claimed command text, why it was rejected)
RejectionAudit = Callable[[str, str, str, str], Awaitable[None]]


class SocketModeDoor:
    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self._handler = AsyncSocketModeHandler(app, app_token)

    async def start(self) -> None:
        # slack_bolt leaves these two untyped; they take and return nothing.
        await self._handler.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        await self._handler.close_async()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class SlackEndpoint:
    """Slack's events, slash commands and interactivity on one path of an aiohttp server."""

    app: AsyncApp
    signing_secret: str
    audit: RejectionAudit
    path: str = EVENTS_PATH

    def add_to(self, web_app: web.Application) -> None:
        web_app.router.add_post(self.path, self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        if not _verified(self.signing_secret, body, request.headers):
            user, channel, text = _claims(body, request.content_type)
            await self.audit(user, channel, text, "bad signature or stale timestamp")
            return web.Response(status=401, text="invalid request")
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)


def _verified(secret: str, body: str, headers: Mapping[str, str]) -> bool:
    """Slack's v0 signature over the body, with a timestamp within five minutes.

    A header that cannot even be read (a timestamp that is not a number) is a failed check,
    never an error: whoever sent it gets the same 401 as any forger.
    """
    timestamp = headers.get("X-Slack-Request-Timestamp")
    signature = headers.get("X-Slack-Signature")
    if timestamp is None or signature is None or not timestamp.isdigit():
        return False
    return SignatureVerifier(secret).is_valid(body, timestamp, signature)


def _claims(raw_body: str, content_type: str) -> tuple[str, str, str]:
    """Who an unverified request says it is from; only ever written to the audit log."""
    if content_type == "application/json":
        return _event_claims(raw_body)
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


def _event_claims(raw_body: str) -> tuple[str, str, str]:
    """An Events API body: the event's user, channel, type and text."""
    try:
        body = json.loads(raw_body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return "?", "?", "unreadable body"
    event = body.get("event")
    if not isinstance(event, dict):
        return "?", "?", str(body.get("type", "event"))[:500]
    text = f"{event.get('type', 'event')}: {event.get('text', '')}".rstrip(": ")
    return str(event.get("user", "?")), str(event.get("channel", "?")), text[:500]
