"""``bob serve`` composed: the runtime and the job service built once, each front end plugged in.

Start: the runtime, the job service, every front end's routes on one HTTP server, its
components (Slack's websocket), the outbox, unfinished jobs resumed, then the duties. Stop, in
reverse: stop taking commands first, cancel the duties, close the doors, then let the jobs
finish or journal their stop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime, runtime
from bot.serving import plugins
from bot.serving.http import HttpServer
from bot.serving.options import ServeOptions
from bot.serving.parts import Component, Duty, Serving
from bot.settings import Settings
from bot.slack.access import Gate, SlackGroups
from bot.slack.app import build_app
from bot.slack.confirm import Confirmations
from bot.slack.deliver import Poster
from bot.slack.serve import SlackFront, SlackSecrets, web_client
from bot.slack.service import BobService
from provisioning.errors import ConfigError
from provisioning.ports import Store

log = logging.getLogger("bob.serve")


@dataclass
class RunningBot:
    service: BobService
    http: HttpServer | None = None

    @property
    def port(self) -> int | None:
        return self.http.port if self.http is not None else None


@asynccontextmanager
async def running_bot(
    settings: Settings, store: Store, secrets: SlackSecrets | None, options: ServeOptions
) -> AsyncIterator[RunningBot]:
    """Slack (when ``secrets``), the board (unless ``options.board`` is off) and every other
    front end in :mod:`bot.serving.plugins` taking requests, and the runner, until the block
    exits; then a graceful stop."""
    if secrets is None and not options.board:
        raise ConfigError("nothing to serve: no Slack token and the board is off")
    async with AsyncExitStack() as stack:
        rt = await stack.enter_async_context(runtime(settings, store, owner="bob-serve"))
        client = web_client(secrets) if secrets is not None else AsyncWebClient(token="")
        service = _service(rt, client, options)
        stack.push_async_callback(service.shutdown, options.grace_s)
        slack = None
        if secrets is not None:
            slack = SlackFront(build_app(service, client, secrets.signing_secret), secrets, store)
        serving = Serving(settings, options, rt, service, slack, stack)
        routes = [add for make in plugins.ROUTES if (add := make(serving)) is not None]
        http = HttpServer(options.host, options.port, routes) if routes else None
        doors = [c for make in plugins.COMPONENTS if (c := make(serving)) is not None]
        for door in ([http] if http is not None else []) + doors:
            await door.start()
            stack.push_async_callback(door.stop)
        if slack is not None:
            service.deliver_outbox()
        resumed = await service.resume(serving.report_channel)
        if resumed:
            log.info("serve.resumed jobs=%s", ",".join(resumed))
        _run_duties(stack, [d for make in plugins.DUTIES if (d := make(serving)) is not None])
        # Runs first at exit: stop taking commands before anything else stops.
        stack.callback(_stop_accepting, service)
        yield RunningBot(service, http)


def _service(rt: Runtime, client: AsyncWebClient, options: ServeOptions) -> BobService:
    return BobService(
        rt,
        Poster(client, first_backoff_s=options.retry_backoff_s),
        Gate(rt.settings.fleet.access, SlackGroups(client)),
        Confirmations(options.confirm_ttl_s),
        update_interval_s=options.update_interval_s,
        retry_backoff_s=options.retry_backoff_s,
    )


def _run_duties(stack: AsyncExitStack, duties: Sequence[Duty]) -> None:
    tasks = [asyncio.create_task(duty()) for duty in duties]

    async def cancel() -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    stack.push_async_callback(cancel)


def _stop_accepting(service: BobService) -> None:
    service.accepting = False


__all__ = ["Component", "RunningBot", "running_bot"]
