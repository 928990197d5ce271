"""Posting to Slack so that nothing a job reports is lost to a 429 or an outage.

The web client's own retry handlers absorb short rate limits; this layer retries whatever is
left (a long 429, a 5xx, a refused connection) with capped backoff until Slack answers or the
task is cancelled at shutdown. Errors that retrying cannot fix (``channel_not_found``,
``invalid_auth``…) are logged and the message is dropped: the job never waits on Slack.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.blocks import Block
from provisioning.core.backoff import Backoff

log = logging.getLogger("bob.slack")

FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0
# A command's response_url answers at once or not at all; the private message is the fallback.
RESPONSE_URL_TIMEOUT_S = 10


class Poster:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        first_backoff_s: float = FIRST_BACKOFF_S,
        max_backoff_s: float = MAX_BACKOFF_S,
    ) -> None:
        self.client = client
        self._backoff = Backoff(first_backoff_s, max_backoff_s)

    async def post(
        self, channel: str, text: str, blocks: list[Block], thread_ts: str | None = None
    ) -> str | None:
        """The new message's ts, or None if Slack refused it for good."""
        response = await self._until_answered(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
            ),
        )
        return None if response is None else str(response["ts"])

    async def update(self, channel: str, ts: str, text: str, blocks: list[Block]) -> bool:
        response = await self._until_answered(
            "chat.update",
            lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
        )
        return response is not None

    async def ephemeral(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> bool:
        """A message only ``user`` sees; in the thread ``thread_ts`` when given."""
        response = await self._until_answered(
            "chat.postEphemeral",
            lambda: self.client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts
            ),
        )
        return response is not None

    async def permalink(self, channel: str, ts: str) -> str | None:
        """A link to a message, or None when Slack does not give one now (a link is a
        nicety: it is asked once, never retried)."""
        attempt = await self._once(
            "chat.getPermalink",
            lambda: self.client.chat_getPermalink(channel=channel, message_ts=ts),
        )
        link = attempt.response.get("permalink") if attempt.response is not None else None
        return str(link) if link else None

    async def respond(
        self, response_url: str | None, channel: str, user: str, text: str, blocks: list[Block]
    ) -> bool:
        """Answer a command privately after its ack: through its ``response_url`` (Slack's
        way, valid for 30 minutes), else a private message in the channel."""
        if response_url:
            webhook = AsyncWebhookClient(response_url, timeout=RESPONSE_URL_TIMEOUT_S)
            try:
                sent = await webhook.send(text=text, blocks=blocks, response_type="ephemeral")
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.warning("slack.response_url_failed error=%r", exc)
            else:
                if sent.status_code == 200:
                    return True
                log.warning("slack.response_url_refused status=%s", sent.status_code)
        return await self.ephemeral(channel, user, text)

    async def post_once(
        self, channel: str, text: str, blocks: list[Block], thread_ts: str | None = None
    ) -> Attempt:
        return await self._once(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
            ),
        )

    async def update_once(self, channel: str, ts: str, text: str, blocks: list[Block]) -> Attempt:
        return await self._once(
            "chat.update",
            lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
        )

    async def _until_answered(
        self, method: str, call: Callable[[], Awaitable[AsyncSlackResponse]]
    ) -> AsyncSlackResponse | None:
        delays = self._backoff.delays()
        while True:
            attempt = await self._once(method, call)
            if attempt.retry_after is None:
                return attempt.response
            await asyncio.sleep(max(attempt.retry_after, next(delays)))

    async def _once(
        self, method: str, call: Callable[[], Awaitable[AsyncSlackResponse]]
    ) -> Attempt:
        try:
            return Attempt(await call())
        except SlackApiError as exc:
            wait = _retry_wait(exc.response)
            if wait is None:
                log.error("slack.refused method=%s error=%s", method, api_error(exc))
                return Attempt()
            log.warning("slack.retry method=%s status=%s", method, exc.response.status_code)
            return Attempt(retry_after=wait)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("slack.unreachable method=%s error=%r", method, exc)
            return Attempt(retry_after=0.0)


@dataclass(frozen=True)
class Attempt:
    """One call's outcome: Slack's answer, or how long to wait before trying again, or
    neither when Slack refused for good (``channel_not_found``…)."""

    response: AsyncSlackResponse | None = None
    retry_after: float | None = None


def api_error(exc: SlackApiError) -> str:
    """Slack's error code (``channel_not_found``…), or the HTTP status when there is none."""
    data = exc.response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {exc.response.status_code}"


def _retry_wait(response: AsyncSlackResponse) -> float | None:
    """Seconds to wait before retrying, or None when retrying cannot help."""
    status: int = response.status_code
    if status == 429:
        headers: dict[str, Any] = response.headers
        retry_after = headers.get("Retry-After") or headers.get("retry-after") or "1"
        return float(retry_after)
    if status >= 500:
        return 0.0
    return None
