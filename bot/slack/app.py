"""The Bolt app: listeners that ack at once and leave all work for after the ack.

Slack waits 3 seconds for an ack, and an ack that comes later is a failure the user sees
while the work goes on regardless. So an ack depends on nothing but bob itself: no store, no
host, no DNS, Jenkins or Slack call comes before it. The command's answer follows privately
through its ``response_url``. Slack delivers an event again when it thinks the first try
failed; each event id is acted on once, whichever replica gets the retry.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks, buttons
from bot.slack.blocks import CANCEL_ACTION, CONFIRM_ACTION
from bot.slack.commands import RESTARTING, SLASH, Invocation, Reply, handle
from bot.slack.guard import AccessGuard, access_middleware
from bot.slack.identity import SlackIdentity
from bot.slack.mentions import answer_mention
from bot.slack.service import BobService

log = logging.getLogger("bob.slack")
BOLT_APP_NAME = "bob-bolt"

# Slack retries an event for about five minutes; an id is remembered well beyond that.
SEEN_FOR = timedelta(hours=1)


def build_app(service: BobService, client: AsyncWebClient, signing_secret: str) -> AsyncApp:
    """Request verification stays on (Bolt's default): a bad signature never reaches us."""
    identity = SlackIdentity(client)
    # The token comes from ``authorize`` for each request; Bolt warns when given both.
    tokenless = AsyncWebClient(
        base_url=client.base_url, timeout=client.timeout, retry_handlers=client.retry_handlers
    )
    app = AsyncApp(
        client=tokenless,
        signing_secret=signing_secret,
        # Bolt sets the level of the logger named after its app to the root's: named "bob", it
        # would override bob's own log set-up (`-v`, `--log-format`) for every bob.* logger.
        name=BOLT_APP_NAME,
        authorize=identity.authorizer(),
    )
    guard = AccessGuard(service.gate, service.confirmations, service.store, service.poster)
    app.use(access_middleware(guard, service.spawn))

    @app.command(SLASH)
    async def on_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        if not service.accepting:
            await ack(text=RESTARTING, response_type="ephemeral")
            return
        await ack()
        inv = Invocation(
            service, command["user_id"], command["channel_id"], command.get("text", "")
        )
        service.spawn(_answer_command(service, inv, command.get("response_url") or None))

    @app.event("app_mention")
    async def on_mention(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        inv = Invocation(service, event.get("user", ""), event["channel"], event.get("text", ""))
        thread_ts = event.get("thread_ts") or event["ts"]
        service.spawn(_answer_mention(service, inv, thread_ts, body.get("event_id")))

    @app.action(CONFIRM_ACTION)
    @app.action(CANCEL_ACTION)
    async def on_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        user, channel = body["user"]["id"], body["channel"]["id"]
        service.spawn(_answer_button(service, action["action_id"], action["value"], user, channel))

    return app


def _then(service: BobService, reply: Reply) -> None:
    if reply.then is not None:
        service.spawn(reply.then)


async def _answer_command(service: BobService, inv: Invocation, response_url: str | None) -> None:
    try:
        reply = await handle(inv)
    except Exception:
        # The ack promised an answer: an error is one too.
        log.exception("slack.command_failed text=%r user=%s", inv.text, inv.user)
        reply = Reply(":x: bob failed on an internal error; it is in bob's log", ok=False)
    _then(service, reply)
    await service.poster.respond(
        response_url, inv.channel, inv.user, reply.text, reply.blocks or blocks.reply(reply.text)
    )


async def _answer_mention(
    service: BobService, inv: Invocation, thread_ts: str, event_id: str | None
) -> None:
    if event_id and not await service.store.first_delivery(f"event:{event_id}", SEEN_FOR):
        log.info("slack.retry_ignored event=%s", event_id)
        return
    reply = await handle(inv)
    _then(service, reply)
    await answer_mention(service, inv, reply, thread_ts)


async def _answer_button(
    service: BobService, action: str, token: str, user: str, channel: str
) -> None:
    message = await buttons.answer(service, action, token, user, channel)
    if message is not None:
        await service.poster.ephemeral(channel, user, message)
