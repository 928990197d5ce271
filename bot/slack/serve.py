"""Slack's part of ``bob serve``: its secrets from the environment, its Web API client, and
its front door — Socket Mode when the app-level token is set (no public URL needed), else a
route on bob's HTTP server that Slack posts to, checked against the signing secret.

The composition that runs it beside the board and the sweeps is :mod:`bot.serving`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack.access import SlackGroups
from bot.slack.app import build_app
from bot.slack.server import SlackEndpoint, SocketModeDoor
from bot.slack.service import BobService
from handlers.provision import Caller
from provisioning.errors import ConfigError

RouteAdder = Callable[[web.Application], None]

RATE_LIMIT_RETRIES = 5
# Slack must answer a Web API call within this; a hung call would hold a thread's updates.
API_TIMEOUT_S = 10


@dataclass(frozen=True)
class SlackSecrets:
    bot_token: str
    signing_secret: str
    app_token: str | None
    api_url: str | None = None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


def secrets_from_env(
    settings: Settings, environ: Mapping[str, str] = os.environ
) -> SlackSecrets | None:
    """Slack's secrets; None when none of them is set (Slack is not configured: the board
    alone is served)."""
    names = settings.fleet.slack
    bot_token = environ.get(names.bot_token_env, "")
    app_token = environ.get(names.app_token_env) or None
    signing_secret = environ.get(names.signing_secret_env, "")
    if not (bot_token or app_token or signing_secret):
        return None
    if not bot_token:
        raise ConfigError(f"set {names.bot_token_env} to the bot's token (xoxb-…)")
    if app_token is None and not signing_secret:
        raise ConfigError(
            f"set {names.app_token_env} for Socket Mode, or {names.signing_secret_env} for HTTP"
        )
    return SlackSecrets(bot_token, signing_secret, app_token, settings.slack_api_url)


def web_client(secrets: SlackSecrets) -> AsyncWebClient:
    client = AsyncWebClient(
        token=secrets.bot_token,
        base_url=secrets.api_url or AsyncWebClient.BASE_URL,
        timeout=API_TIMEOUT_S,
    )
    client.retry_handlers.append(
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    )
    return client


class SlackFront:
    """Slack as a front end: the Bolt app, the group members its access rules read, and how
    Slack reaches it — its websocket (a component with start/stop) or a route on bob's HTTP
    server."""

    def __init__(
        self,
        service: BobService,
        client: AsyncWebClient,
        secrets: SlackSecrets,
        groups: SlackGroups,
    ) -> None:
        self.app = build_app(service, client, secrets.signing_secret)
        self._service, self._secrets, self._groups = service, secrets, groups
        self._door = (
            SocketModeDoor(self.app, secrets.app_token) if secrets.app_token is not None else None
        )

    async def start(self) -> None:
        # Before the first request: access is decided from what this learns.
        await self._groups.refresh()
        if self._door is not None:
            await self._door.start()
        self._service.deliver_outbox()

    async def stop(self) -> None:
        if self._door is not None:
            await self._door.stop()

    def events_route(self) -> RouteAdder | None:
        """Slack's events, commands and clicks on bob's HTTP server, unless in Socket Mode."""
        if self._door is not None:
            return None
        endpoint = SlackEndpoint(self.app, self._secrets.signing_secret, self._audit_rejection)
        return endpoint.add_to

    async def keep_groups_fresh(self) -> None:
        await self._groups.keep_fresh()

    async def _audit_rejection(self, user: str, channel: str, text: str, why: str) -> None:
        caller = Caller(f"unverified:{user}", "slack", channel, text)
        await self._service.store.audit(caller.entry("rejected", why))
