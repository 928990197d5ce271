"""``bob serve`` wired up: secrets from the environment, the runtime, the app, a front door.

Socket Mode when the app-level token is set (no public URL needed), else HTTP with the
signing secret. The runner lives in this process; unfinished jobs resume at start-up.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from aiohttp import web
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.reconcile_loop import PeriodicReconcile
from bot.runtime import runtime
from bot.settings import Settings
from bot.slack import blocks
from bot.slack.access import Gate, SlackGroups
from bot.slack.app import build_app
from bot.slack.confirm import CONFIRM_TTL_S, Confirmations
from bot.slack.deliver import FIRST_BACKOFF_S, Poster
from bot.slack.progress import UPDATE_INTERVAL_S
from bot.slack.server import FrontDoor, HttpDoor, SlackEndpoint, SocketModeDoor
from bot.slack.service import SHUTDOWN_GRACE_S, BobService
from bot.stage_web import with_staging
from bot.web import Access, BackgroundJobs, add_board, board_context
from handlers.provision import Caller
from handlers.reconcile import Report, reconcile
from provisioning.errors import ConfigError
from provisioning.store import SqlStore

log = logging.getLogger("bob.slack")

RATE_LIMIT_RETRIES = 5
# Slack must answer a Web API call within this; a hung call would hold a thread's updates.
API_TIMEOUT_S = 10
SWEEP_S = 10.0


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


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 3000
    grace_s: float = SHUTDOWN_GRACE_S
    confirm_ttl_s: float = CONFIRM_TTL_S
    update_interval_s: float = UPDATE_INTERVAL_S
    retry_backoff_s: float = FIRST_BACKOFF_S
    # How often to look for jobs a dead replica left (0: only at start-up).
    sweep_s: float = SWEEP_S
    # The web board on the same HTTP server (its own server in Socket Mode).
    board: bool = True


@dataclass
class RunningBot:
    service: BobService
    doors: list[FrontDoor]
    http: HttpDoor | None = None

    @property
    def port(self) -> int | None:
        return self.http.port if self.http is not None else None


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


@asynccontextmanager
async def running_bot(
    settings: Settings, store: SqlStore, secrets: SlackSecrets | None, options: ServeOptions
) -> AsyncIterator[RunningBot]:
    """Slack (when ``secrets``) and the board (unless ``options.board`` is off) taking
    requests, and the runner, until the block exits; then a graceful stop."""
    if secrets is None and not options.board:
        raise ConfigError("nothing to serve: no Slack token and the board is off")
    # Before anything starts: off loopback the board must have a password.
    access = Access.for_bind(settings.fleet.web, options.host) if options.board else None
    async with runtime(settings, store, owner="bob-serve") as rt:
        client = web_client(secrets) if secrets is not None else AsyncWebClient(token="")
        service = BobService(
            rt,
            Poster(client, first_backoff_s=options.retry_backoff_s),
            Gate(settings.fleet.access, SlackGroups(client)),
            Confirmations(options.confirm_ttl_s),
            update_interval_s=options.update_interval_s,
            retry_backoff_s=options.retry_backoff_s,
        )

        async def audit_rejection(user: str, channel: str, text: str, why: str) -> None:
            caller = Caller(f"unverified:{user}", "slack", channel, text)
            await store.audit(caller.entry("rejected", why))

        board_jobs: BackgroundJobs | None = None
        mount: Callable[[web.Application], None] | None = None
        if access is not None:
            context, board_jobs = board_context(rt, access)
            mount = partial(add_board, context=context)
        mount = with_staging(rt, mount)  # the pull-request webhook and the wake endpoint
        doors: list[FrontDoor] = []
        http: HttpDoor | None = None
        if secrets is not None and secrets.app_token is not None:
            doors.append(
                SocketModeDoor(
                    build_app(service, client, secrets.signing_secret), secrets.app_token
                )
            )
            if mount is not None:
                http = HttpDoor(options.host, options.port, mount=mount)
        else:
            slack = None
            if secrets is not None:
                app = build_app(service, client, secrets.signing_secret)
                slack = SlackEndpoint(app, secrets.signing_secret, audit_rejection)
            http = HttpDoor(options.host, options.port, slack=slack, mount=mount)
        if http is not None:
            doors.append(http)
        for door in doors:
            await door.open()
        duties: list[asyncio.Task[None]] = []
        # Without Slack, jobs (resumed ones too) report nowhere but the journal and the board.
        channel = settings.fleet.slack.channel if secrets is not None else None
        try:
            if secrets is not None:
                service.deliver_outbox()
            resumed = await service.resume(channel)
            if resumed:
                log.info("serve.resumed jobs=%s", ",".join(resumed))
            if options.sweep_s > 0:
                duties.append(asyncio.create_task(service.sweep(channel, options.sweep_s)))
            periodic = _periodic_reconcile(settings, service) if secrets is not None else None
            if periodic is not None:
                duties.append(asyncio.create_task(periodic.run_forever()))
            yield RunningBot(service, doors, http)
        finally:
            # Stop taking commands first, then let the jobs finish or journal their stop.
            service.accepting = False
            for duty in duties:
                duty.cancel()
            await asyncio.gather(*duties, return_exceptions=True)
            for door in doors:
                await door.close()
            if board_jobs is not None:
                await board_jobs.aclose()
            await service.shutdown(options.grace_s)


def _periodic_reconcile(settings: Settings, service: BobService) -> PeriodicReconcile | None:
    """The configured periodic reconcile, reporting to its channel; None when it is off."""
    config = settings.fleet.reconcile
    channel = config.channel or settings.fleet.slack.channel
    if config.interval_s <= 0 or channel is None:
        return None
    rt = service.rt

    async def run() -> Report:
        return await reconcile(rt.settings.fleet, rt.store, rt.shells, rt.dns, rt.jenkins)

    async def notify(text: str) -> None:
        await service.poster.post(channel, text, blocks.reply(text))

    return PeriodicReconcile(run, notify, config.interval_s)
