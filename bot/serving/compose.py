"""``bob serve`` composed: the runtime and the job service built once, each front end plugged in.

Start: the runtime, the job service, the components (Slack: its groups, its websocket, the
outbox), every front end's routes on one HTTP server, unfinished jobs resumed, then the
duties. Stop, in reverse: stop taking commands first, cancel the duties, close the doors,
then let the jobs finish or journal their stop.
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
from bot.serving.parts import Duty, Serving
from bot.settings import Settings
from bot.slack.access import Gate, SlackGroups, named_groups
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
    slack: SlackFront | None = None

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
        groups = SlackGroups(client, named_groups(settings.fleet.access))
        service = _service(rt, client, groups, options)
        stack.push_async_callback(service.shutdown, options.grace_s)
        slack = SlackFront(service, client, secrets, groups) if secrets is not None else None
        serving = Serving(settings, options, rt, service, slack, stack)
        routes = [add for make in plugins.ROUTES if (add := make(serving)) is not None]
        http = HttpServer(options.host, options.port, routes) if routes else None
        parts = [c for make in plugins.COMPONENTS if (c := make(serving)) is not None]
        for part in parts + ([http] if http is not None else []):
            await part.start()
            stack.push_async_callback(part.stop)
        resumed = await service.resume(serving.report_channel)
        if resumed:
            log.info("serve.resumed jobs=%s", ",".join(resumed))
        _run_duties(stack, [d for make in plugins.DUTIES if (d := make(serving)) is not None])
        # Runs first at exit: stop taking commands before anything else stops.
        stack.callback(_stop_accepting, service)
        yield RunningBot(service, http, slack)


def _service(
    rt: Runtime, client: AsyncWebClient, groups: SlackGroups, options: ServeOptions
) -> BobService:
    return BobService(
        rt,
        Poster(client, first_backoff_s=options.retry_backoff_s),
        Gate(rt.settings.fleet.access, groups),
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
