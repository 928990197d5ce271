"""Access control as Bolt middleware: every request passes it before any listener runs, so no
listener can forget the check.

A command or mention needs the ``access`` rule of the command its text names; a Confirm or
Cancel click must come from whoever asked, or an admin. A refusal is acked like any request
(the ack waits for nothing outside bob: group members come from the background refresh in
access.py), then audited and told to the user privately; the listener never sees it. Text that
does not parse passes on: the command handler answers it with its usage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_bolt.response import BoltResponse

from bot.slack import blocks
from bot.slack.access import Gate
from bot.slack.confirm import Confirmations
from bot.slack.deliver import Poster
from handlers.parse import CommandError, parse
from handlers.provision import Caller
from provisioning.ports import AuditLog

Next = Callable[[], Awaitable[None]]
Middleware = Callable[[dict[str, Any], AsyncAck, Next], Awaitable[BoltResponse | None]]
Spawn = Callable[[Any], None]


@dataclass(frozen=True)
class Refusal:
    caller: Caller
    detail: str  # for the audit log
    message: str  # for the user
    response_url: str | None = None  # a command's answer goes there; others are ephemeral
    thread_ts: str | None = None  # a mention inside a thread is answered in that thread


@dataclass(frozen=True)
class AccessGuard:
    gate: Gate
    confirmations: Confirmations
    audit: AuditLog
    poster: Poster

    async def refusal(self, body: dict[str, Any]) -> Refusal | None:
        """Why this request may not go on; None when it may (or is not ours to judge)."""
        if "command" in body:
            return await self._command(
                body.get("user_id", ""),
                body.get("channel_id", ""),
                body.get("text", ""),
                body.get("response_url") or None,
                None,
            )
        event = body.get("event") or {}
        if body.get("type") == "event_callback" and event.get("type") == "app_mention":
            return await self._command(
                event.get("user", ""),
                event.get("channel", ""),
                event.get("text", ""),
                None,
                event.get("thread_ts"),
            )
        if body.get("type") == "block_actions":
            return await self._click(body)
        return None

    async def tell(self, refusal: Refusal) -> None:
        await self.audit.audit(refusal.caller.entry("refused", refusal.detail))
        caller, text = refusal.caller, refusal.message
        if refusal.response_url is not None:
            await self.poster.respond(
                refusal.response_url, caller.origin, caller.actor, text, blocks.reply(text)
            )
        else:
            await self.poster.ephemeral(caller.origin, caller.actor, text, refusal.thread_ts)

    async def _command(
        self, user: str, channel: str, text: str, response_url: str | None, thread_ts: str | None
    ) -> Refusal | None:
        try:
            command = parse(text).command
        except CommandError:
            return None
        decision = await self.gate.check(command, user)
        if decision.allowed:
            return None
        message = f":no_entry: {decision.reason}. Nothing was done."
        caller = Caller(user, "slack", channel, text)
        return Refusal(caller, decision.reason, message, response_url, thread_ts)

    async def _click(self, body: dict[str, Any]) -> Refusal | None:
        action = body["actions"][0]
        pending = self.confirmations.get(action.get("value", ""))
        if pending is None:
            return None  # answered, expired or unknown: the listener says so, to anyone
        user, channel = body["user"]["id"], body["channel"]["id"]
        if user == pending.requester or await self.gate.is_admin(user):
            return None
        caller = Caller(user, "slack", channel, f"{action['action_id']} {pending.text}")
        message = f"Only <@{pending.requester}> or an admin may answer this. Nothing was done."
        return Refusal(caller, f"requested by {pending.requester}", message)


def access_middleware(guard: AccessGuard, spawn: Spawn) -> Middleware:
    """Bolt global middleware: a refused request is acked and answered after the ack."""

    async def check_access(body: dict[str, Any], ack: AsyncAck, next: Next) -> BoltResponse | None:
        refusal = await guard.refusal(body)
        if refusal is None:
            await next()
            return None
        spawn(guard.tell(refusal))
        return await ack()

    return check_access
