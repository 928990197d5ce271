"""Reading a Server-Sent Events stream over real HTTP, as EventSource does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class Message:
    event: str
    data: str


async def messages(response: aiohttp.ClientResponse) -> AsyncIterator[Message]:
    event, data = "message", []
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if not line:
            if data:
                yield Message(event, "\n".join(data))
            event, data = "message", []
        elif line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data.append(line.removeprefix("data: "))
        elif line == "data:":
            data.append("")


async def collect_until(
    response: aiohttp.ClientResponse, last_event: str, timeout: float = 20.0
) -> list[Message]:
    """Every message up to and including the first ``last_event``."""
    got: list[Message] = []

    async def read() -> None:
        async for message in messages(response):
            got.append(message)
            if message.event == last_event:
                return

    await asyncio.wait_for(read(), timeout)
    return got
