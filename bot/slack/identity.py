"""Who bob is in Slack, for Bolt, without ever making a request wait on Slack's Web API.

Left to itself, Bolt calls ``auth.test`` before the first request's listener runs, and again
on every request while that call fails: with Slack's API slow or unreachable from bob, a
command missed its ack deadline, failed with HTTP 500, or was answered "please reinstall this
app". bob asks once in the background instead; until the answer is in, requests go on with
the bot token alone, which is all bob's listeners use.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("bob.slack")


class SlackIdentity:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._bot_id: str | None = None
        self._bot_user_id: str | None = None
        self._asking: asyncio.Task[None] | None = None

    def authorizer(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """Bolt's ``authorize`` (a plain function: Bolt passes what its parameters name)."""

        async def authorize(
            enterprise_id: str | None, team_id: str | None, user_id: str | None
        ) -> AuthorizeResult:
            return self.now(enterprise_id, team_id, user_id)

        return authorize

    def now(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        """What is known now; never waits."""
        if self._bot_user_id is None and (self._asking is None or self._asking.done()):
            self._asking = asyncio.create_task(self._ask())
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            bot_token=self._client.token,
            bot_id=self._bot_id,
            bot_user_id=self._bot_user_id,
        )

    async def _ask(self) -> None:
        try:
            answer = await self._client.auth_test()
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("slack.auth_test_failed error=%r", exc)
            return
        self._bot_id = answer.get("bot_id")
        self._bot_user_id = answer.get("user_id")
