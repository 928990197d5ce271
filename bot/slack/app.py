"""The Bolt app: thin listeners that ack within Slack's 3 seconds and leave work for later."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks, buttons
from bot.slack.blocks import CANCEL_ACTION, CONFIRM_ACTION
from bot.slack.commands import SLASH, Invocation, Reply, handle
from bot.slack.service import BobService


def build_app(service: BobService, client: AsyncWebClient, signing_secret: str) -> AsyncApp:
    """Request verification stays on (Bolt's default): a bad signature never reaches us."""
    app = AsyncApp(client=client, signing_secret=signing_secret, name="bob")

    @app.command(SLASH)
    async def on_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        inv = Invocation(
            service, command["user_id"], command["channel_id"], command.get("text", "")
        )
        reply = await handle(inv)
        try:
            await ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        finally:
            # A job already reserved must run even if the ack got lost on the way.
            _then(service, reply)

    @app.event("app_mention")
    async def on_mention(ack: AsyncAck, event: dict[str, Any]) -> None:
        await ack()
        inv = Invocation(service, event.get("user", ""), event["channel"], event.get("text", ""))
        service.spawn(_answer_mention(service, inv, event.get("thread_ts") or event["ts"]))

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


async def _answer_mention(service: BobService, inv: Invocation, thread_ts: str) -> None:
    reply = await handle(inv)
    if reply.ok:
        await service.poster.post(
            inv.channel, reply.text, reply.blocks or blocks.reply(reply.text), thread_ts=thread_ts
        )
    else:
        await service.poster.ephemeral(inv.channel, inv.user, reply.text)
    _then(service, reply)


async def _answer_button(
    service: BobService, action: str, token: str, user: str, channel: str
) -> None:
    message = await buttons.answer(service, action, token, user, channel)
    if message is not None:
        await service.poster.ephemeral(channel, user, message)
