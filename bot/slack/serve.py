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
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack.server import SlackEndpoint, SocketModeDoor
from handlers.provision import Caller
from provisioning.errors import ConfigError
from provisioning.ports import AuditLog

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


@dataclass(frozen=True)
class SlackFront:
    """The Bolt app and how Slack reaches it."""

    app: AsyncApp
    secrets: SlackSecrets
    store: AuditLog

    def socket_door(self) -> SocketModeDoor | None:
        """Socket Mode's websocket, when the app-level token is set."""
        if self.secrets.app_token is None:
            return None
        return SocketModeDoor(self.app, self.secrets.app_token)

    def events_route(self) -> RouteAdder | None:
        """Slack's events, commands and clicks on bob's HTTP server, unless in Socket Mode."""
        if self.secrets.socket_mode:
            return None
        return SlackEndpoint(self.app, self.secrets.signing_secret, self._audit_rejection).add_to

    async def _audit_rejection(self, user: str, channel: str, text: str, why: str) -> None:
        caller = Caller(f"unverified:{user}", "slack", channel, text)
        await self.store.audit(caller.entry("rejected", why))
